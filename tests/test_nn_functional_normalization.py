"""batch_norm and layer_norm: the fused ops against the same computation composed from core ops,
PyTorch's running-statistics semantics, and train/eval behaviour."""
import numpy as np
import pytest

import autograd as ag
import nn.functional as F

RNG = np.random.default_rng(7)


def _composed_batch_norm(x, weight, bias, mean=None, var=None, eps=1e-5):
    """Batch norm from primitive ops (batch statistics unless running ones are given)."""
    axes = (0,) if x.ndim == 2 else (0, 2)
    shape = (-1,) if x.ndim == 2 else (-1, 1)
    if mean is None:
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) * (x - mean)).mean(axis=axes, keepdims=True)
    else:
        mean, var = ag.tensor(mean.reshape(shape)), ag.tensor(var.reshape(shape))
    return (x - mean) / ag.sqrt(var + eps) * weight.reshape(shape) + bias.reshape(shape)


def _leaves(*arrays):
    return [ag.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_composition_of_primitive_ops(shape, training):
    x, w, b = RNG.standard_normal(shape), RNG.standard_normal(3), RNG.standard_normal(3)
    running_mean, running_var = RNG.standard_normal(3), RNG.uniform(0.5, 2.0, 3)
    upstream = RNG.standard_normal(shape)
    fused_inputs, composed_inputs = _leaves(x, w, b), _leaves(x, w, b)
    fused = F.batch_norm(fused_inputs[0], running_mean.copy(), running_var.copy(), fused_inputs[1],
                         fused_inputs[2], training=training)
    stats = (None, None) if training else (running_mean, running_var)
    composed = _composed_batch_norm(*composed_inputs, *stats)
    np.testing.assert_allclose(fused.data, composed.data, rtol=1e-12, atol=1e-12)
    fused.backward(upstream)
    composed.backward(upstream)
    for name, a, c in zip(("x", "weight", "bias"), fused_inputs, composed_inputs):
        np.testing.assert_allclose(a.grad.data, c.grad.data, rtol=1e-10, atol=1e-12, err_msg=name)


def test_batch_norm_second_order_matches_composition():
    x, w, b = RNG.standard_normal((5, 2)), RNG.standard_normal(2), RNG.standard_normal(2)
    probe = RNG.standard_normal((5, 2))
    results = []
    for build in (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), _composed_batch_norm):
        inputs = _leaves(x, w, b)
        out = (build(*inputs) ** 3).sum()
        grads = ag.grad(out, inputs, create_graph=True)
        (grads[0] * probe).sum().backward()
        results.append([t.grad.data for t in inputs])
    for fused, composed in zip(*results):
        np.testing.assert_allclose(fused, composed, rtol=1e-9, atol=1e-12)


def test_batch_norm_running_statistics_match_pytorch():
    x = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0], [2.0, 1.5, -0.5], [-1.0, 0.0, 3.0]])
    running_mean, running_var = np.array([0.1, -0.2, 0.3]), np.array([1.0, 2.0, 0.5])
    weight, bias = np.array([1.5, 0.5, -1.0]), np.array([0.1, 0.2, 0.3])
    out = F.batch_norm(x, running_mean, running_var, weight, bias, training=True, momentum=0.2, eps=1e-3)
    # golden values: torch.nn.functional.batch_norm(x, rm, rv, w, b, training=True, momentum=0.2, eps=1e-3)
    # in float64 (PyTorch 2.13); running_var takes the unbiased batch variance
    np.testing.assert_allclose(running_mean, [0.195, -0.17500000000000004, 0.33999999999999997], rtol=1e-14)
    np.testing.assert_allclose(running_var, [1.1178333333333335, 2.0178333333333334, 1.0333333333333332],
                               rtol=1e-14)
    np.testing.assert_allclose(out.data[0], [0.683690628739739, -0.5686790071861304, 0.29999999999999993],
                               rtol=1e-13)
    out = F.batch_norm(x, running_mean, running_var, weight, bias, training=False, momentum=0.2, eps=1e-3)
    # the same call with training=False on the updated statistics
    np.testing.assert_allclose(out.data[3], [-1.5946361476356892, 0.2615825714783164, -2.315479836053132],
                               rtol=1e-13)
    np.testing.assert_allclose(running_mean, [0.195, -0.17500000000000004, 0.33999999999999997], rtol=1e-14)


