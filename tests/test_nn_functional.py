"""nn.functional: PyTorch's semantics on chosen inputs, numerical stability, kink conventions,
dropout, metrics and error messages. Values and gradients on drawn inputs are covered for every
op by the registry tests (tests/test_registry.py with the specs in tests/specs/nn.py).

Golden numbers marked "torch:" were printed by PyTorch 2.13 (CPU, float64) for the same inputs.
"""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn.functional as F

RNG = np.random.default_rng(3)


def _tensor(values, requires_grad=False):
    return ag.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


LOGITS = [[2.0, -1.0, 0.5, 0.0], [0.1, 0.2, 0.3, 0.4], [-2.0, 3.0, 1.0, 0.0]]
LABELS = np.array([0, 3, 1])
CLASS_WEIGHT = np.array([1.0, 2.0, 0.5, 1.5])


# ----- PyTorch semantics ---------------------------------------------------------------------
@pytest.mark.parametrize("options, expected", [
    ({}, 0.5868001581538996),  # torch: F.cross_entropy(logits, target)
    ({"label_smoothing": 0.1}, 0.7293001581538997),
    ({"weight": CLASS_WEIGHT, "label_smoothing": 0.2}, 0.7857437777911602),
    ({"weight": CLASS_WEIGHT, "ignore_index": 3, "label_smoothing": 0.3}, 0.7327718565712422),
])
def test_cross_entropy_matches_pytorch(options, expected):
    assert F.cross_entropy(_tensor(LOGITS), LABELS, **options).item() == pytest.approx(expected, rel=1e-13)


def test_cross_entropy_per_item_and_probability_targets_match_pytorch():
    per_item = F.cross_entropy(_tensor(LOGITS), LABELS, CLASS_WEIGHT, reduction="none", label_smoothing=0.2)
    # torch: F.cross_entropy(logits, target, weight=cw, label_smoothing=0.2, reduction="none")
    np.testing.assert_allclose(per_item.data, [0.8469670615093132, 1.8391765177099861, 0.8497034208409215],
                               rtol=1e-13)
    probabilities = F.softmax(_tensor([[0.0, 1.0, 2.0, 3.0], [1.0, 1.0, 0.0, -1.0], [0.5, 0.0, 0.0, 0.5]]))
    # torch: F.cross_entropy(logits, torch.softmax(p, 1), weight=cw, label_smoothing=0.25)
    loss = F.cross_entropy(_tensor(LOGITS), probabilities, CLASS_WEIGHT, label_smoothing=0.25)
    assert loss.item() == pytest.approx(2.7226649096347977, rel=1e-13)


def test_cross_entropy_of_one_hot_probabilities_equals_labels_and_gradient_is_softmax_minus_one_hot():
    logits = _tensor(LOGITS, requires_grad=True)
    loss = F.cross_entropy(logits, LABELS)
    loss.backward()
    one_hot = np.eye(4)[LABELS]
    assert F.cross_entropy(_tensor(LOGITS), one_hot).item() == pytest.approx(loss.item(), rel=1e-14)
    np.testing.assert_allclose(logits.grad.data, (F.softmax(_tensor(LOGITS)).data - one_hot) / 3, rtol=1e-12)


def test_nll_loss_with_weight_and_ignore_index_matches_pytorch():
    log_probabilities = F.log_softmax(_tensor(LOGITS), axis=1)
    # torch: F.nll_loss(torch.log_softmax(logits, 1), target, weight=cw, ignore_index=1)
    loss = F.nll_loss(log_probabilities, LABELS, CLASS_WEIGHT, ignore_index=1)
    assert loss.item() == pytest.approx(0.8824611506290265, rel=1e-13)


def test_multi_margin_loss_matches_pytorch():
    scores = _tensor([[0.1, 0.2, 0.4, 0.8], [1.0, -1.0, 0.5, 0.2]])
    labels = np.array([3, 0])
    assert F.multi_margin_loss(scores, labels).item() == pytest.approx(0.25, rel=1e-13)  # torch: 0.24999999999999997
    # torch: F.multi_margin_loss(x, y, p=2, margin=1.5, weight=[1, 2, 3, 4], reduction="none"):
    # the class weight multiplies the squared hinge, and each item is divided by C
    per_item = F.multi_margin_loss(scores, labels, p=2, margin=1.5, weight=np.array([1.0, 2, 3, 4]), reduction="none")
    np.testing.assert_allclose(per_item.data, [2.66, 0.3725], rtol=1e-13)


@pytest.mark.parametrize("reduction, expected", [
    ("batchmean", 0.30965503373924763), ("mean", 0.10321834457974921), ("sum", 0.6193100674784953)])
