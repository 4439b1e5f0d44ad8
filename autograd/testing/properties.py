"""The properties every op spec must satisfy on every drawn case (the registry tests and check_op
run exactly these): values match the reference, gradients match numerical ones, gradients of
gradients too, float32 stays float32, and kinks get a valid subgradient."""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import DTypeLike

from ..tensor import Tensor
from .gradients import gradcheck, gradgradcheck
from .spec import Case, OpSpec
from .subgradient import check_subgradient

if TYPE_CHECKING:
    from hypothesis.strategies import DrawFn


def case_inputs(spec: OpSpec, case: Case, dtype: DTypeLike = np.float64) -> list[Tensor]:
    """Tensors for a case: differentiable float inputs require grad; others stay constant arrays."""
    inputs = []
    for i, array in enumerate(case.arrays):
        array = np.asarray(array)
        if array.dtype.kind == "f":
            array = array.astype(dtype)
            inputs.append(Tensor(array, requires_grad=spec.is_differentiable(i)))
        else:
            inputs.append(Tensor(array))
    return inputs


def _call(spec: OpSpec, case: Case):
    return lambda *tensors: spec.fn(*tensors, **case.params)


def check_forward(spec: OpSpec, case: Case) -> None:
    """The op's value equals its NumPy reference (in float64)."""
    if spec.reference is None:
        return
    out = spec.fn(*[Tensor(np.asarray(a)) for a in case.arrays], **case.params)
    expected = spec.reference(*case.arrays, **case.params)
    np.testing.assert_allclose(out.data, expected, rtol=spec.forward_rtol, atol=spec.forward_atol,
                               err_msg=f"{spec.id}: forward differs from the reference")
    assert out.shape == np.shape(expected), f"{spec.id}: shape {out.shape}, reference {np.shape(expected)}"


def check_backward(spec: OpSpec, case: Case, fast_mode: bool = False) -> None:
    """Every gradient entry matches the numerical oracle (raises GradcheckError)."""
    if not any(spec.is_differentiable(i) for i in range(len(case.arrays))):
        return
    gradcheck(_call(spec, case), case_inputs(spec, case), eps=spec.eps, atol=spec.atol, rtol=spec.rtol,
              fast_mode=fast_mode, oracle=spec.oracle)


def check_second_order(spec: OpSpec, case: Case, fast_mode: bool = False) -> None:
    """Gradients built with create_graph=True differentiate correctly again."""
    if not spec.second_order:
        return
    gradgradcheck(_call(spec, case), case_inputs(spec, case), eps=spec.eps, atol=spec.atol, rtol=spec.rtol,
                  fast_mode=fast_mode, oracle=spec.oracle)


def check_float32(spec: OpSpec, case: Case) -> None:
    """Float32 inputs give a float32 result and float32 gradients (no silent upcast to float64)."""
    inputs = case_inputs(spec, case, dtype=np.float32)
    out = spec.fn(*inputs, **case.params)
    if not spec.keeps_float32 or out.dtype.kind != "f":
        return
    assert out.dtype == np.float32, f"{spec.id}: float32 inputs gave a {out.dtype} result"
    if out.requires_grad:
        out.backward(np.ones(out.shape, dtype=np.float32))
        for i, t in enumerate(inputs):
            if t.requires_grad and t.grad is not None:
                assert t.grad.dtype == np.float32, f"{spec.id}: gradient of input {i} is {t.grad.dtype}"


def check_kink(spec: OpSpec, case: Case) -> None:
    """On a kink or tie, the analytic gradient lies between the one-sided derivatives."""
    check_subgradient(_call(spec, case), case_inputs(spec, case), atol=max(spec.atol, 1e-6),
                      rtol=max(spec.rtol, 1e-4))


def kink_case(spec: OpSpec, draw: DrawFn) -> Case:
    """A case on the op's kinks: the spec's own `at_kinks`, or its sample with entries snapped onto kinks."""
    if spec.at_kinks is not None:
        return spec.at_kinks(draw)
    case = spec.sample(draw)
    if not spec.kinks:
        return case
    from hypothesis import strategies as st

    arrays = [np.array(a) for a in case.arrays]
    slots = [(i, k) for i, a in enumerate(arrays) if spec.is_differentiable(i) and a.dtype.kind == "f"
             for k in range(a.size)]
    if not slots:
        return case
    snap = draw(st.lists(st.booleans(), min_size=len(slots), max_size=len(slots)))
    snap[draw(st.integers(0, len(slots) - 1))] = True
    for (i, k), chosen in zip(slots, snap):
        if chosen:
            arrays[i].reshape(-1)[k] = draw(st.sampled_from(tuple(spec.kinks)))
    return Case(tuple(arrays), case.params)
