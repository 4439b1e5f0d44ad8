"""The one error path of ops: NumPy's own message, plus the op's name and its inputs' shapes and dtypes."""
from __future__ import annotations

import numpy as np

# what an op's forward may raise for bad user input; anything else is a bug and propagates untouched
FORWARD_ERRORS = (ValueError, IndexError, TypeError)


def describe_inputs(arrays) -> str:
    """'(2, 3) float32, () int64': the shape and dtype of every input, for error messages."""
    parts = []
    for a in arrays:
        dtype = getattr(a, "dtype", None)
        parts.append(f"{np.shape(a)} {dtype}" if dtype is not None else f"{type(a).__name__}")
    return ", ".join(parts)


def forward_error(op, error: BaseException, arrays) -> BaseException:
    """The error to raise when op's forward failed: same type where it can be rebuilt, message kept.

    `op` is a Function subclass or an op name. Never fails itself: NumPy's ufunc errors (e.g.
    _UFuncNoLoopError) take constructor arguments other than a message, so they fall back to the
    nearest built-in class they derive from (TypeError for a missing loop).
    """
    name = op if isinstance(op, str) else getattr(op, "name", type(op).__name__)
    try:
        message = str(error)
    except Exception:  # a broken __str__ must not hide the original error
        message = repr(error)
    message = message.removeprefix(f"{name}: ")  # ops that name themselves already
    try:
        inputs = describe_inputs(arrays)
    except Exception:
        inputs = "unknown"
    text = f"{name}: {message} (inputs: {inputs})"
    for kind in type(error).__mro__:
        try:
            rebuilt = kind(text)
            if str(rebuilt) == text:
                return rebuilt
        except Exception:
            continue  # this class wants other constructor arguments: try its parent
    return RuntimeError(text)


def axis_error(op: str, axis, ndim: int, shape=None) -> Exception:
    """The error for an axis that is not an integer or not in range, naming the op and the axis."""
    where = f"shape {shape}" if shape is not None else f"{ndim} dimensions"
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        return TypeError(f"{op}: axis must be an integer, got {axis!r} ({type(axis).__name__}) "
                         f"for a tensor of {where}")
    return np.exceptions.AxisError(f"{op}: axis {axis} is out of range for a tensor of {where} "
                                   f"(valid: {-ndim} to {ndim - 1})")


def check_axis(op: str, axis, ndim: int, shape=None) -> int:
    """`axis` as a non-negative int, or an axis_error naming op (no silent wrap-around)."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise axis_error(op, axis, ndim, shape)
    return int(axis) % ndim