def test_kl_div_matches_pytorch(reduction, expected):
    log_probabilities = F.log_softmax(_tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]]), axis=1)
    target = _tensor([[0.2, 0.5, 0.3], [0.0, 0.4, 0.6]])  # a zero probability contributes 0 log 0 = 0
    # torch: F.kl_div(torch.log_softmax(x, 1), target, reduction=...)
    assert F.kl_div(log_probabilities, target, reduction).item() == pytest.approx(expected, rel=1e-13)


def test_kl_div_with_log_target_matches_pytorch():
    log_probabilities = F.log_softmax(_tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 1.0]]), axis=1)
    log_target = np.log([[0.2, 0.5, 0.3], [0.1, 0.3, 0.6]])
    loss = F.kl_div(log_probabilities, log_target, reduction="batchmean", log_target=True)
    assert loss.item() == pytest.approx(0.147188004815486, rel=1e-13)  # torch: same call


def test_huber_loss_values_and_gradient_match_pytorch():
    x, target = _tensor([0.0, 0.5, 2.0, -3.0, 1.0], requires_grad=True), _tensor([0.2, -0.5, 0.0, 0.0, 1.0])
    assert F.huber_loss(x, target).item() == pytest.approx(0.904, rel=1e-13)  # torch: 0.9039999999999999
    per_item = F.huber_loss(x, target, reduction="none", delta=0.5)
    np.testing.assert_allclose(per_item.data, [0.02, 0.375, 0.875, 1.375, 0.0], rtol=1e-13)  # torch: same
    F.huber_loss(x, target, reduction="sum", delta=0.5).backward()
    np.testing.assert_allclose(x.grad.data, [-0.2, 0.5, 0.5, -0.5, 0.0], rtol=1e-13)  # torch: same


def test_binary_cross_entropy_clamps_logs_like_pytorch():
    probabilities = _tensor([0.0, 1.0, 0.5, 1e-50, 0.9], requires_grad=True)
    target = _tensor([1.0, 0.0, 1.0, 1.0, 0.0])
    per_item = F.binary_cross_entropy(probabilities, target, reduction="none")
    # torch: each log is clamped at -100, so a certain mistake costs exactly 100
    np.testing.assert_allclose(per_item.data, [100.0, 100.0, 0.6931471805599453, 100.0, 2.302585092994046],
                               rtol=1e-13)
    F.binary_cross_entropy(probabilities, target, reduction="sum").backward()
    # torch: (x - y) / max(x (1 - x), 1e-12 as float32) gives ±1000000003995.8029 at 0 and 1
    np.testing.assert_allclose(probabilities.grad.data,
                               [-1000000003995.8029, 1000000003995.8029, -2.0, -1000000003995.8029, 10.0],
                               rtol=1e-13)


