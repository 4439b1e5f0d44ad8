"""Regressions found by tools/crosscheck_torch.py (gradsight against PyTorch 2.13 and NumPy).

Each expected number comes from NumPy, or is written down from the torch call named in the comment,
so these tests need no torch. Re-run the whole comparison with
``PYTHONPATH=. /opt/torchvenv/bin/python tools/crosscheck_torch.py``.
"""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn.functional as F


def gradient(fn, values, upstream=None):
    """d/dx <upstream, fn(x)> in float64 (upstream: ones by default)."""
    x = ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)
    out = fn(x)
    out.backward(np.ones(out.shape) if upstream is None else np.asarray(upstream, dtype=np.float64))
    return x.grad.data


@pytest.fixture(autouse=True)
def _quiet():
    # 0/0 and Inf·0 are what some of these cases are about
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


# ----- split: negative indices count from the end, as np.split's slice bounds do ------------------
@pytest.mark.parametrize("indices", [[-2], [1, -1], [-5, 4], [4, 2], [10]])
def test_split_matches_numpy_with_negative_and_unordered_indices(indices):
    x = np.arange(24.0).reshape(6, 4)
    parts = ag.split(ag.tensor(x), indices, 0)
    expected = np.split(x, indices, 0)
    assert [p.shape for p in parts] == [e.shape for e in expected]
    for part, want in zip(parts, expected):
        np.testing.assert_array_equal(part.data, want)


def test_split_negative_index_gradient_reaches_the_right_rows():
    x = ag.tensor(np.ones((6, 2)), requires_grad=True)
    head, tail = ag.split(x, [-2], 0)  # rows 0..3 and 4..5
    (head.sum() * 2 + tail.sum() * 3).backward()
    np.testing.assert_array_equal(x.grad.data, [[2, 2]] * 4 + [[3, 3]] * 2)


# ----- reductions over empty axes have empty gradients (they raised ZeroDivisionError/ValueError) ----
@pytest.mark.parametrize("op", [ag.mean, ag.var, ag.std, ag.prod, ag.logsumexp, ag.sum])
@pytest.mark.parametrize("shape", [(0, 3), (3, 0)])
def test_reduction_over_an_empty_axis_backpropagates(op, shape):
    # torch.mean(torch.zeros(0, 3, requires_grad=True), 0).sum().backward() gives a (0, 3) gradient
    grad = gradient(lambda x: op(x, 0), np.zeros(shape))
    assert grad.shape == shape


def test_var_with_ddof_equal_to_count_gives_nan_like_torch():
    # torch.var(torch.tensor([2.], requires_grad=True), correction=1): value nan, gradient [nan]
    x = ag.tensor(np.array([2.0]), requires_grad=True)
    out = ag.var(x, ddof=1)
    out.backward()
    assert np.isnan(out.data) and np.isnan(x.grad.data).all()


# ----- std: the gradient is 0 where the std is 0 (torch.std's convention), not NaN -----------------
def test_std_gradient_is_zero_where_std_is_zero():
    # torch.std(torch.ones(2, 4, requires_grad=True), 1, correction=0).sum().backward() -> zeros
    np.testing.assert_array_equal(gradient(lambda x: ag.std(x, 1), np.ones((2, 4))), np.zeros((2, 4)))
    # a 0-d std is always 0; so is a reduction over a size-1 axis
    np.testing.assert_array_equal(gradient(lambda x: ag.std(x), np.array(3.0)), 0.0)
    np.testing.assert_array_equal(gradient(lambda x: ag.std(x, 0, keepdims=True), np.ones((1, 3))), np.zeros((1, 3)))


def test_std_gradient_elsewhere_is_unchanged():
    x = np.array([[1.0, 2.0, 4.0], [5.0, 5.0, 5.0]])
    n = 3
    centred = x[0] - x[0].mean()
    expected_row = centred / ((n - 1) * np.std(x[0], ddof=1))  # d std / dx = (x - mean) / ((n - ddof) std)
    got = gradient(lambda t: ag.std(t, 1, ddof=1), x)
    np.testing.assert_allclose(got[0], expected_row, rtol=1e-12)
    np.testing.assert_array_equal(got[1], np.zeros(3))


def test_std_second_order_at_nonzero_std_still_works():
    x = ag.tensor(np.array([1.0, 2.0, 4.0]), requires_grad=True)
    (g,) = ag.grad(ag.std(x), x, create_graph=True)
    ag.sum(g * g).backward()
    assert np.isfinite(x.grad.data).all()


