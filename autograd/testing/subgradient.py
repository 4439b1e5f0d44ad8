"""The kink property: at a kink or tie, the analytic gradient lies between the one-sided derivatives."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import engine
from ..tensor import Tensor
from .gradients import GradcheckError, _element, _evaluator, _floating_outputs, _prepare_inputs
from .numerical import one_sided_differences


def check_subgradient(fn: Callable, inputs: Tensor | Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
                      rtol: float = 1e-3, *, seed: int = 0, raise_exception: bool = True) -> bool:
    """Check that each gradient entry of ``v . fn(inputs)`` lies between its one-sided derivatives.

    Use it on inputs that sit exactly on kinks and ties (relu at 0, ``maximum(x, x)``, tied
    maxima, clip bounds), where central differences mean nothing. For a function of one variable
    that is convex or concave near the point, every value between the left and the right
    derivative is a valid subgradient; the documented conventions (relu'(0) = 0, ties split
    evenly, clip passes the gradient at its bounds) all satisfy it. ``v`` is random (``seed``).
    Raises GradcheckError naming the input, the element and both one-sided derivatives.
    """
    inputs, checked = _prepare_inputs(inputs, "check_subgradient")
    outputs = _floating_outputs(fn(*inputs))
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(o.shape) for o in outputs]
    grads = engine.run_backward(outputs, [w.astype(o.dtype) for w, o in zip(weights, outputs)], False, False,
                                capture=[inputs[i] for i in checked])
    flat_weights = np.concatenate([w.reshape(-1) for w in weights]) if weights else np.zeros(0)

    evaluate_outputs = _evaluator(fn, inputs, checked, "central")

    def evaluate(arrays):
        return np.array([np.dot(flat_weights, evaluate_outputs(arrays))])

    arrays = [inputs[i].data for i in checked]
    for position, (i, grad) in enumerate(zip(checked, grads)):
        analytic = np.zeros(arrays[position].size) if grad is None else np.asarray(
            grad.data if isinstance(grad, Tensor) else grad, dtype=np.float64).reshape(-1)
        for k in range(arrays[position].size):
            direction = np.zeros(arrays[position].size)
            direction[k] = 1.0
            left, right, error = one_sided_differences(
                evaluate, arrays, position, direction.reshape(arrays[position].shape), eps)
            low, high = min(left[0], right[0]), max(left[0], right[0])
            tolerance = atol + rtol * max(abs(low), abs(high)) + error[0]
            if not low - tolerance <= analytic[k] <= high + tolerance:
                if not raise_exception:
                    return False
                element = _element(np.unravel_index(k, arrays[position].shape))
                raise GradcheckError(
                    f"check_subgradient failed for input {i} (shape {inputs[i].shape}) at element {element or '()'}: "
                    f"the analytic gradient is not between the one-sided derivatives.\n"
                    f"    analytic          = {analytic[k]:.10g}\n"
                    f"    from the left     = {left[0]:.10g}\n"
                    f"    from the right    = {right[0]:.10g}\n"
                    f"    tolerance {tolerance:.3g} = atol {atol:g} + rtol {rtol:g} * max|one-sided| "
                    f"+ estimated error {error[0]:.2g}\n"
                    f"    input value at the element = {arrays[position].reshape(-1)[k]!r}")
    return True