def test_binary_cross_entropy_with_logits_matches_pytorch_at_extreme_logits():
    logits = _tensor([[1000.0, -1000.0, 0.5], [-2.0, 3.0, 0.0]])
    target = _tensor([[0.0, 1.0, 1.0], [0.5, 1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        per_item = F.binary_cross_entropy_with_logits(logits, target, reduction="none")
        weighted = F.binary_cross_entropy_with_logits(logits, target, np.array([1.0, 2.0, 0.5]),
                                                      pos_weight=np.array([2.0, 0.5, 3.0]))
    # torch: F.binary_cross_entropy_with_logits(x, y, reduction="none") and with weight, pos_weight
    np.testing.assert_allclose(per_item.data, [[1000.0, 1000.0, 0.4740769841801067],
                                               [1.1269280110429727, 0.04858735157374206, 0.6931471805599453]],
                               rtol=1e-13)
    assert weighted.item() == pytest.approx(333.88277807244805, rel=1e-13)


GRID = [-3.0, -1.0, -0.1, 0.0, 0.7, 2.5]


def test_gelu_matches_pytorch():
    x = _tensor(GRID, requires_grad=True)
    # torch: F.gelu(x) and F.gelu(x, approximate="tanh")
    np.testing.assert_allclose(F.gelu(x).data, [-0.00404969409489031, -0.15865525393145702, -0.0460172162722971,
                                                0.0, 0.5306254434438489, 2.4844758366855597], rtol=1e-13)
    np.testing.assert_allclose(F.gelu(x, approximate="tanh").data,
                               [-0.0036373920817729943, -0.15880800939172324, -0.04601724895456484, 0.0,
                                0.5305701347051167, 2.484915733910001], rtol=1e-13)
    F.gelu(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [-0.01194564720418392, -0.08331547058768635, 0.4204769079752698,
                                             0.5, 0.9766141011336599, 1.037611085908145], rtol=1e-13)


def test_selu_elu_softplus_match_pytorch():
    x = _tensor(GRID)
    np.testing.assert_allclose(F.selu(x).data, [-1.6705687287671118, -1.1113307378125625, -0.16730527262431394,
                                                0.0, 0.7354906911488363, 2.626752468388701], rtol=1e-13)
    np.testing.assert_allclose(F.elu(x, alpha=0.7).data, [-0.6651490521424952, -0.44248439117999033,
                                                          -0.06661380737482829, 0.0, 0.7, 2.5], rtol=1e-13)
    # torch: F.softplus(x, beta=2.0, threshold=1.0): the identity where beta x > threshold
    np.testing.assert_allclose(F.softplus(x, beta=2.0, threshold=1.0).data,
                               [0.0012378425688652247, 0.06346400552148625, 0.2990694346907959,
                                0.34657359027997264, 0.7, 2.5], rtol=1e-13)


def test_prelu_per_channel_matches_pytorch():
    x = _tensor([[[1.0, -2.0], [-0.5, 0.3]], [[-1.0, 0.0], [2.0, -3.0]]], requires_grad=True)
    slopes = _tensor([0.25, -0.1], requires_grad=True)
    out = F.prelu(x, slopes)  # slopes act along axis 1, the channels
    np.testing.assert_allclose(out.data, [[[1.0, -0.5], [0.05, 0.3]], [[-0.25, 0.0], [2.0, 0.3]]], rtol=1e-13)
    out.sum().backward()
    np.testing.assert_allclose(slopes.grad.data, [-3.0, -3.5])  # torch: same
    np.testing.assert_allclose(x.grad.data, [[[1.0, 0.25], [-0.1, 1.0]], [[0.25, 0.25], [1.0, -0.1]]])  # prelu'(0) = w


# ----- kink conventions (PyTorch's) -----------------------------------------------------------
def _derivative_at_zero(fn):
    x = _tensor([0.0], requires_grad=True)
    fn(x).sum().backward()
    return x.grad.data[0]


def test_derivatives_at_zero_follow_pytorch():
    assert _derivative_at_zero(F.relu) == 0.0
    assert _derivative_at_zero(lambda x: F.leaky_relu(x, 0.2)) == 0.2
    assert _derivative_at_zero(lambda x: F.elu(x, alpha=0.7)) == pytest.approx(0.7)  # torch: 0.7
    assert _derivative_at_zero(F.selu) == pytest.approx(1.7580993408473766, rel=1e-14)  # torch: scale · alpha
    assert _derivative_at_zero(lambda x: F.l1_loss(x, _tensor([0.0]))) == 0.0


def test_maxout_splits_tied_gradients_evenly():
    x = _tensor([[1.0, 1.0, 0.0, 2.0, 2.0, 2.0]], requires_grad=True)
    out = F.maxout(x, pieces=3)
    np.testing.assert_array_equal(out.data, [[1.0, 2.0]])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0.5, 0.5, 0.0, 1 / 3, 1 / 3, 1 / 3]])


def test_maxout_groups_consecutive_features_along_any_axis():
    x = RNG.standard_normal((2, 6, 3))
    out = F.maxout(_tensor(x), pieces=2, axis=1)
    np.testing.assert_array_equal(out.data, np.maximum(x[:, 0::2], x[:, 1::2]))


# ----- numerical stability ----------------------------------------------------------------------
def test_sigmoid_and_softplus_of_extremes_are_exact_without_warnings():
    x = _tensor([-1000.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(F.sigmoid(x).data, [0.0, 1.0])
        softplus = F.softplus(x, threshold=np.inf)  # the smooth branch everywhere
        np.testing.assert_array_equal(softplus.data, [0.0, 1000.0])
        softplus.sum().backward()
        np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])
        np.testing.assert_array_equal(F.swish(x).data, [0.0, 1000.0])


def test_softmax_family_is_stable_for_large_logits():
    logits = _tensor([[1000.0, 0.0, -1000.0], [1e3, 1e3, 1e3]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(F.softmax(logits).data, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]])
        np.testing.assert_allclose(F.log_softmax(logits).data[0], [0.0, -1000.0, -2000.0])
        loss = F.cross_entropy(logits, np.array([2, 0]))
        loss.backward()
    assert loss.item() == pytest.approx((2000 + np.log(3)) / 2)
    np.testing.assert_allclose(logits.grad.data, [[0.5, 0, -0.5], [-1 / 3, 1 / 6, 1 / 6]], atol=1e-15)


