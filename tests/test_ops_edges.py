"""Issue 10, ops part: one error path, axis errors, NumPy's protocol, and PyTorch's edge cases.

Expected gradients at NaN, ±Inf, empty and 0-d inputs are PyTorch 2.13's (measured with
tools/opinfo_check.py and by hand); where gradsight differs on purpose, docs/subgradients.md says why.
"""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F

NAN, INF = np.nan, np.inf


def leaf(values):
    return ag.tensor(np.array(values, dtype=np.float64), requires_grad=True)


def gradients(fn, *values):
    """First-order gradients of sum(fn(*leaves)) for each input."""
    leaves = [leaf(v) for v in values]
    return [g.data for g in ag.grad(ag.sum(fn(*leaves)), leaves)]


def second_order(fn, values):
    """d/dx of sum(d sum(fn(x))/dx), through create_graph."""
    x = leaf(values)
    (first,) = ag.grad(ag.sum(fn(x)), [x], create_graph=True)
    (second,) = ag.grad(ag.sum(first), [x])
    return first.data, second.data


# ----- one error path --------------------------------------------------------------------------
def test_a_ufunc_type_error_keeps_numpys_message_and_names_the_op():
    with pytest.raises(TypeError) as info:
        ag.tensor([1.0, 2.0]) + ag.tensor(["a", "b"])
    message = str(info.value)
    assert message.startswith("add: ") and "did not contain a loop" in message
    assert "(2,) float32" in message and "(2,) <U1" in message


def test_cross_entropy_with_swapped_arguments_names_the_op():
    labels, logits = ag.tensor([1, 2]), ag.tensor(np.ones((2, 3), np.float32))
    with pytest.raises((TypeError, ValueError, IndexError)) as info:
        F.cross_entropy(labels, logits)
    assert "cross_entropy" in str(info.value) and "missing" not in str(info.value)


def test_comparisons_go_through_the_error_path():
    with pytest.raises(TypeError, match=r"^less: .*\(inputs: \(2,\) float32"):
        _ = ag.tensor([1.0, 2.0]) < "a"


@pytest.mark.parametrize("call, op, axis", [
    (lambda t: t.argmax(3), "argmax", "3"),
    (lambda t: ag.argmin(t, -4), "argmin", "-4"),
    (lambda t: ag.split(t, 2, axis=3), "split", "3"),
    (lambda t: ag.swapaxes(t, 0, 5), "swapaxes", "5"),
    (lambda t: ag.sum(t, axis=2), "sum", "2"),
])
def test_an_axis_out_of_range_names_the_op_and_the_axis(call, op, axis):
    with pytest.raises(np.exceptions.AxisError) as info:
        call(ag.zeros((2, 3)))
    assert str(info.value).startswith(f"{op}: axis {axis} is out of range"), str(info.value)


@pytest.mark.parametrize("call, op", [
    (lambda t: t.argmax(1.0), "argmax"),
    (lambda t: ag.sum(t, axis=1.5), "sum"),
    (lambda t: ag.mean(t, axis="0"), "mean"),
])
def test_a_float_axis_is_a_type_error_naming_the_op(call, op):
    with pytest.raises(TypeError, match=rf"^{op}: axis must be an integer"):
        call(ag.zeros((2, 3)))


def test_flatten_refuses_an_axis_past_the_end_instead_of_wrapping():
    with pytest.raises(np.exceptions.AxisError, match=r"flatten: axis 4 is out of range .*\(2, 3, 4\)"):
        ag.zeros((2, 3, 4)).flatten(1, 4)
    assert ag.zeros((2, 3, 4)).flatten(1, -1).shape == (2, 12)


@pytest.mark.parametrize("join", [ag.concatenate, ag.stack])
def test_joining_nothing_is_a_value_error_as_in_numpy(join):
    with pytest.raises(ValueError, match=f"{join.__name__}: need at least one tensor"):
        join([])


@pytest.mark.parametrize("data", [None, {}, [1, None], np.array([1, "a"], dtype=object)])
def test_tensor_refuses_object_data(data):
    with pytest.raises(TypeError, match="tensor: cannot make a tensor from"):
        ag.tensor(data)


# ----- the NumPy protocol ------------------------------------------------------------------------
A = np.array([[0.3, -1.2, 2.0], [1.5, 0.7, -0.4]])
B = np.array([[1.1, 0.2, -0.6], [0.4, -2.0, 0.9]])
POSITIVE = np.abs(A) + 0.5

