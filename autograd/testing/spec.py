"""Op test specifications: what each registered op computes, on which inputs, and where it kinks.

The test suite enumerates ``autograd.REGISTRY`` and requires a spec for every op, so an op
without one fails the suite. A spec says how to call the op (``fn``), a NumPy reference for
its values (``reference``), how to draw valid inputs (``sample``: its domain, shapes and
params) and where its derivative has kinks (``kinks``), which drawn inputs keep away from.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

SPECS: dict[str, list[OpSpec]] = {}


@dataclass(frozen=True)
class Case:
    """One drawn test case: float64 input arrays and the op's non-differentiable params."""

    arrays: tuple[np.ndarray, ...]
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class OpSpec:
    """How to test one registered op.

    name:         the registry name of the op this spec covers (``REGISTRY[name]``).
    fn:           ``fn(*tensors, **params) -> Tensor``; must exercise the op named ``name``.
    reference:    ``reference(*arrays, **params) -> ndarray``, a NumPy forward to compare values
                  with (None only when ``fn`` is itself the definition, e.g. a pure shape move).
    sample:       ``sample(draw) -> Case``; ``draw`` is Hypothesis's, so inputs shrink.
    kinks:        points where the op is not differentiable (elementwise, on any input); drawn
                  inputs stay ``kink_margin`` away from them for the numerical comparison.
    second_order: whether gradients of gradients are checked (False for piecewise-linear ops
                  whose second derivative is 0 almost everywhere is still True: they must run).
    differentiable: indices of the inputs that carry gradients (None: all).
    """

    name: str
    fn: Callable
    sample: Callable
    reference: Callable | None = None
    kinks: tuple[float, ...] = ()
    kink_margin: float = 1e-2
    second_order: bool = True
    differentiable: tuple[int, ...] | None = None
    rtol: float = 1e-4
    atol: float = 1e-6
    label: str = ""

    @property
    def id(self) -> str:
        return f"{self.name}[{self.label}]" if self.label else self.name


def register_spec(spec: OpSpec) -> OpSpec:
    """Add a spec to the table the suite enumerates (several specs per op are allowed)."""
    SPECS.setdefault(spec.name, []).append(spec)
    return spec


def numerical_gradient(fn: Callable, arrays, weights: np.ndarray, eps: float = 1e-6):
    """Central-difference gradient of sum(weights * fn(*arrays)) with respect to every array (float64)."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = np.sum(weights * fn(*arrays))
            flat[i] = original - eps
            minus = np.sum(weights * fn(*arrays))
            flat[i] = original
            gflat[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads
