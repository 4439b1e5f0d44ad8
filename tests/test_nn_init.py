"""Initializers: PyTorch's gains and fan formulas, in-place seeded fills, and the lectures'
point that the scale of the initial weights decides whether deep tanh nets pass a signal."""
import math

import numpy as np
import pytest

import autograd
import nn
from nn import init


def weight(*shape, dtype=np.float32):
    return nn.Parameter(np.zeros(shape, dtype))


def test_calculate_gain_is_pytorchs_table():
    # torch.nn.init.calculate_gain values (PyTorch 2.13)
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01 ** 2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", 0) == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("softsign")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", True)


def test_fans_follow_pytorchs_weight_layout():
    assert init.fan_in_and_fan_out(weight(30, 20)) == (20, 30)
    assert init.fan_in_and_fan_out(weight(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.fan_in_and_fan_out(weight(5))


def test_constant_fills_in_place_and_keep_dtype():
    w = weight(3, 4)
    array = w.data
    assert init.constant_(w, 0.5) is w
    assert w.data is array and w.dtype == np.float32 and np.all(w.data == 0.5)
    init.ones_(w)
    assert np.all(w.data == 1)
    init.zeros_(w)
    assert np.all(w.data == 0)
    raw = np.empty(3)
    init.ones_(raw)
    assert np.all(raw == 1)
    with pytest.raises(TypeError, match="in place"):
        init.zeros_([1.0, 2.0])


def test_uniform_and_normal_moments():
    w = weight(500, 400, dtype=np.float64)
    init.uniform_(w, -2.0, 3.0, generator=0)
    assert w.data.min() >= -2 and w.data.max() <= 3
    assert w.data.mean() == pytest.approx(0.5, abs=0.01)
    init.normal_(w, mean=1.0, std=0.5, generator=0)
    assert w.data.mean() == pytest.approx(1.0, abs=0.005) and w.data.std() == pytest.approx(0.5, rel=0.01)
    init.small_random_(w, generator=0)
    assert w.data.std() == pytest.approx(0.01, rel=0.01)
    init.large_random_(w, generator=0)
    assert w.data.std() == pytest.approx(1.0, rel=0.01)


def test_fills_are_reproducible():
    a, b = weight(4, 5), weight(4, 5)
    init.xavier_normal_(a, generator=np.random.default_rng(3))
    init.xavier_normal_(b, generator=3)
    np.testing.assert_array_equal(a.data, b.data)
    nn.manual_seed(11)
    init.kaiming_uniform_(a)
    nn.manual_seed(11)
    init.kaiming_uniform_(b)
    np.testing.assert_array_equal(a.data, b.data)
    with pytest.raises(TypeError, match="Generator"):
        init.normal_(a, generator="seed")


def test_xavier_bounds_and_std():
    w = weight(300, 200, dtype=np.float64)
    init.xavier_uniform_(w, gain=2.0, generator=0)
    bound = 2.0 * math.sqrt(6 / 500)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    init.xavier_normal_(w, gain=init.calculate_gain("tanh"), generator=0)
    assert w.data.std() == pytest.approx(5 / 3 * math.sqrt(2 / 500), rel=0.01)


def test_kaiming_bounds_and_modes():
    w = weight(300, 200, dtype=np.float64)
    init.kaiming_uniform_(w, nonlinearity="relu", generator=0)
    bound = math.sqrt(2) * math.sqrt(3 / 200)
    assert np.abs(w.data).max() <= bound and np.abs(w.data).max() > 0.99 * bound
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", generator=0)
    assert w.data.std() == pytest.approx(math.sqrt(2 / 300), rel=0.01)
    with pytest.raises(ValueError, match="fan_in"):
        init.kaiming_normal_(w, mode="fan_avg")


def test_init_biases_sets_every_bias_and_nothing_else():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 2))
    weights = [p.data.copy() for name, p in model.named_parameters() if name.endswith("weight")]
    assert init.init_biases_(model, 0.01) is model
    for name, p in model.named_parameters():
        if name.endswith("bias"):
            assert np.all(p.data == np.float32(0.01)), name
    np.testing.assert_array_equal(weights[0], model[0].weight.data)
    with pytest.raises(ValueError, match="no parameter named 'bias'"):
        init.init_biases_(nn.Linear(2, 2, bias=False))


def test_aliases_without_underscore():
    assert init.xavier_uniform is init.xavier_uniform_ and init.normal is init.normal_
    assert init.init_biases is init.init_biases_ and init.small_random is init.small_random_


@pytest.mark.parametrize("scheme,check", [
    ("small", lambda std, saturated: std < 1e-6),          # the signal dies away
    ("large", lambda std, saturated: saturated > 0.5),     # most units saturate
    ("xavier", lambda std, saturated: 0.05 < std and saturated < 0.1),  # it stays alive
])
def test_init_scale_decides_whether_a_deep_tanh_net_passes_signal(scheme, check):
    nn.manual_seed(0)
    layers = [nn.Linear(256, 256) for _ in range(8)]
    for layer in layers:
        if scheme == "small":
            init.small_random_(layer.weight)
        elif scheme == "large":
            init.large_random_(layer.weight)
        else:
            init.xavier_normal_(layer.weight, gain=init.calculate_gain("tanh"))
        init.zeros_(layer.bias)
    h = autograd.tensor(np.random.default_rng(0).normal(size=(64, 256)).astype(np.float32))
    with autograd.no_grad():
        for layer in layers:
            h = nn.functional.tanh(layer(h))
    assert check(float(h.data.std()), float((np.abs(h.data) > 0.99).mean()))