NUMPY_CALLS = [  # (NumPy call on Tensors, the same with gradsight's ops, inputs)
    (np.tanh, ag.tanh, [A]), (np.exp, ag.exp, [A]), (np.log, ag.log, [POSITIVE]),
    (np.sqrt, ag.sqrt, [POSITIVE]), (np.abs, ag.abs, [A]), (np.sin, ag.sin, [A]), (np.cos, ag.cos, [A]),
    (np.negative, ag.neg, [A]), (np.square, lambda x: x * x, [A]),
    (np.add, ag.add, [A, B]), (np.subtract, ag.sub, [A, B]), (np.multiply, ag.mul, [A, B]),
    (np.divide, ag.div, [A, POSITIVE]), (np.power, ag.pow, [POSITIVE, B]),
    (np.maximum, ag.maximum, [A, B]), (np.minimum, ag.minimum, [A, B]),
    (lambda x: np.maximum(x, 0), ag.relu, [A]),
    (np.sum, ag.sum, [A]), (lambda x: np.sum(x, axis=0, keepdims=True), lambda x: ag.sum(x, 0, True), [A]),
    (np.mean, ag.mean, [A]), (lambda x: np.mean(x, axis=-1), lambda x: ag.mean(x, -1), [A]),
    (lambda x: np.max(x, axis=1), lambda x: ag.max(x, 1), [A]), (np.min, ag.min, [A]),
    (lambda x: np.var(x, axis=0), lambda x: ag.var(x, 0), [A]),
    (lambda x: np.std(x, ddof=1), lambda x: ag.std(x, ddof=1), [A]),
    (lambda x: np.prod(x, axis=1), lambda x: ag.prod(x, 1), [A]),
    (lambda x: np.add.reduce(x, axis=1), lambda x: ag.sum(x, 1), [A]),
    (lambda a, b: np.concatenate([a, b], axis=1), lambda a, b: ag.concatenate([a, b], 1), [A, B]),
    (lambda a, b: np.stack([a, b]), lambda a, b: ag.stack([a, b]), [A, B]),
    (lambda a, b: np.dot(a, b.T), lambda a, b: ag.matmul(a, b.T), [A, B]),
    (lambda a, b: np.matmul(a.T, b), lambda a, b: ag.matmul(a.T, b), [A, B]),
    (lambda a, b: np.where(a > b, a, b), lambda a, b: ag.where(a > b, a, b), [A, B]),
    (lambda x: np.reshape(x, (3, 2)), lambda x: ag.reshape(x, (3, 2)), [A]),
    (np.transpose, ag.transpose, [A]), (lambda x: np.clip(x, -1.0, 1.0), lambda x: ag.clip(x, -1.0, 1.0), [A]),
    (lambda x: np.expand_dims(x, 0), lambda x: ag.expand_dims(x, 0), [A]),
    (lambda x: np.pad(x, 1), lambda x: ag.pad(x, 1), [A]),
    (lambda x: np.einsum("ij,ij->i", x, x), lambda x: ag.einsum("ij,ij->i", x, x), [A]),
    (lambda x: np.swapaxes(x, 0, 1), lambda x: ag.swapaxes(x, 0, 1), [A]),
    (lambda x: np.broadcast_to(x, (4, 2, 3)), lambda x: ag.broadcast_to(x, (4, 2, 3)), [A]),
    (lambda x: np.squeeze(x[None]), lambda x: ag.squeeze(x[None]), [A]),
    (lambda x: np.amax(x, axis=0), lambda x: ag.max(x, 0), [A]), (np.amin, ag.min, [A]),
    (lambda x: np.split(x, 3, axis=1)[1], lambda x: ag.split(x, 3, axis=1)[1], [A]),
    (lambda x: np.positive(x) * 2, lambda x: x * 2, [A]),
]


@pytest.mark.parametrize("numpy_call, own_call, inputs", NUMPY_CALLS, ids=lambda v: getattr(v, "__name__", ""))
def test_numpy_functions_on_tensors_run_gradsights_op(numpy_call, own_call, inputs):
    through_numpy = [leaf(v) for v in inputs]
    direct = [leaf(v) for v in inputs]
    got, want = numpy_call(*through_numpy), own_call(*direct)
    assert isinstance(got, ag.Tensor) and got.grad_fn is not None
    np.testing.assert_allclose(got.data, want.data, rtol=1e-12)
    weights = np.linspace(-1, 1, want.size).reshape(want.shape)
    for a, b in zip(ag.grad(ag.sum(got * weights), through_numpy), ag.grad(ag.sum(want * weights), direct)):
        np.testing.assert_allclose(a.data, b.data, rtol=1e-12)


def test_reflected_operators_with_an_ndarray_on_the_left_give_tensors():
    t = leaf(B)
    for result in (A + t, A - t, A * t, A / t, A @ t.T, POSITIVE ** t):
        assert isinstance(result, ag.Tensor) and result.grad_fn is not None
    assert isinstance(A < t, ag.Tensor) and (A < t).dtype == bool


