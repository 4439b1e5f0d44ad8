"""Subgradients at kinks and ties: the documented conventions (docs/subgradients.md), exactly, and the
property that every op's gradient on a kink lies between its one-sided derivatives."""
import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import autograd as ag
import tests.specs  # noqa: F401  (fills SPECS)
from autograd.testing import SPECS, GradcheckError, check_subgradient, properties
from autograd.testing import strategies as gst


def grad_of(fn, values):
    x = ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    fn(x).sum().backward()
    return x.grad.data


# ----- the conventions, value by value (they match PyTorch's for the same inputs) ------------
def test_relu_at_zero_has_gradient_zero():
    np.testing.assert_array_equal(grad_of(ag.relu, [-1.0, 0.0, 2.0]), [0.0, 0.0, 1.0])


def test_abs_at_zero_has_gradient_zero():
    np.testing.assert_array_equal(grad_of(ag.abs, [-1.0, 0.0, 2.0]), [-1.0, 0.0, 1.0])


def test_clip_passes_the_gradient_on_its_bounds():
    values = [-2.0, -1.0, 0.0, 1.0, 2.0]
    np.testing.assert_array_equal(grad_of(lambda x: ag.clip(x, -1.0, 1.0), values), [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(grad_of(lambda x: ag.clip(x, None, 1.0), values), [1, 1, 1, 1, 0])
    np.testing.assert_array_equal(grad_of(lambda x: ag.clip(x, -1.0, None), values), [0, 1, 1, 1, 1])


@pytest.mark.parametrize("op", [ag.maximum, ag.minimum])
def test_maximum_and_minimum_of_a_tensor_with_itself_have_gradient_one(op):
    np.testing.assert_array_equal(grad_of(lambda x: op(x, x), [-1.0, 0.0, 3.0]), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("op", [ag.maximum, ag.minimum])
def test_maximum_and_minimum_split_ties_evenly(op):
    a = ag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = ag.tensor(np.array([1.0, 0.0, 5.0]), requires_grad=True)
    op(a, b).sum().backward()
    wins = [1.0, 0.0] if op is ag.maximum else [0.0, 1.0]  # who takes elements 1 and 2
    np.testing.assert_array_equal(a.grad.data, [0.5, wins[0], wins[1]])
    np.testing.assert_array_equal(b.grad.data, [0.5, wins[1], wins[0]])


def test_maximum_tie_with_a_broadcast_scalar():
    np.testing.assert_array_equal(grad_of(lambda x: ag.maximum(x, 0.0), [-1.0, 0.0, 1.0]), [0.0, 0.5, 1.0])


@pytest.mark.parametrize("reduce", [ag.max, ag.min])
def test_max_and_min_reductions_split_evenly_among_ties(reduce):
    values = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]) * (1 if reduce is ag.max else -1)
    np.testing.assert_allclose(grad_of(lambda x: reduce(x), values), [[0, 0.5, 0.5], [0, 0, 0]])
    np.testing.assert_allclose(grad_of(lambda x: reduce(x, axis=1), values), [[0, 0.5, 0.5], [1 / 3] * 3])
    np.testing.assert_allclose(grad_of(lambda x: reduce(x, axis=0, keepdims=True), values),
                               [[0, 1, 1], [1, 0, 0]])


def test_check_subgradient_rejects_a_gradient_outside_the_one_sided_derivatives():
    class SteepRelu(ag.Function):
        register = False  # a deliberately wrong op must not join the registry

        @staticmethod
        def forward(ctx, x):
            ctx.mask = x >= 0
            return np.maximum(x, 0)

        @staticmethod
        def backward(ctx, grad):
            return grad * np.where(ctx.mask, 1.0, 0.0) * 2  # slope 2 where the function has slope 1

    x = ag.tensor(np.array([0.0, 1.0]), requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 .* element \[0\]"):
        check_subgradient(SteepRelu.apply, [x])
    assert check_subgradient(ag.relu, [x])


def test_check_subgradient_rejects_zero_for_both_sides_of_a_tie():
    class TieToNobody(ag.Function):
        register = False  # the convention of one anchor library: ties get no gradient at all

        @staticmethod
        def forward(ctx, a, b):
            ctx.a_wins, ctx.b_wins = a > b, b > a
            return np.maximum(a, b)

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.a_wins, grad * ctx.b_wins

    x = ag.tensor(np.array([1.0, -2.0]), requires_grad=True)
    with pytest.raises(GradcheckError, match="between the one-sided derivatives"):
        check_subgradient(lambda t: TieToNobody.apply(t, t), [x])
    assert check_subgradient(lambda t: ag.maximum(t, t), [x])


# ----- the property, for every registered op that has kinks or ties --------------------------
KINK_SPECS = [spec for specs in SPECS.values() for spec in specs if spec.kinks or spec.at_kinks is not None]


@pytest.mark.parametrize("spec", KINK_SPECS, ids=lambda s: s.id)
@given(data=st.data())
def test_gradient_on_kinks_lies_between_one_sided_derivatives(spec, data):
    case = properties.kink_case(spec, data.draw)
    note(f"{spec.id}: arrays={list(case.arrays)!r} params={case.params!r}")
    properties.check_kink(spec, case)


@given(x=gst.arrays(kinks=(0.0,), hit_kinks=True), y=gst.arrays(ties=True))
def test_composed_kinks_keep_valid_subgradients(x, y):
    def fn(a):
        return ag.relu(a) + ag.abs(a) * 0.5

    def tied(b):
        return ag.max(b) + ag.maximum(b, b)

    check_subgradient(fn, [ag.tensor(x, requires_grad=True)])
    check_subgradient(tied, [ag.tensor(y, requires_grad=True)])
