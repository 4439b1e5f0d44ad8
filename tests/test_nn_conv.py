"""Convolution, pooling and BatchNorm2d: errors that name the op and the shapes, all-or-nothing
running statistics, the max-pool tie convention, layers' PyTorch layouts and defaults.

Values, gradients and second order of every op are checked by tests/test_registry.py (specs in
tests/specs/nn.py); agreement with PyTorch by tests/test_conv_torch_goldens.py."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv2d(np.zeros((1, 28, 28)), np.zeros((8, 1, 3, 3))),
     "conv2d: expected an input of shape (N, C, H, W) (4 axes), got shape (1, 28, 28)"),
    (lambda: F.conv1d(np.zeros((2, 3, 9)), np.zeros((4, 3, 3, 3))),
     "conv1d: expected a weight of shape (out_channels, in_channels / groups, K), got shape (4, 3, 3, 3)"),
    (lambda: F.conv2d(np.zeros((2, 3, 8, 8)), np.zeros((8, 1, 3, 3))),
     "conv2d: input of shape (2, 3, 8, 8) has 3 channels, but weight of shape (8, 1, 3, 3) expects 1"),
    (lambda: F.conv2d(np.zeros((2, 6, 8, 8)), np.zeros((5, 3, 3, 3)), groups=2),
     "groups=2 must divide both the input channels (6) and the output channels (5)"),
    (lambda: F.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 5, 5))),
     "kernel of size (5, 5) (dilated extent (5, 5)) is larger than the padded input (4, 4)"),
    (lambda: F.conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 3, 3)), dilation=2),
     "dilated extent (5, 5)"),
    (lambda: F.conv2d(np.zeros((1, 1, 8, 8)), np.zeros((1, 1, 3, 3)), stride=2, padding="same"),
     "padding='same' needs stride 1"),
    (lambda: F.conv2d(np.zeros((1, 1, 8, 8)), np.zeros((1, 1, 3, 3)), padding="full"),
     "padding must be an int, a tuple, 'valid' or 'same'"),
    (lambda: F.conv2d(np.zeros((1, 1, 8, 8)), np.zeros((1, 1, 3, 3)), stride=(1, 0)),
     "stride must be at least 1"),
    (lambda: F.conv2d(np.zeros((1, 1, 8, 8)), np.zeros((2, 1, 3, 3)), np.zeros(3)),
     "bias of shape (3,) does not fit weight of shape (2, 1, 3, 3)"),
    (lambda: F.max_pool2d(np.zeros((1, 1, 8, 8)), kernel_size=2, padding=2),
     "max_pool2d: padding (2, 2) must be at most half the kernel size (2, 2)"),
    (lambda: F.avg_pool2d(np.zeros((1, 8, 8)), 2), "avg_pool2d: expected an input of shape (N, C, H, W)"),
    (lambda: F.max_pool1d(np.zeros((1, 1, 2)), 3), "max_pool1d: kernel of size (3,)"),
    (lambda: nn.Conv2d(3, 4, 3)(ag.tensor(np.zeros((1, 1, 8, 8)))),
     "input of shape (1, 1, 8, 8) has 1 channels, but weight of shape (4, 3, 3, 3) expects 3"),
    (lambda: nn.Conv2d(4, 6, 3, groups=4), "Conv2d: groups=4 must divide in_channels (4) and out_channels (6)"),
    (lambda: nn.BatchNorm2d(3)(ag.tensor(np.zeros((2, 3, 4)))),
     "BatchNorm2d: expected input of shape (N, 3, H, W), got (2, 3, 4)"),
])
def test_misuse_raises_an_error_naming_the_op_and_shapes(call, message):
    with pytest.raises(ValueError) as error:
        call()
    assert message in str(error.value)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_with_wrong_running_stats_changes_nothing(training):
    x = RNG.normal(size=(8, 4, 5, 5))
    running_mean, running_var = np.full(4, 0.5), np.ones(3)
    with pytest.raises(ValueError, match=r"running_var of shape \(3,\) does not fit input of shape \(8, 4, 5, 5\)"):
        F.batch_norm(x, running_mean, running_var, training=training)
    np.testing.assert_array_equal(running_mean, 0.5)  # untouched: checks come before the update
    np.testing.assert_array_equal(running_var, 1.0)


def test_batch_norm2d_layer_counts_only_accepted_batches():
    layer = nn.BatchNorm2d(3, momentum=None, dtype=np.float64)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        layer(ag.tensor(np.ones((1, 3, 1, 1))))
    assert int(layer.num_batches_tracked.data) == 0
    np.testing.assert_array_equal(layer.running_mean.data, 0.0)


def test_batch_norm2d_normalizes_each_channel_over_batch_and_pixels():
    x = RNG.normal(size=(6, 3, 4, 5)) * np.array([1.0, 5.0, 0.2]).reshape(1, 3, 1, 1) + 2.0
    layer = nn.BatchNorm2d(3, dtype=np.float64)
    y = layer(ag.tensor(x)).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1.0, rtol=1e-3)  # eps = 1e-5 keeps it just below 1
    count = 6 * 4 * 5
    np.testing.assert_allclose(layer.running_var.data, 0.9 + 0.1 * x.var(axis=(0, 2, 3)) * count / (count - 1))
    layer.eval()
    expected = (x - layer.running_mean.data.reshape(1, 3, 1, 1)) / np.sqrt(
        layer.running_var.data.reshape(1, 3, 1, 1) + 1e-5)
    np.testing.assert_allclose(layer(ag.tensor(x)).data, expected, rtol=1e-12)


def test_max_pool_splits_the_gradient_evenly_among_tied_maxima():
    x = ag.tensor(np.array([[[[1.0, 3.0, 0.0, 0.0], [3.0, 2.0, 0.0, 0.0]]]]), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0, 0.5, 0.25, 0.25], [0.5, 0, 0.25, 0.25]]]])


def test_overlapping_max_pool_windows_add_their_gradients():
    x = ag.tensor(np.array([[[0.0, 5.0, 1.0, 2.0]]]), requires_grad=True)
    F.max_pool1d(x, 3, stride=1).sum().backward()  # 5 wins both windows
    np.testing.assert_array_equal(x.grad.data, [[[0, 2, 0, 0]]])


@pytest.mark.parametrize("rank", [1, 2])
def test_same_padding_keeps_the_size_for_even_and_odd_kernels(rank):
    conv = F.conv1d if rank == 1 else F.conv2d
    for kernel in (2, 3, 4):
        for dilation in (1, 2):
            x = RNG.normal(size=(1, 2) + (7,) * rank)
            w = RNG.normal(size=(3, 2) + (kernel,) * rank)
            assert conv(x, w, padding="same", dilation=dilation).shape == (1, 3) + (7,) * rank


def test_float32_stays_float32_through_a_cnn():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, dtype=np.float32), nn.BatchNorm2d(4, dtype=np.float32),
                          nn.ReLU(), nn.MaxPool2d(2), nn.AvgPool2d(2), nn.Flatten(),
                          nn.Linear(16, 3, dtype=np.float32))
    x = ag.tensor(RNG.normal(size=(2, 1, 8, 8)).astype(np.float32))
    out = model(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_conv2d_layer_has_pytorch_names_shapes_and_default_init():
    layer = nn.Conv2d(6, 16, (3, 5), groups=2, generator=np.random.default_rng(0), dtype=np.float64)
    assert dict((name, p.shape) for name, p in layer.named_parameters()) == {"weight": (16, 3, 3, 5), "bias": (16,)}
    fan_in = 3 * 3 * 5  # in_channels / groups x kernel area
    bound = 1 / math.sqrt(fan_in)  # kaiming_uniform(a=√5) gives the same bound as the bias
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound
        assert np.abs(p.data).max() > 0.8 * bound
    assert nn.Conv1d(2, 3, 4, bias=False).bias is None
    assert repr(nn.Conv2d(1, 2, 3, padding=1)) == "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"


def test_layers_drawn_from_one_generator_differ_and_repeat_with_its_seed():
    def two_layers(seed):
        generator = np.random.default_rng(seed)
        return nn.Conv2d(2, 3, 3, generator=generator), nn.Conv2d(2, 3, 3, generator=generator)
    first, second = two_layers(5)
    assert not np.array_equal(first.weight.data, second.weight.data)
    np.testing.assert_array_equal(two_layers(5)[1].weight.data, second.weight.data)


def test_cnn_trains_on_a_toy_problem():
    """A bright left half vs a bright right half: a conv net learns it in a few dozen steps."""
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 64)
    images = rng.normal(0, 0.3, size=(64, 1, 8, 8))
    images[labels == 0, :, :, :4] += 1.0
    images[labels == 1, :, :, 4:] += 1.0
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1, generator=rng), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(64, 2, generator=rng))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    x = ag.tensor(images)
    for _ in range(40):
        loss = F.cross_entropy(model(x), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert F.accuracy(model(x), labels) >= 0.95