def test_softmax_temperature_divides_the_logits():
    x = RNG.standard_normal((3, 5))
    np.testing.assert_allclose(F.softmax(_tensor(x), temperature=2.0).data, F.softmax(_tensor(x / 2)).data)
    with pytest.raises(ValueError, match="temperature must be positive"):
        F.softmax(_tensor(x), temperature=0.0)


# ----- linear --------------------------------------------------------------------------------------
def test_linear_is_one_node_with_pytorch_layout_and_leading_batch_axes():
    x = ag.tensor(RNG.standard_normal((2, 3, 4)), requires_grad=True)
    weight = ag.tensor(RNG.standard_normal((5, 4)), requires_grad=True)
    bias = ag.tensor(RNG.standard_normal(5), requires_grad=True)
    out = F.linear(x, weight, bias)
    assert out.shape == (2, 3, 5) and out.grad_fn.name == "linear"
    assert out.grad_fn.parents == (x, weight, bias)
    upstream = RNG.standard_normal(out.shape)
    out.backward(upstream)
    np.testing.assert_allclose(weight.grad.data, np.einsum("abo,abi->oi", upstream, x.data), rtol=1e-12)
    np.testing.assert_allclose(bias.grad.data, upstream.sum(axis=(0, 1)), rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, upstream @ weight.data, rtol=1e-12)


def test_linear_rejects_mismatched_shapes_naming_them():
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 3\) does not fit weight of shape \(5, 4\)"):
        F.linear(ag.ones((2, 3)), ag.ones((5, 4)))
    with pytest.raises(ValueError, match=r"linear: bias of shape \(4,\)"):
        F.linear(ag.ones((2, 4)), ag.ones((5, 4)), ag.ones(4))


def test_mlp_loss_graph_has_one_node_per_fused_op():
    x = ag.tensor(RNG.standard_normal((8, 4)))
    w1, w2 = ag.tensor(RNG.standard_normal((6, 4)), requires_grad=True), ag.tensor(RNG.standard_normal((3, 6)),
                                                                                  requires_grad=True)
    loss = F.cross_entropy(F.linear(F.relu(F.linear(x, w1)), w2), RNG.integers(0, 3, 8))
    assert [node.name for node in ag.topological_order(loss.grad_fn)] == ["linear", "relu", "linear", "cross_entropy"]


