"""gradcheck and gradgradcheck: analytic Jacobian products against numerical oracles in float64."""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import engine, grad_mode
from ..tensor import Tensor
from .numerical import COMPLEX_STEP, ORACLES


class GradcheckError(AssertionError):
    """A gradient check failed; the message names the input, the worst element and the tolerances."""


class GradcheckWarning(UserWarning):
    """A gradient check had to change what it was given (e.g. cast float32 inputs to float64)."""


def gradcheck(fn: Callable, inputs: Tensor | Sequence[Any], eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, *, fast_mode: bool = False, oracle: str = "auto", raise_exception: bool = True,
              seed: int = 0) -> bool:
    """Check the gradients of `fn` at `inputs` against numerical derivatives in float64.

    ``fn(*inputs)`` returns a Tensor or a tuple of Tensors. Every input Tensor with
    ``requires_grad=True`` is checked; other inputs are passed through as constants. Float32
    and float16 inputs are checked on float64 copies (with a GradcheckWarning): numerical
    derivatives in single precision carry errors near 1e-3 and prove nothing.

    The numerical oracle is chosen per graph (``oracle="auto"``): the complex step when every op
    that ``fn`` records declares ``analytic = True``, central differences otherwise (force one
    with ``oracle="central"`` or ``"complex"``). Each numerical value comes with an error
    estimate from two step sizes, so an entry fails when
    ``|analytic - numerical| > atol + rtol * |numerical| + estimated_error``.

    Full mode (default) compares every entry of every input's Jacobian: one backward per output
    element and a few forwards per input element. ``fast_mode=True`` compares one random
    projection ``v^T J u`` per input instead (one backward, a few forwards per input). Fast mode
    can miss an error confined to a few Jacobian entries when it is small next to the whole
    projection (the tolerance applies to the sum, which dilutes one wrong entry among many),
    errors that happen to cancel in the projection, and it cannot say which element is wrong:
    rerun in full mode to locate a failure.

    Returns True, or raises GradcheckError (returns False with ``raise_exception=False``).
    """
    return _gradcheck(fn, inputs, eps, atol, rtol, fast_mode, oracle, oracle != "complex", raise_exception, seed)


def _gradcheck(fn, inputs, eps, atol, rtol, fast_mode, oracle, may_fall_back, raise_exception, seed) -> bool:
    inputs, checked = _prepare_inputs(inputs, "gradcheck")
    outputs = _floating_outputs(fn(*inputs))
    chosen = _choose_oracle(oracle, outputs)
    try:
        failure = _check(fn, inputs, checked, outputs, eps, atol, rtol, fast_mode, chosen, seed)
    except _NotAnalytic as reason:
        if not may_fall_back:
            raise ValueError(f"gradcheck: the complex-step oracle cannot be used: {reason}") from reason
        failure = _check(fn, inputs, checked, outputs, eps, atol, rtol, fast_mode, "central", seed)
    if failure is None:
        return True
    if raise_exception:
        raise GradcheckError(failure)
    return False


