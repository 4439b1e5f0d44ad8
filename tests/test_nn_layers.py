"""Layers: PyTorch's layouts, defaults and numbers (tests/data/torch_layer_goldens.npz, written by
tests/data/make_torch_layer_goldens.py), batch norm's train/eval semantics, dropout, maxout."""
import math
import os

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F

GOLDENS = np.load(os.path.join(os.path.dirname(__file__), "data", "torch_layer_goldens.npz"))
X, UPSTREAM = GOLDENS["x"], GOLDENS["upstream"]


def numerical_gradient(loss, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central differences of the scalar `loss()` with respect to `array`, changed in place."""
    grad = np.zeros_like(array)
    for index in np.ndindex(array.shape):
        original = array[index]
        array[index] = original + eps
        plus = loss()
        array[index] = original - eps
        minus = loss()
        array[index] = original
        grad[index] = (plus - minus) / (2 * eps)
    return grad


# ----- Linear ---------------------------------------------------------------------------------
def test_linear_has_pytorchs_layout_and_computes_x_wt_plus_b():
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    assert layer.weight.dtype == np.float32
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    np.testing.assert_allclose(layer(autograd.tensor(x)).data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-6)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [name for name, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]


def test_linear_default_init_is_pytorchs_uniform():
    layer = nn.Linear(400, 300, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(400)  # kaiming_uniform(a=√5) reduces to U(±1/√fan_in)
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.98 * bound
    assert layer.weight.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.01)


def test_linear_init_is_reproducible():
    nn.manual_seed(7)
    a = nn.Linear(5, 4)
    nn.manual_seed(7)
    b = nn.Linear(5, 4)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    same = [nn.Linear(5, 4, generator=np.random.default_rng(3)) for _ in range(2)]
    np.testing.assert_array_equal(same[0].bias.data, same[1].bias.data)
    shared = np.random.default_rng(3)  # one stream for a whole model: its layers differ
    assert not np.array_equal(nn.Linear(5, 4, generator=shared).weight.data,
                              nn.Linear(5, 4, generator=shared).weight.data)


@pytest.mark.parametrize("make", [lambda g: nn.Linear(5, 4, generator=g), lambda g: nn.Maxout(5, 4, 2, generator=g),
                                  lambda g: nn.Dropout(0.5, generator=g)])
def test_a_layer_refuses_an_int_seed_that_would_tie_same_shaped_layers(make):
    with pytest.raises(TypeError, match=r"generator=1 is an int.*identical weights.*np.random.default_rng\(1\)"
                                        r".*nn.manual_seed\(1\)"):
        make(1)
    with pytest.raises(TypeError, match="numpy Generator"):
        make("seed")


def test_linear_gradients_match_numerical():
    layer = nn.Linear(3, 2, dtype=np.float64, generator=np.random.default_rng(0))
    x = np.random.default_rng(0).normal(size=(4, 3))
    weights = np.random.default_rng(1).normal(size=(4, 2))

    def loss():
        return float((layer(autograd.tensor(x)).data * weights).sum())

    (layer(autograd.tensor(x)) * weights).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.data, numerical_gradient(loss, layer.weight.data), rtol=1e-6)
    np.testing.assert_allclose(layer.bias.grad.data, numerical_gradient(loss, layer.bias.data), rtol=1e-6)


def test_layer_arguments_are_checked():
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="average")
    with pytest.raises(ValueError, match=r"\(N, 4\)"):
        nn.BatchNorm1d(4)(autograd.tensor(np.zeros((3, 5), np.float32)))


# ----- activations and losses: PyTorch's defaults and numbers ----------------------------------
ACTIVATIONS = {
    "Sigmoid": nn.Sigmoid(), "Tanh": nn.Tanh(), "ReLU": nn.ReLU(), "LeakyReLU": nn.LeakyReLU(), "ELU": nn.ELU(),
    "SELU": nn.SELU(), "Softplus": nn.Softplus(), "SiLU": nn.SiLU(), "GELU": nn.GELU(),
    "GELU_tanh": nn.GELU(approximate="tanh"), "Softmax": nn.Softmax(axis=-1), "LogSoftmax": nn.LogSoftmax(axis=-1),
    "PReLU": nn.PReLU(dtype=np.float64), "LayerNorm": nn.LayerNorm(5, dtype=np.float64), "Identity": nn.Identity(),
}


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_modules_match_pytorch(name):
    x = autograd.tensor(X.copy(), requires_grad=True)
    y = ACTIVATIONS[name](x)
    (y * UPSTREAM).sum().backward()
    np.testing.assert_allclose(y.data, GOLDENS[f"{name}/output"], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(x.grad.data, GOLDENS[f"{name}/grad"], rtol=1e-6, atol=1e-10)


LOSSES = {
    "MSELoss": (nn.MSELoss(), lambda t: t, "upstream"),
    "L1Loss": (nn.L1Loss(), lambda t: t, "upstream"),
    "HuberLoss": (nn.HuberLoss(), lambda t: t, "upstream"),
    "BCELoss": (nn.BCELoss(), F.sigmoid, "binary"),
    "BCEWithLogitsLoss": (nn.BCEWithLogitsLoss(), lambda t: t, "binary"),
    "CrossEntropyLoss": (nn.CrossEntropyLoss(), lambda t: t, "labels"),
    "CrossEntropyLoss_soft": (nn.CrossEntropyLoss(), lambda t: t, "probabilities"),
    "NLLLoss": (nn.NLLLoss(), lambda t: F.log_softmax(t, -1), "labels"),
    "MultiMarginLoss": (nn.MultiMarginLoss(), lambda t: t, "labels"),
    "KLDivLoss": (nn.KLDivLoss(reduction="batchmean"), lambda t: F.log_softmax(t, -1), "probabilities"),
}


@pytest.mark.parametrize("name", LOSSES)
def test_loss_modules_match_pytorch(name):
    module, prepare, target = LOSSES[name]
    x = autograd.tensor(X.copy(), requires_grad=True)
    loss = module(prepare(x), GOLDENS[target])
    loss.backward()
    np.testing.assert_allclose(loss.data, GOLDENS[f"{name}/output"], rtol=1e-7)
    np.testing.assert_allclose(x.grad.data, GOLDENS[f"{name}/grad"], rtol=1e-6, atol=1e-12)


def test_multilabel_hinge_loss_module_matches_its_definition():
    x, signs = X, GOLDENS["signs"]
    expected = np.maximum(0, 1 - signs * x).mean()
    assert nn.MultiLabelHingeLoss()(autograd.tensor(x), signs).item() == pytest.approx(expected)


def test_weighted_losses_keep_their_weight_as_a_buffer():
    loss = nn.CrossEntropyLoss(weight=np.array([1.0, 2.0, 0.5, 1.0, 1.0]))
    assert list(loss.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    x = autograd.tensor(X)
    weighted = loss(x, GOLDENS["labels"]).item()
    plain = nn.CrossEntropyLoss()(x, GOLDENS["labels"]).item()
    assert weighted == pytest.approx(F.cross_entropy(x, GOLDENS["labels"], weight=loss.weight).item())
    assert weighted != pytest.approx(plain)


def test_module_arguments_reach_the_functional_op():
    x = autograd.tensor(X)
    pairs = [
        (nn.LeakyReLU(0.2), F.leaky_relu(x, 0.2)), (nn.ELU(0.5), F.elu(x, 0.5)),
        (nn.Softplus(2.0, 5.0), F.softplus(x, 2.0, 5.0)), (nn.Swish(1.7), F.swish(x, 1.7)),
        (nn.Softmax(0, temperature=2.0), F.softmax(x, 0, 2.0)), (nn.LogSoftmax(1, 0.5), F.log_softmax(x, 1, 0.5)),
        (nn.HuberLoss(delta=0.3), None),
    ]
    for module, expected in pairs[:-1]:
        np.testing.assert_array_equal(module(x).data, expected.data, err_msg=repr(module))
    huber = nn.HuberLoss(reduction="sum", delta=0.3)(x, UPSTREAM)
    assert huber.item() == F.huber_loss(x, UPSTREAM, reduction="sum", delta=0.3).item()
    assert nn.MSELoss(reduction="none")(x, UPSTREAM).shape == X.shape
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"


def test_swish_with_beta_one_is_silu():
    x = autograd.tensor(X)
    np.testing.assert_allclose(nn.Swish()(x).data, nn.SiLU()(x).data, rtol=1e-12)


def test_prelu_learns_its_slopes():
    layer = nn.PReLU(num_parameters=5, init=0.1, dtype=np.float64)
    x = autograd.tensor(X)
    (layer(x) * UPSTREAM).sum().backward()
    expected = np.where(X < 0, X * UPSTREAM, 0).sum(axis=0)  # d/da of a·x on the negative side
    np.testing.assert_allclose(layer.weight.grad.data, expected, rtol=1e-10)


# ----- batch norm -----------------------------------------------------------------------------
def test_batch_norm_training_matches_pytorch_values_gradients_and_running_stats():
    layer = nn.BatchNorm1d(5, dtype=np.float64)
    layer.weight.data[:] = np.linspace(0.5, 2.0, 5)
    layer.bias.data[:] = np.linspace(-1.0, 1.0, 5)
    x = autograd.tensor(X.copy(), requires_grad=True)
    y = layer(x)
    (y * UPSTREAM).sum().backward()
    np.testing.assert_allclose(y.data, GOLDENS["BatchNorm1d/output"], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x.grad.data, GOLDENS["BatchNorm1d/grad"], rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad.data, GOLDENS["BatchNorm1d/weight_grad"], rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad.data, GOLDENS["BatchNorm1d/bias_grad"], rtol=1e-10)
    np.testing.assert_allclose(layer.running_mean.data, GOLDENS["BatchNorm1d/running_mean"], rtol=1e-12)
    np.testing.assert_allclose(layer.running_var.data, GOLDENS["BatchNorm1d/running_var"], rtol=1e-12)
    layer.eval()
    np.testing.assert_allclose(layer(autograd.tensor(X)).data, GOLDENS["BatchNorm1d/eval_output"], rtol=1e-10)


def test_batch_norm_running_statistics_follow_the_momentum_rule():
    layer = nn.BatchNorm1d(3, momentum=0.25, dtype=np.float64)
    rng = np.random.default_rng(0)
    mean, var = np.zeros(3), np.ones(3)
    for _ in range(4):
        x = rng.normal(2.0, 3.0, size=(10, 3))
        layer(autograd.tensor(x))
        mean = 0.75 * mean + 0.25 * x.mean(axis=0)
        var = 0.75 * var + 0.25 * x.var(axis=0, ddof=1)  # the unbiased batch variance
    np.testing.assert_allclose(layer.running_mean.data, mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var.data, var, rtol=1e-12)
    assert int(layer.num_batches_tracked.data) == 4


def test_batch_norm_train_uses_the_batch_and_eval_the_running_statistics():
    layer = nn.BatchNorm1d(4, dtype=np.float64)
    x = np.random.default_rng(1).normal(5.0, 2.0, size=(32, 4))
    out = layer(autograd.tensor(x)).data
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), 1, rtol=1e-4)  # eps = 1e-5 keeps it just under 1
    layer.eval()
    statistics = layer.running_mean.data.copy(), layer.running_var.data.copy()
    expected = (x - statistics[0]) / np.sqrt(statistics[1] + 1e-5)
    np.testing.assert_allclose(layer(autograd.tensor(x)).data, expected, rtol=1e-12)
    np.testing.assert_array_equal(layer.running_mean.data, statistics[0])  # eval never updates them
    assert int(layer.num_batches_tracked.data) == 1


def test_batch_norm_cumulative_average_and_untracked_statistics():
    layer = nn.BatchNorm1d(2, momentum=None, dtype=np.float64)
    batches = [np.random.default_rng(i).normal(i, 1.0, size=(8, 2)) for i in range(3)]
    for b in batches:
        layer(autograd.tensor(b))
    np.testing.assert_allclose(layer.running_mean.data, np.mean([b.mean(axis=0) for b in batches], axis=0))
    untracked = nn.BatchNorm1d(2, track_running_stats=False, affine=False, dtype=np.float64).eval()
    assert list(untracked.state_dict()) == [] and list(untracked.parameters()) == []
    out = untracked(autograd.tensor(batches[2])).data  # batch statistics even in eval mode
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)


def test_batch_norm_gradients_match_numerical_in_both_modes():
    layer = nn.BatchNorm1d(3, dtype=np.float64)
    layer.weight.data[:] = [0.5, 1.5, -1.0]
    layer.bias.data[:] = [0.1, 0.0, -0.3]
    layer.running_mean.data[:] = [0.2, -0.1, 0.4]
    layer.running_var.data[:] = [1.5, 0.5, 2.0]
    rng = np.random.default_rng(2)
    x, weights = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    for mode in ("train", "eval"):
        getattr(layer, mode)()
        momentum, layer.momentum = layer.momentum, 0.0  # keep the running statistics fixed while probing

        def loss():
            return float((layer(autograd.tensor(x)).data * weights).sum())

        tx = autograd.tensor(x.copy(), requires_grad=True)
        layer.zero_grad()
        (layer(tx) * weights).sum().backward()
        np.testing.assert_allclose(tx.grad.data, numerical_gradient(loss, x), rtol=1e-6, atol=1e-8, err_msg=mode)
        np.testing.assert_allclose(layer.weight.grad.data, numerical_gradient(loss, layer.weight.data), rtol=1e-6)
        np.testing.assert_allclose(layer.bias.grad.data, numerical_gradient(loss, layer.bias.data), rtol=1e-6)
        layer.momentum = momentum


def test_layer_norm_normalizes_each_sample():
    layer = nn.LayerNorm(5, dtype=np.float64)
    out = layer(autograd.tensor(X)).data
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert nn.LayerNorm(5, elementwise_affine=False).weight is None


# ----- dropout --------------------------------------------------------------------------------
def test_dropout_is_inverted_in_training_and_the_identity_in_eval():
    layer = nn.Dropout(0.25, generator=np.random.default_rng(0))
    x = autograd.tensor(np.ones((200, 50)))
    out = layer(x).data
    assert set(np.unique(out)) == {0.0, 1 / 0.75}
    assert (out == 0).mean() == pytest.approx(0.25, abs=0.01)
    assert layer.eval()(x) is x


def test_dropout_is_reproducible_with_manual_seed():
    x = autograd.tensor(np.ones((10, 10)))
    nn.manual_seed(3)
    first = nn.Dropout(0.5)(x).data
    nn.manual_seed(3)
    second = nn.Dropout(0.5)(x).data
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, nn.Dropout(0.5)(x).data)


def test_dropout_backward_uses_the_same_mask():
    x = autograd.tensor(np.ones((4, 6)), requires_grad=True)
    out = nn.Dropout(0.5, generator=np.random.default_rng(1))(x)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.data, out.data)


# ----- maxout, flatten ------------------------------------------------------------------------
def test_maxout_is_the_max_of_its_pieces():
    layer = nn.Maxout(4, 3, pieces=2, dtype=np.float64, generator=np.random.default_rng(0))
    assert layer.weight.shape == (6, 4)
    x = np.random.default_rng(0).normal(size=(5, 4))
    z = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(autograd.tensor(x)).data, z.reshape(5, 3, 2).max(axis=2), rtol=1e-12)
    tx = autograd.tensor(x, requires_grad=True)
    layer(tx).sum().backward()
    # each sample's gradient goes to exactly one piece per output: every group's bias grads add to 5
    np.testing.assert_array_equal(layer.bias.grad.data.reshape(3, 2).sum(axis=1), [5, 5, 5])


def test_flatten_and_identity():
    x = autograd.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert nn.Flatten()(x).shape == (2, 12)
    assert nn.Flatten(0, 1)(x).shape == (6, 4)
    assert nn.Identity(54, unused=True)(x) is x


def test_conv_layers_refuse_an_int_generator_as_linear_does():
    for layer in (lambda g: nn.Conv2d(1, 2, 3, generator=g), lambda g: nn.Conv1d(1, 2, 3, generator=g)):
        with pytest.raises(TypeError, match="is an int; a layer does not take an int seed"):
            layer(1)
    shared = np.random.default_rng(1)
    first, second = nn.Conv2d(1, 2, 3, generator=shared), nn.Conv2d(1, 2, 3, generator=shared)
    assert not np.array_equal(first.weight.data, second.weight.data)  # one stream, two different draws