# ----- losses: errors and float32 -------------------------------------------------------------------
def test_loss_errors_name_the_op_and_shapes():
    with pytest.raises(IndexError, match="cross_entropy: target label 7 is out of range for 4 classes"):
        F.cross_entropy(_tensor(LOGITS), np.array([0, 7, 1]))
    with pytest.raises(ValueError, match=r"cross_entropy: target of shape \(2,\) does not fit input of shape \(3, 4\)"):
        F.cross_entropy(_tensor(LOGITS), np.array([0, 1]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.mse_loss(_tensor([1.0]), _tensor([1.0]), reduction="avg")
    with pytest.raises(ValueError, match="binary_cross_entropy: input probabilities must lie in"):
        F.binary_cross_entropy(_tensor([1.5]), _tensor([1.0]))
    with pytest.raises(ValueError, match="multilabel_hinge_loss: targets must be"):
        F.multilabel_hinge_loss(_tensor([[0.5, 1.0]]), np.array([[1, 0]]))
    with pytest.raises(ValueError, match="multi_margin_loss: only p = 1 and p = 2"):
        F.multi_margin_loss(_tensor(LOGITS), LABELS, p=3)


def test_cross_entropy_hot_path_stays_float32():
    logits = ag.tensor(RNG.standard_normal((16, 10)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(logits, RNG.integers(0, 10, 16), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == np.float32 and logits.grad.dtype == np.float32


def test_multilabel_hinge_loss_formula():
    scores, signs = _tensor([[2.0, -0.5, 0.3], [-1.0, 0.2, 0.0]]), np.array([[1, -1, 1], [1, 1, -1]])
    # per item: mean over labels of max(0, 1 - y s)
    expected = [(0 + 0.5 + 0.7) / 3, (2.0 + 0.8 + 1.0) / 3]
    np.testing.assert_allclose(F.multilabel_hinge_loss(scores, signs, reduction="none").data, expected)


# ----- dropout --------------------------------------------------------------------------------------
def test_dropout_is_inverted_and_seeded():
    x = ag.ones((200, 100), dtype=np.float32)
    out = F.dropout(x, p=0.3, generator=np.random.default_rng(5))
    kept = out.data != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(out.data[kept], 1 / 0.7, rtol=1e-6)
    again = F.dropout(x, p=0.3, generator=5)  # an int seeds a fresh generator
    np.testing.assert_array_equal(out.data, again.data)
    assert out.dtype == np.float32


def test_dropout_follows_nn_manual_seed_and_backward_uses_the_same_mask():
    import nn

    x = ag.tensor(RNG.standard_normal((4, 5)), requires_grad=True)
    nn.manual_seed(11)
    first = F.dropout(x, p=0.5)
    nn.manual_seed(11)
    second = F.dropout(x, p=0.5)
    np.testing.assert_array_equal(first.data, second.data)
    first.sum().backward()
    np.testing.assert_allclose(x.grad.data, (first.data != 0) * 2.0)


def test_dropout_edge_cases():
    x = _tensor([1.0, 2.0])
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, [0.0, 0.0])
    with pytest.raises(ValueError, match=r"dropout: p must be in \[0, 1\]"):
        F.dropout(x, 1.5)


# ----- metrics --------------------------------------------------------------------------------------
def test_accuracy_and_zero_one_loss():
    assert F.accuracy(_tensor(LOGITS), np.array([0, 3, 0])) == pytest.approx(2 / 3)
    assert F.accuracy(np.array([1, 2, 3, 4]), np.array([1, 2, 0, 4])) == 0.75  # labels pass through
    assert F.zero_one_loss(_tensor(LOGITS), np.array([0, 3, 0])) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="accuracy: predictions of shape"):
        F.accuracy(np.ones((3, 4)), np.ones(2))


def test_unbatched_scores_take_a_python_int_label():
    scores = _tensor([1.0, 2.0, 0.5], requires_grad=True)
    loss = F.cross_entropy(scores, 1)
    loss.backward()
    probabilities = np.exp([1.0, 2.0, 0.5]) / np.exp([1.0, 2.0, 0.5]).sum()
    assert loss.item() == pytest.approx(-np.log(probabilities[1]), rel=1e-14)
    np.testing.assert_allclose(scores.grad.data, probabilities - [0, 1, 0], rtol=1e-13)
    assert F.nll_loss(scores, 2).item() == -0.5
    assert F.multi_margin_loss(scores, 0).item() == pytest.approx((2.0 + 0.5) / 3)  # (1 - 1 + 2) + (1 - 1 + 0.5)


def test_target_gradients_follow_pytorch_and_the_documented_zero_convention():
    log_probabilities = _tensor([[-1.0, -0.5]], requires_grad=True)
    target = _tensor([[0.0, 0.7]], requires_grad=True)
    F.kl_div(log_probabilities, target, reduction="sum").backward()
    # torch gives NaN for the target's gradient where it is 0; ours is 0 there (see docs/functional.md)
    np.testing.assert_allclose(target.grad.data, [[0.0, np.log(0.7) + 1 + 0.5]], rtol=1e-14)
    np.testing.assert_allclose(log_probabilities.grad.data, [[0.0, -0.7]])
    prediction, labels = _tensor([2.0, -1.0], requires_grad=True), _tensor([0.5, 3.0], requires_grad=True)
    F.mse_loss(prediction, labels, reduction="sum").backward()
    np.testing.assert_allclose(labels.grad.data, -prediction.grad.data)


def test_multi_margin_rival_exactly_on_the_margin_gets_no_gradient():
    scores = _tensor([[1.0, 1.0, 0.0]], requires_grad=True)
    F.multi_margin_loss(scores, np.array([0])).backward()
    np.testing.assert_allclose(scores.grad.data, [[-1 / 3, 1 / 3, 0.0]])  # torch: same (hinge active only for > 0)


def test_multi_margin_loss_of_a_0d_input_is_one_class_as_in_pytorch():
    # torch: multi_margin_loss(tensor(0.7), tensor(0)) = 0 with gradient 0 (no rival class)
    x = ag.tensor(np.array(0.7), requires_grad=True)
    loss = F.multi_margin_loss(x, np.array(0))
    loss.backward()
    assert loss.shape == () and loss.item() == 0.0 and x.grad.shape == () and x.grad.item() == 0.0


def test_multi_margin_loss_takes_a_one_element_target_for_one_item_as_pytorch():
    # torch: input (C,), target (1,) -> reduction='none' gives shape (1,)
    scores = ag.tensor(np.array([0.1, 0.9, 0.3]), requires_grad=True)
    per_item = F.multi_margin_loss(scores, np.array([1]), reduction="none")
    assert per_item.shape == (1,)
    assert per_item.item() == pytest.approx(F.multi_margin_loss(scores, np.array(1)).item())
    with pytest.raises(ValueError, match="multi_margin_loss"):
        F.multi_margin_loss(scores, np.array([1, 0]))