def gradgradcheck(fn: Callable, inputs: Tensor | Sequence[Any],
                  grad_outputs: Tensor | Sequence[Tensor | np.ndarray] | None = None, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, *, fast_mode: bool = False, oracle: str = "auto",
                  raise_exception: bool = True, seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of ``(inputs, v) -> d(v . fn(inputs))/d inputs``.

    The first gradient is built with ``create_graph=True`` and differentiated again, with
    respect to the inputs and to the output weights ``v`` (``grad_outputs``; random by default).
    Arguments and failure messages are those of gradcheck; the inputs of the checked function
    are ``fn``'s inputs followed by one ``v`` per floating output.
    """
    inputs, checked = _prepare_inputs(inputs, "gradgradcheck")
    outputs = _floating_outputs(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [rng.standard_normal(o.shape) for o in outputs]
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs]
    weights = [Tensor(np.array(g.data if isinstance(g, Tensor) else g, dtype=np.float64), requires_grad=True)
               for g in grad_outputs]
    if len(weights) != len(outputs):
        raise ValueError(f"gradgradcheck: {len(weights)} grad_outputs for {len(outputs)} floating outputs")
    count = len(inputs)

    def first_gradient(*args):
        xs = list(args[:count])
        create_graph = any(xs[i].requires_grad for i in checked) or any(v.requires_grad for v in args[count:])
        for i in checked:
            if not xs[i].requires_grad:  # numerical evaluations pass plain tensors: make them leaves
                xs[i] = Tensor._make(xs[i].data, None)
                xs[i].requires_grad = True
        with grad_mode.enable_grad():
            outs = _floating_outputs(fn(*xs))
            roots = [v if create_graph else v.data for v in args[count:]]
            grads = engine.run_backward(outs, roots, create_graph, create_graph, capture=[xs[i] for i in checked])
        return tuple(_zeros_like(xs[i]) if g is None else (g if isinstance(g, Tensor) else Tensor._make(g, None))
                     for i, g in zip(checked, grads))

    chosen = oracle
    if oracle == "auto":  # the ops of the forward and of the first backward must all be analytic
        chosen = _choose_oracle("auto", outputs + list(first_gradient(*inputs, *weights)))
    try:
        return _gradcheck(first_gradient, [*inputs, *weights], eps, atol, rtol, fast_mode, chosen,
                          oracle != "complex", raise_exception, seed + 1)
    except GradcheckError as error:
        raise GradcheckError(f"grad{error}\n  (the checked function is (inputs, v) -> d(v . fn)/d(inputs): "
                             f"inputs from {count} on are the output weights v, and its outputs are the "
                             f"gradients of fn's inputs {checked}, in that order)") from None


# ----- preparing inputs and outputs ---------------------------------------------------------
def _prepare_inputs(inputs, where: str) -> tuple[list, list[int]]:
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    checked = []
    for i, x in enumerate(inputs):
        if not (isinstance(x, Tensor) and x.requires_grad):
            continue
        if x.dtype.kind != "f":
            raise TypeError(f"{where}: input {i} has dtype {x.dtype}; only real floating inputs are checked")
        if x.dtype != np.float64:
            warnings.warn(f"{where}: input {i} is {x.dtype}; checking a float64 copy (numerical derivatives "
                          "need double precision)", GradcheckWarning, stacklevel=3)
            inputs[i] = Tensor(x.data.astype(np.float64), requires_grad=True)
        checked.append(i)
    if not checked:
        raise ValueError(f"{where}: no input Tensor has requires_grad=True, so there is nothing to check")
    return inputs, checked


def _floating_outputs(result) -> list[Tensor]:
    outputs = list(result) if isinstance(result, (tuple, list)) else [result]
    for k, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"gradcheck: output {k} of the function is a {type(out).__name__}, not a Tensor")
    return [o for o in outputs if o.dtype.kind in "fc"]


def _zeros_like(tensor: Tensor) -> Tensor:
    return Tensor._make(np.zeros(tensor.shape, dtype=tensor.dtype), None)


def ops_in_graph(outputs: Sequence[Tensor]) -> list[type]:
    """The op classes recorded in the graphs of `outputs` (each once, in a stable order)."""
    found: dict[type, None] = {}
    for out in outputs:
        if out.grad_fn is not None:
            for node in engine.topological_order(out.grad_fn):
                found.setdefault(type(node))
    return list(found)


def _choose_oracle(oracle: str, outputs) -> str:
    if oracle == "auto":
        analytic = all(getattr(op, "analytic", False) for op in ops_in_graph(outputs))
        return "complex" if analytic else "central"
    if oracle not in ORACLES:
        raise ValueError(f"gradcheck: unknown oracle {oracle!r}; use 'auto', 'central' or 'complex'")
    return oracle


# ----- the comparison ------------------------------------------------------------------------
class _NotAnalytic(Exception):
    """The complex-step forward failed or disagreed with the real forward: fall back to central."""


def _evaluator(fn, inputs, checked, oracle):
    """arrays of the checked inputs -> the floating outputs of fn, flattened into one vector."""
    def evaluate(arrays):
        args = list(inputs)
        for i, array in zip(checked, arrays):
            args[i] = Tensor._make(array, None)
        with grad_mode.no_grad():
            outs = _floating_outputs(fn(*args))
        if not outs:
            return np.zeros(0)
        return np.concatenate([o.data.reshape(-1) for o in outs])

    if oracle != "complex":
        return evaluate

    def evaluate_complex(arrays):
        try:
            return evaluate(arrays)
        except (TypeError, ValueError) as error:
            raise _NotAnalytic(str(error)) from error
    return evaluate_complex


def _check(fn, inputs, checked, outputs, eps, atol, rtol, fast_mode, oracle, seed):
    arrays = [inputs[i].data for i in checked]
    evaluate = _evaluator(fn, inputs, checked, oracle)
    if oracle == "complex":
        real = np.concatenate([o.data.reshape(-1) for o in outputs]) if outputs else np.zeros(0)
        complex_out = evaluate([a.astype(np.complex128) for a in arrays])
        if complex_out.shape != real.shape or not np.allclose(complex_out.real, real, rtol=1e-10, atol=1e-12):
            raise _NotAnalytic("the complex forward disagrees with the real forward")
    numerical = ORACLES[oracle]
    sizes = [o.size for o in outputs]
    if fast_mode:
        return _check_projection(outputs, inputs, checked, arrays, evaluate, numerical, sizes,
                                 eps, atol, rtol, oracle, seed)
    analytic = _analytic_jacobians(outputs, [inputs[i] for i in checked], sizes)
    for position, (i, array) in enumerate(zip(checked, arrays)):
        columns, errors = [], []
        for k in range(array.size):
            direction = np.zeros(array.size)
            direction[k] = 1.0
            value, error = numerical(evaluate, arrays, position, direction.reshape(array.shape), _eps(oracle, eps))
            columns.append(value)
            errors.append(error)
        total = sum(sizes)
        numeric = np.stack(columns, axis=1) if columns else np.zeros((total, 0))
        error = np.stack(errors, axis=1) if errors else np.zeros((total, 0))
        failure = _compare_jacobian(analytic[position], numeric, error, i, inputs[i], outputs, atol, rtol, oracle)
        if failure is not None:
            return failure
    return None


def _eps(oracle: str, eps: float) -> float:
    return COMPLEX_STEP if oracle == "complex" else eps  # `eps` is the central-difference step


def _analytic_jacobians(outputs, tensors, sizes) -> list[np.ndarray]:
    """One backward per output element: row j of each input's Jacobian is the gradient of output j."""
    total = sum(sizes)
    jacobians = [np.zeros((total, t.size)) for t in tensors]
    row = 0
    for k, out in enumerate(outputs):
        for j in range(out.size):
            roots = [np.zeros(o.shape, dtype=o.dtype) for o in outputs]
            roots[k].reshape(-1)[j] = 1.0
            grads = engine.run_backward(outputs, roots, True, False, capture=tensors)
            for jacobian, grad in zip(jacobians, grads):
                if grad is not None:
                    jacobian[row] = _array_of(grad).reshape(-1)
            row += 1
    return jacobians


def _check_projection(outputs, inputs, checked, arrays, evaluate, numerical, sizes,
                      eps, atol, rtol, oracle, seed):
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(o.shape).astype(o.dtype) for o in outputs]
    flat_weights = np.concatenate([w.reshape(-1) for w in weights]) if weights else np.zeros(0)
    grads = engine.run_backward(outputs, weights, True, False, capture=[inputs[i] for i in checked])
    for position, (i, array, grad) in enumerate(zip(checked, arrays, grads)):
        direction = rng.standard_normal(array.shape)
        direction /= max(np.abs(direction).max(initial=0.0), 1e-300)
        analytic = 0.0 if grad is None else float(np.sum(_array_of(grad) * direction))
        value, error = numerical(evaluate, arrays, position, direction, _eps(oracle, eps))
        numeric = float(np.dot(flat_weights, value))
        estimated = float(np.dot(np.abs(flat_weights), error))
        tolerance = atol + rtol * abs(numeric) + estimated
        if not abs(analytic - numeric) <= tolerance:
            return (f"gradcheck (fast mode) failed for input {i} (shape {inputs[i].shape}): the random "
                    f"projection v^T J u disagrees.\n"
                    f"    analytic  = {analytic:.10g}\n"
                    f"    numerical = {numeric:.10g}  ({_oracle_name(oracle)}, estimated error {estimated:.2g})\n"
                    f"    |analytic - numerical| = {abs(analytic - numeric):.3g} > tolerance {tolerance:.3g} "
                    f"= atol {atol:g} + rtol {rtol:g} * |numerical| + estimated error\n"
                    f"  Rerun with fast_mode=False to locate the wrong element.")
    return None


