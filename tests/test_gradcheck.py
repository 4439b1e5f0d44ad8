"""The verification tools themselves: gradcheck, gradgradcheck, the oracles, the strategies, check_op."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import (
    GradcheckError,
    GradcheckWarning,
    build_spec,
    central_difference,
    check_op,
    complex_step,
    ops_in_graph,
)
from autograd.testing import strategies as gst
from autograd.testing.gradients import _choose_oracle
from autograd.testing.properties import case_inputs


def leaf(values):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


class Cube(ag.Function):
    register = False  # test ops stay out of the registry
    analytic = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return 3 * grad * x * x


class ScaledCube(Cube):
    register = False

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return 3.03 * grad * x * x  # 1% too large


class FlatSecondOrderCube(Cube):
    register = False

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        x_value = x if isinstance(x, np.ndarray) else x.data  # a constant: no path for second order
        return 3 * grad * x_value * x_value


# ----- gradcheck ----------------------------------------------------------------------------
def test_gradcheck_accepts_a_correct_op_in_both_modes():
    x = leaf([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    assert ag.gradcheck(Cube.apply, [x])
    assert ag.gradcheck(Cube.apply, [x], fast_mode=True)


def test_gradcheck_failure_names_input_element_values_and_tolerances():
    x, y = leaf([1.0, 2.0]), leaf([[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]])
    with pytest.raises(GradcheckError) as info:
        ag.gradcheck(lambda a, b: a.sum() + ScaledCube.apply(b), [x, y])
    message = str(info.value)
    assert "input 1 (shape (2, 3), float64)" in message
    assert "worst: d output[0, 2] / d input 1[0, 2]" in message  # the largest entry, 3 * 2², is off most
    assert "analytic  = 12.12" in message and "numerical = 12" in message
    assert "atol 1e-05 + rtol 0.001" in message and "estimated error" in message


def test_fast_mode_catches_a_scaled_backward_and_says_how_to_locate_it():
    x = leaf(np.linspace(-2, 2, 12).reshape(3, 4))
    with pytest.raises(GradcheckError, match=r"fast mode.*input 0(.|\n)*fast_mode=False"):
        ag.gradcheck(ScaledCube.apply, [x], fast_mode=True)
    assert not ag.gradcheck(ScaledCube.apply, [x], raise_exception=False)


def test_gradcheck_checks_every_output_and_skips_constants():
    x = leaf([0.5, 1.5])
    constant = np.array([2.0, 3.0])
    assert ag.gradcheck(lambda a, c: (a * c, ag.exp(a).sum(), a > 0), [x, constant])
    with pytest.raises(GradcheckError, match=r"d output 1 / d input 0"):
        ag.gradcheck(lambda a: (a * 2, ScaledCube.apply(a).sum()), [x])


def test_an_input_the_output_does_not_depend_on_has_zero_gradient():
    x, unused = leaf([0.5, 1.5]), leaf([3.0])
    assert ag.gradcheck(lambda a, b: ag.sin(a), [x, unused])


def test_float32_inputs_are_checked_in_float64_with_a_warning():
    x = ag.tensor(np.array([0.5, -1.5], dtype=np.float32), requires_grad=True)
    with pytest.warns(GradcheckWarning, match="float32"):
        assert ag.gradcheck(lambda a: ag.tanh(a) * a, [x], atol=1e-9, rtol=1e-7)


def test_gradcheck_needs_an_input_that_requires_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        ag.gradcheck(ag.exp, [ag.tensor(np.ones(2))])


# ----- oracles --------------------------------------------------------------------------------
def test_the_oracle_follows_the_ops_in_the_graph():
    x = leaf([0.5, 1.5])
    assert _choose_oracle("auto", [ag.exp(x * 2).sum()]) == "complex"
    assert _choose_oracle("auto", [ag.relu(x * 2).sum()]) == "central"
    assert {op.name for op in ops_in_graph([ag.relu(x * 2).sum()])} == {"relu", "mul", "sum"}


def test_complex_step_is_exact_and_central_differences_estimate_their_error():
    x = np.array([0.7, -1.3])

    def evaluate(arrays):
        return np.sin(arrays[0]) * np.exp(arrays[0])

    exact = (np.cos(x) + np.sin(x)) * np.exp(x)
    direction = np.array([1.0, 0.0])
    value, error = complex_step(evaluate, [x], 0, direction)
    assert abs(value[0] - exact[0]) <= 4e-16 * abs(exact[0]) and error[0] < 1e-14
    value, error = central_difference(evaluate, [x], 0, direction, eps=1e-3)
    assert abs(value[0] - exact[0]) <= error[0]  # the estimate bounds the actual error
    assert error[0] < 1e-5


class Softplus(ag.Function):
    register = False
    analytic = True  # wrongly declared: its forward rejects complex arrays

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.logaddexp(x, 0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / (1 + ctx.xp.exp(-x))


def test_a_forward_that_rejects_complex_input_falls_back_unless_the_complex_step_is_forced():
    x = leaf([-0.5, 1.5])
    assert ag.gradcheck(Softplus.apply, [x])  # auto: falls back to central differences
    with pytest.raises(ValueError, match="complex-step"):
        ag.gradcheck(Softplus.apply, [x], oracle="complex")


# ----- gradgradcheck ----------------------------------------------------------------------------
def test_gradgradcheck_accepts_correct_second_derivatives():
    x, y = leaf([[0.5, -1.0]]), leaf([[1.5], [0.3]])
    assert ag.gradgradcheck(lambda a, b: ag.tanh(a @ b) * ag.sigmoid(a).sum(), [x, y])
    assert ag.gradgradcheck(lambda a, b: ag.tanh(a @ b), [x, y], fast_mode=True)


def test_gradgradcheck_catches_a_backward_that_is_only_right_at_first_order():
    x = leaf([0.5, -1.0, 2.0])
    assert ag.gradcheck(FlatSecondOrderCube.apply, [x])
    with pytest.raises(GradcheckError, match="input 0"):
        ag.gradgradcheck(FlatSecondOrderCube.apply, [x])


# ----- strategies -------------------------------------------------------------------------------
@given(x=gst.arrays(domain="positive"), y=gst.arrays((2, 3), kinks=(0.0, 1.0), kink_margin=0.1),
       z=gst.arrays(5, kinks=(0.5,), hit_kinks=True), w=gst.arrays((4, 4), min_gap=0.05))
def test_arrays_respect_domains_kinks_and_gaps(x, y, z, w):
    assert x.dtype == np.float64 and np.all((x >= 0.1) & (x <= 3.0))
    assert y.shape == (2, 3) and np.all(np.abs(y) >= 0.1) and np.all(np.abs(y - 1.0) >= 0.1)
    assert np.any(z == 0.5)
    gaps = np.diff(np.sort(w.reshape(-1)))
    assert np.all(gaps >= 0.04)


@given(x=gst.arrays((6,), ties=True))
def test_tied_arrays_repeat_values(x):
    assert len(np.unique(x)) <= 3


@given(shapes=gst.broadcastable_shapes(3), data=st.data())
def test_broadcastable_shapes_broadcast(shapes, data):
    np.broadcast_shapes(*shapes)
    t = data.draw(gst.tensors(shapes[0], dtype=np.float32, requires_grad=False))
    assert t.shape == shapes[0] and t.dtype == np.float32 and not t.requires_grad


@given(data=st.data())
def test_axes_and_index_expressions_are_valid_for_numpy(data):
    shape = data.draw(gst.shapes())
    x = np.arange(math.prod(shape), dtype=np.float64).reshape(shape)
    axis = data.draw(gst.axes(len(shape)))
    named = range(len(shape)) if axis is None else [a % len(shape) for a in np.atleast_1d(axis)]
    assert len(set(named)) == len(named), f"axis {axis} names an axis twice"
    assert np.sum(x, axis=axis).shape == tuple(n for i, n in enumerate(shape) if i not in named)
    x[data.draw(gst.index_expressions(shape))]  # raises IndexError if the expression does not fit


@given(shape=gst.shapes(min_dims=1), data=st.data())
def test_integer_indices_can_repeat_and_masks_match_the_shape(shape, data):
    index = data.draw(gst.index_expressions(shape, kinds=("integer",)))
    assert isinstance(index, tuple) and any(isinstance(p, np.ndarray) and p.dtype.kind == "i" for p in index)
    mask = data.draw(gst.index_expressions(shape, kinds=("boolean",)))
    assert mask.dtype == bool and mask.shape == shape[:mask.ndim]


# ----- check_op -----------------------------------------------------------------------------------
def test_check_op_passes_a_correct_op_and_returns_its_spec():
    spec = check_op(Cube, reference=lambda x: x ** 3, max_examples=10)
    assert spec.name == "cube" and spec.fn == Cube.apply


def test_check_op_shrinks_a_failure_to_a_small_input():
    with pytest.raises(GradcheckError) as info:
        check_op(ScaledCube, max_examples=30)
    assert "shape ()" in str(info.value)  # shrunk to a single number


def test_check_op_takes_functions_strategies_params_and_kinks():
    def scaled_relu(x, scale):
        return ag.relu(x) * scale

    spec = check_op(scaled_relu, inputs=[gst.arrays((2, 3), kinks=(0.0,))], kinks=(0.0,),
                    params=st.fixed_dictionaries({"scale": st.floats(1, 2)}),
                    reference=lambda x, scale: np.maximum(x, 0) * scale, max_examples=10)
    assert spec.name == "scaled_relu"

    def gated(a, b):
        return ag.relu(a) * b

    check_op(gated, kinks=(0.0,), max_examples=10)  # two broadcast inputs; kink cases land on 0


def test_build_spec_infers_the_arity_and_draws_broadcastable_inputs():
    spec = build_spec(ag.maximum)

    @given(data=st.data())
    def draws(data):
        case = spec.sample(data.draw)
        assert len(case.arrays) == 2
        np.broadcast_shapes(*(a.shape for a in case.arrays))
        assert all(t.requires_grad for t in case_inputs(spec, case))

    draws()


def test_gradcheck_warnings_do_not_leak_for_float64():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ag.gradcheck(ag.exp, [leaf([0.1])])