def test_batch_norm_updates_tensor_buffers_in_place_and_eval_leaves_them():
    running_mean = ag.tensor(np.zeros(2, np.float32))
    running_var = ag.tensor(np.ones(2, np.float32))
    buffer = running_mean.data
    x = ag.tensor(np.array([[1.0, 2.0], [3.0, 6.0]], np.float32))
    F.batch_norm(x, running_mean, running_var, training=True, momentum=0.5)
    assert running_mean.data is buffer
    np.testing.assert_allclose(running_mean.data, [1.0, 2.0])  # 0.5 * batch mean [2, 4]
    np.testing.assert_allclose(running_var.data, [0.5 + 0.5 * 2.0, 0.5 + 0.5 * 8.0])  # unbiased: 2 and 8
    before = running_mean.data.copy(), running_var.data.copy()
    out = F.batch_norm(x, running_mean, running_var, training=False)
    np.testing.assert_array_equal(running_mean.data, before[0])
    np.testing.assert_array_equal(running_var.data, before[1])
    np.testing.assert_allclose(out.data, (x.data - before[0]) / np.sqrt(before[1] + 1e-5), rtol=1e-6)
    assert out.dtype == np.float32


def test_batch_norm_without_running_statistics_uses_batch_statistics():
    x = RNG.standard_normal((8, 4))
    out = F.batch_norm(x, None, None, training=True)
    np.testing.assert_allclose(out.data.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.data.var(axis=0), 1 / (1 + 1e-5 / x.var(axis=0)), rtol=1e-10)


def test_batch_norm_errors_name_the_problem():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(ag.tensor(np.ones((1, 3))), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are required"):
        F.batch_norm(ag.tensor(np.ones((4, 3))), None, None, training=False)
    expected = r"batch_norm: expected an input of shape \(N, C\), \(N, C, L\) or \(N, C, H, W\)"
    with pytest.raises(ValueError, match=expected):
        F.batch_norm(ag.tensor(np.ones(3)), None, None, training=True)
    with pytest.raises(ValueError, match=r"weight of shape \(2,\) does not fit 3 channels"):
        F.batch_norm(ag.tensor(np.ones((4, 3))), None, None, np.ones(2), training=True)


def test_batch_norm_eval_gradient_with_frozen_statistics():
    x, w, b = _leaves(RNG.standard_normal((4, 3)), RNG.standard_normal(3), RNG.standard_normal(3))
    mean, var = RNG.standard_normal(3), RNG.uniform(0.5, 2, 3)
    F.batch_norm(x, mean, var, w, b).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.broadcast_to(w.data / np.sqrt(var + 1e-5), (4, 3)), rtol=1e-12)
    np.testing.assert_allclose(w.grad.data, ((x.data - mean) / np.sqrt(var + 1e-5)).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(b.grad.data, [4.0, 4.0, 4.0])


def test_layer_norm_matches_pytorch_and_composition():
    x = np.array([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0], [2.0, 1.5, -0.5], [-1.0, 0.0, 3.0]])
    weight, bias = np.array([1.0, 2.0, 0.5]), np.array([0.0, 0.1, 0.2])
    out = F.layer_norm(x, 3, weight, bias)
    # golden: torch.nn.functional.layer_norm(x, (3,), w, b) in float64 (PyTorch 2.13), first row
    np.testing.assert_allclose(out.data[0], [0.8889983080422503, -2.6939946824185004, 0.45399951658350013],
                               rtol=1e-13)
    inputs, composed_inputs = _leaves(x, weight, bias), _leaves(x, weight, bias)
    upstream = RNG.standard_normal(x.shape)
    F.layer_norm(inputs[0], (3,), inputs[1], inputs[2]).backward(upstream)
    cx, cw, cb = composed_inputs
    centered = cx - cx.mean(axis=-1, keepdims=True)
    composed = centered / ag.sqrt((centered * centered).mean(axis=-1, keepdims=True) + 1e-5) * cw + cb
    composed.backward(upstream)
    for a, c in zip(inputs, composed_inputs):
        np.testing.assert_allclose(a.grad.data, c.grad.data, rtol=1e-10, atol=1e-12)


def test_layer_norm_rejects_a_mismatched_shape():
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(4,\) does not match"):
        F.layer_norm(ag.tensor(np.ones((2, 3))), 4)


def test_normalization_is_one_graph_node():
    x = ag.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    out = F.batch_norm(x, None, None, ag.ones(3, requires_grad=True), ag.zeros(3, requires_grad=True), training=True)
    assert out.grad_fn.name == "batch_norm" and out.grad_fn.parents[0] is x
    assert F.layer_norm(x, 3).grad_fn.parents[0] is x