def _compare_jacobian(analytic, numeric, error, i, tensor, outputs, atol, rtol, oracle):
    difference = np.abs(analytic - numeric)
    tolerance = atol + rtol * np.abs(numeric) + error
    bad = ~(difference <= tolerance)  # NaN counts as a failure
    if not bad.any():
        return None
    excess = np.where(bad, np.nan_to_num(difference - tolerance, nan=np.inf), -np.inf)
    row, column = np.unravel_index(np.argmax(excess), excess.shape)
    output_label = _output_element(outputs, row)
    input_label = _element(np.unravel_index(column, tensor.shape))
    a, n, e, t = analytic[row, column], numeric[row, column], error[row, column], tolerance[row, column]
    return (f"gradcheck failed for input {i} (shape {tensor.shape}, {tensor.dtype}): "
            f"{int(bad.sum())} of {bad.size} Jacobian entries disagree.\n"
            f"  worst: d {output_label} / d input {i}{input_label}\n"
            f"    analytic  = {a:.10g}\n"
            f"    numerical = {n:.10g}  ({_oracle_name(oracle)}, estimated error {e:.2g})\n"
            f"    |analytic - numerical| = {abs(a - n):.3g} > tolerance {t:.3g} "
            f"= atol {atol:g} + rtol {rtol:g} * |numerical| + estimated error")


def _array_of(grad) -> np.ndarray:
    return grad.data if isinstance(grad, Tensor) else np.asarray(grad)


def _output_element(outputs, row: int) -> str:
    for k, out in enumerate(outputs):
        if row < out.size:
            index = _element(np.unravel_index(row, out.shape))
            return f"output{index}" if len(outputs) == 1 else f"output {k}{index}"
        row -= out.size
    return "output"


def _element(index) -> str:
    return "[" + ", ".join(str(int(j)) for j in index) + "]" if len(index) else ""  # nothing for 0-d


def _oracle_name(oracle: str) -> str:
    return "complex step" if oracle == "complex" else "central differences"