def test_no_numpy_call_silently_drops_the_graph():
    t = leaf(A)
    with pytest.raises(TypeError, match=r"np\.fft\.fft has no gradsight op.*use t\.data \(no gradient\)"):
        np.fft.fft(t)
    with pytest.raises(TypeError, match=r"np\.cumsum has no gradsight op"):
        np.cumsum(t)
    with pytest.raises(TypeError, match=r"np\.exp2 on a Tensor has no gradsight op"):
        np.exp2(t)
    with pytest.raises(TypeError, match=r"np\.linalg\.norm has no gradsight op"):
        np.linalg.norm(t)
    with pytest.raises(TypeError, match=r"np\.unique has no gradsight op"):
        np.unique(t)
    with pytest.raises(TypeError, match=r"out="):
        np.add(A, t, out=np.empty_like(A))
    with pytest.raises(TypeError, match=r"np\.sum on a Tensor: the option\(s\) out"):
        np.sum(t, out=np.empty(()))


def test_numpy_queries_and_explicit_conversion_still_see_the_data():
    t = leaf(A)
    assert np.shape(t) == (2, 3) and np.allclose(t, A) and np.asarray(t) is t.data
    infinite = np.isinf(ag.tensor([1.0, np.inf]))
    assert isinstance(infinite, ag.Tensor) and infinite.tolist() == [False, True]


# ----- PyTorch's edge cases ----------------------------------------------------------------------
def test_clip_bounds_that_widen_the_broadcast_shape():
    x, lo, hi = leaf([-2.0, 0.0, 1.0, 3.0]), leaf([[-1.0], [0.5]]), leaf(2.0)
    out = ag.clip(x, lo, hi)
    assert out.shape == (2, 4)
    gx, glo, ghi = ag.grad(ag.sum(out), [x, lo, hi])
    np.testing.assert_array_equal(gx.data, [0, 1, 2, 0])  # x inside [lo, hi] in one row or both
    np.testing.assert_array_equal(glo.data, [[1], [2]])  # x < lo < hi
    np.testing.assert_array_equal(ghi.data, 2)  # x > hi in both rows


def test_clip_with_crossed_bounds_gives_hi_and_its_gradient_as_torch():
    x, lo, hi = leaf([0.0, 5.0]), leaf(2.0), leaf(1.0)
    out = ag.clip(x, lo, hi)
    np.testing.assert_array_equal(out.data, [1, 1])
    gx, glo, ghi = ag.grad(ag.sum(out), [x, lo, hi])
    np.testing.assert_array_equal(gx.data, [0, 0])
    assert glo.data == 0 and ghi.data == 2


def test_prod_over_an_empty_axis_under_create_graph():
    x = leaf(np.zeros((2, 0)))
    out = ag.prod(x, axis=1)
    np.testing.assert_array_equal(out.data, [1, 1])
    (first,) = ag.grad(ag.sum(out), [x], create_graph=True)
    assert first.shape == (2, 0)


