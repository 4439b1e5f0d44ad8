"""Thread-local switches: whether ops record a graph, and whether anomaly detection is on."""
from __future__ import annotations

import functools
import threading


class _State(threading.local):
    grad_enabled = True
    anomaly = False


state = _State()  # per thread; read directly on the per-op hot path


def is_grad_enabled() -> bool:
    """True when ops record the graph needed for backward (the default)."""
    return state.grad_enabled


def set_grad_enabled(mode: bool) -> None:
    state.grad_enabled = bool(mode)


def is_anomaly_enabled() -> bool:
    return state.anomaly


class _GradMode:
    """Context manager and decorator that sets grad mode and restores the previous one."""

    enabled = True

    def __enter__(self):
        self._previous = is_grad_enabled()
        set_grad_enabled(self.enabled)
        return self

    def __exit__(self, *exc_info):
        set_grad_enabled(self._previous)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Disable graph recording: `with autograd.no_grad():` or `@autograd.no_grad()`."""

    enabled = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a `no_grad` block."""

    enabled = True


class detect_anomaly:
    """Raise at the first op whose forward or backward produces NaN or Inf, naming the op
    and the line of user code that created it."""

    def __enter__(self):
        self._previous = is_anomaly_enabled()
        state.anomaly = True
        return self

    def __exit__(self, *exc_info):
        state.anomaly = self._previous
        return False
