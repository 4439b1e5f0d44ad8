"""Op test specifications: what each registered op computes, on which inputs, and where it kinks.

The test suite enumerates ``autograd.REGISTRY`` and requires a spec for every op, so an op
without one fails the suite. A spec says how to call the op (``fn``), a NumPy reference for
its values (``reference``), how to draw valid inputs (``sample``: its domain, shapes and
params) and where its derivative has kinks (``kinks``), which drawn inputs keep away from.
User-defined ops get exactly the same treatment: register a spec, or pass one to ``check_op``.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .numerical import numerical_gradient

__all__ = ["SPECS", "Case", "OpSpec", "register_spec", "numerical_gradient"]

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
    second_order: whether gradients of gradients are checked (piecewise-linear ops too: their
                  second derivative is 0 almost everywhere, and that must come out).
    differentiable: indices of the inputs that carry gradients (None: all).
    rtol, atol:   tolerances of the gradient comparison (the oracle's error estimate is added).
    label:        tells several specs of one op apart in test ids (``pow[scalar]``).

    Optional fields (added later; all have defaults):
    eps:          finite-difference step (raise it for ops that round, e.g. a cast to float32).
    oracle:       'auto' (complex step when every op is analytic), 'central' or 'complex'.
    at_kinks:     ``at_kinks(draw) -> Case`` landing exactly on kinks or ties, for the subgradient
                  property; without it, entries of the sample are snapped onto ``kinks``.
    forward_rtol, forward_atol: tolerances of the forward comparison with ``reference``.
    keeps_float32: float32 inputs give float32 outputs and gradients (no silent upcast).
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
    eps: float = 1e-6
    oracle: str = "auto"
    at_kinks: Callable | None = None
    forward_rtol: float = 1e-10
    forward_atol: float = 1e-12
    keeps_float32: bool = True

    @property
    def id(self) -> str:
        """The test id: the op's name, with the label in brackets when there is one."""
        return f"{self.name}[{self.label}]" if self.label else self.name

    def is_differentiable(self, index: int) -> bool:
        """Whether input number `index` carries a gradient."""
        return self.differentiable is None or index in self.differentiable


def register_spec(spec: OpSpec) -> OpSpec:
    """Add a spec to the table the suite enumerates (several specs per op, told apart by label).

    A spec with the id of one already registered replaces it (a module run twice registers once).
    """
    existing = SPECS.setdefault(spec.name, [])
    existing[:] = [s for s in existing if s.id != spec.id]
    existing.append(spec)
    return spec