@pytest.mark.parametrize("softmax", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("shape, axis", [((), -1), ((), 0), ((2, 0), -1), ((0, 3), 1), ((3, 0), 0)])
def test_softmax_of_empty_and_0d_inputs_at_every_order(softmax, shape, axis):
    x = leaf(np.full(shape, 0.5))
    out = softmax(x, axis=axis)
    assert out.shape == shape
    np.testing.assert_array_equal(out.data, np.full(shape, 1.0 if softmax is F.softmax else 0.0))
    (first,) = ag.grad(ag.sum(out * out), [x], create_graph=True)
    (second,) = ag.grad(ag.sum(first), [x])
    np.testing.assert_array_equal(first.data, np.zeros(shape))  # a group of one element is constant
    np.testing.assert_array_equal(second.data, np.zeros(shape))


def test_prelu_accepts_a_0d_weight():
    x, weight = leaf([[-1.0, 2.0], [3.0, -4.0]]), leaf(0.25)
    gx, gw = gradients(F.prelu, [[-1.0, 2.0], [3.0, -4.0]], 0.25)
    np.testing.assert_array_equal(gx, [[0.25, 1], [1, 0.25]])
    np.testing.assert_array_equal(gw, -5.0)
    assert F.prelu(x, weight).shape == (2, 2)


def test_prelu_second_order_at_zero_as_torch():
    x, weight = leaf([-1.5, 0.0, 2.0]), leaf(0.25)
    gx, gw = ag.grad(ag.sum(F.prelu(x, weight)), [x, weight], create_graph=True)
    np.testing.assert_array_equal(gx.data, [0.25, 0.25, 1])  # prelu'(0) = weight
    ddx, ddw = ag.grad(ag.sum(gx) + gw, [x, weight])
    np.testing.assert_array_equal(ddx.data, [1, 0, 0])  # only x < 0 depends on the slope
    np.testing.assert_array_equal(ddw.data, 1)


def test_pow_gradient_in_the_exponent_at_signed_zero_bases():
    _, grad_exponent = gradients(ag.pow, [-0.0, -0.0, 0.0, -0.0], [-1.0, -2.0, -1.0, 2.0])
    np.testing.assert_array_equal(grad_exponent, [INF, -INF, -INF, 0])  # torch: ±Inf · log(0) = ∓Inf


def test_pow_second_order_beside_an_infinite_gradient_stays_finite():
    a, b = leaf([0.0, 0.001]), leaf([-1.0, 0.0])
    _, grad_b = ag.grad(ag.sum(ag.pow(a, b)), [a, b], create_graph=True)
    (second,) = ag.grad(ag.sum(grad_b), [b])
    assert np.isfinite(second.data[1])  # log²(0.001), not NaN from the Inf next door
    np.testing.assert_allclose(second.data[1], np.log(0.001) ** 2)


@pytest.mark.parametrize("fn, values, expected", [
    (ag.abs, [NAN, INF, -INF, 0.0], [0, 1, -1, 0]),
    (ag.relu, [NAN, INF, -INF, 0.0], [1, 1, 0, 0]),
    (F.elu, [INF, -INF, 0.0], [1, 0, 1]),
    (F.selu, [INF, -INF, 0.0], [1.0507009873554805, 0, 1.7580993408473766]),
    (lambda x: ag.max(x), [1.0, NAN, 2.0, NAN], [0, 0.5, 0, 0.5]),
    (lambda x: ag.min(x, axis=0), [1.0, NAN, -2.0], [0, 1, 0]),
])
def test_gradients_at_nan_and_infinite_inputs_follow_torch(fn, values, expected):
    (grad,) = gradients(fn, values)
    np.testing.assert_allclose(grad, expected, rtol=1e-15)


@pytest.mark.parametrize("fn", [ag.maximum, ag.minimum])
def test_maximum_and_minimum_pass_the_gradient_to_both_sides_of_a_nan(fn):
    ga, gb = gradients(fn, [NAN, 1.0, NAN, 5.0], [1.0, NAN, NAN, 5.0])
    np.testing.assert_array_equal(ga, [1, 1, 1, 0.5])
    np.testing.assert_array_equal(gb, [1, 1, 1, 0.5])


@pytest.mark.parametrize("fn, scale_alpha", [(F.elu, 1.0), (lambda x: F.elu(x, 0.8), 0.8),
                                             (F.selu, 1.7580993408473766)])
def test_elu_and_selu_second_derivative_at_zero_as_torch(fn, scale_alpha):
    first, second = second_order(fn, [0.0, -1.0, 1.0])
    np.testing.assert_allclose(first[0], scale_alpha, rtol=1e-15)  # elu'(0): the negative branch
    assert second[0] == 0 and second[2] == 0  # elu''(0) = 0, as PyTorch
    np.testing.assert_allclose(second[1], scale_alpha * np.exp(-1.0), rtol=1e-15)


@pytest.mark.parametrize("op", [ag.exp, ag.tanh, ag.relu, ag.abs, F.elu, F.gelu, ag.sum, ag.prod, ag.logsumexp,
                                ag.sigmoid, ag.mean, ag.var, ag.std, lambda x: ag.clip(x, 0.0, 1.0)])
@pytest.mark.parametrize("shape", [(), (0,), (2, 0)])
def test_empty_and_0d_inputs_work_at_every_order(op, shape):
    x = leaf(np.full(shape, 0.5))
    out = op(x)
    (first,) = ag.grad(ag.sum(out * out), [x], create_graph=True)
    (second,) = ag.grad(ag.sum(first), [x])
    assert first.shape == shape and second.shape == shape


def test_clip_with_one_infinite_tensor_bound_as_torchs_clamp_min_and_clamp_max():
    x, lo = leaf([1.0, 5.0]), leaf([INF, 2.0])
    gx, glo = ag.grad(ag.sum(ag.clip(x, lo, None)), [x, lo])
    np.testing.assert_array_equal(gx.data, [0, 1])
    np.testing.assert_array_equal(glo.data, [1, 0])  # x < lo, with no upper bound to compare lo with
    x, hi = leaf([1.0, 5.0]), leaf([-INF, 2.0])
    gx, ghi = ag.grad(ag.sum(ag.clip(x, None, hi)), [x, hi])
    np.testing.assert_array_equal(gx.data, [0, 0])
    np.testing.assert_array_equal(ghi.data, [1, 1])