# ----- pow at a zero base: torch's masks ---------------------------------------------------------
def test_pow_gradients_at_zero_base_match_torch():
    # a = [0, 0, 3], b = [0, -1, 0]; torch.pow(a, b).backward(ones):
    # a.grad = [0, -inf, 0]   (d a^0 / da = 0 exactly, even at a = 0)
    # b.grad = [0, -inf, log 3]   (0^b = Inf for b < 0, and Inf·log 0 = -Inf)
    a = ag.tensor(np.array([0.0, 0.0, 3.0]), requires_grad=True)
    b = ag.tensor(np.array([0.0, -1.0, 0.0]), requires_grad=True)
    ag.pow(a, b).backward(np.ones(3))
    np.testing.assert_array_equal(a.grad.data, [0.0, -np.inf, 0.0])
    np.testing.assert_allclose(b.grad.data, [0.0, -np.inf, np.log(3.0)], rtol=1e-15)


def test_pow_scalar_zero_exponent_gradient_is_zero_at_zero():
    # (x ** 0) at x = 0: torch gives gradient 0
    np.testing.assert_array_equal(gradient(lambda x: x ** 0, [0.0, 2.0]), [0.0, 0.0])


def test_pow_second_order_with_zero_exponent_entries():
    a = ag.tensor(np.array([0.5, 2.0]), requires_grad=True)
    b = np.array([0.0, 3.0])
    (g,) = ag.grad(ag.pow(a, b), a, grad_outputs=ag.tensor(np.ones(2)), create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.0, 3 * 2 * 2.0], rtol=1e-12)  # d²(a³)/da² = 6a


# ----- cross_entropy / nll_loss: ignored items get an exact 0 gradient, even in a 0/0 mean ---------
def test_cross_entropy_all_ignored_mean_is_nan_with_zero_gradient():
    # torch: F.cross_entropy(x, [1, 1, 1], ignore_index=1) is nan and its gradient is all 0
    logits = np.random.default_rng(0).standard_normal((3, 4))
    for smoothing in (0.0, 0.2):
        x = ag.tensor(logits, requires_grad=True)
        loss = F.cross_entropy(x, np.array([1, 1, 1]), ignore_index=1, label_smoothing=smoothing)
        loss.backward()
        assert np.isnan(loss.data)
        np.testing.assert_array_equal(x.grad.data, np.zeros((3, 4)))


def test_nll_loss_all_ignored_mean_is_nan_with_zero_gradient():
    x = ag.tensor(np.log(np.full((2, 3), 1 / 3)), requires_grad=True)
    loss = F.nll_loss(x, np.array([2, 2]), ignore_index=2)
    loss.backward()
    assert np.isnan(loss.data)
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


def test_cross_entropy_zero_weight_mean_keeps_torch_nan_on_kept_items_only():
    # weight [0, 0, 1, 1], labels [0, 1, 2] with ignore_index=2: total weight 0, so the mean is 0/0;
    # torch's cross_entropy gradient is NaN on the kept items' rows and exactly 0 on the ignored one
    x = ag.tensor(np.zeros((3, 4)), requires_grad=True)
    loss = F.cross_entropy(x, np.array([0, 1, 2]), weight=np.array([0.0, 0.0, 1.0, 1.0]), ignore_index=2)
    loss.backward()
    assert np.isnan(loss.data)
    assert np.isnan(x.grad.data[:2]).all()
    np.testing.assert_array_equal(x.grad.data[2], np.zeros(4))


def test_cross_entropy_partially_ignored_mean_is_unchanged():
    logits = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    x = ag.tensor(logits, requires_grad=True)
    F.cross_entropy(x, np.array([1, -100])).backward()
    softmax = np.exp(logits[0]) / np.exp(logits[0]).sum()
    np.testing.assert_allclose(x.grad.data, [softmax - [0, 1, 0], [0, 0, 0]], rtol=1e-12)


# ----- elu/selu at +Inf: slope 1 (times selu's scale), not Inf·0 = NaN ----------------------------
def test_elu_and_selu_gradient_at_positive_infinity():
    # torch: F.elu(x).sum().backward() at x = [inf, -1] -> [1, e^-1]; F.selu -> [1.0507, 0.6468]
    np.testing.assert_allclose(gradient(F.elu, [np.inf, -1.0]), [1.0, np.exp(-1.0)], rtol=1e-15)
    scale, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    np.testing.assert_allclose(gradient(F.selu, [np.inf, -1.0]), [scale, scale * alpha * np.exp(-1.0)], rtol=1e-12)
    np.testing.assert_array_equal(F.elu(ag.tensor(np.array([np.inf]))).data, [np.inf])
