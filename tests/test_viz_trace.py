"""viz.trace and viz.health: the pure walk and its statistics, checked against hand computations."""
import numpy as np
import pytest

import autograd as ag
import viz
from viz.health import Thresholds, activation_stats, gradient_stats, value_stats


def _mlp(rng, bias=0.0):
    x = ag.tensor(rng.standard_normal((16, 4)))
    w = ag.tensor(rng.standard_normal((4, 8)), requires_grad=True)
    b = ag.tensor(np.full(8, bias), requires_grad=True)
    pre = x @ w + b
    hidden = ag.relu(pre)
    v = ag.tensor(rng.standard_normal((8, 1)), requires_grad=True)
    loss = ag.sigmoid(hidden @ v).mean()
    return loss, pre, hidden, {"w": w, "b": b, "v": v}


# ----- statistics ---------------------------------------------------------------------------
def test_gradient_stats_counts_zeros_and_non_finite_and_measures_the_finite_rest():
    stats = gradient_stats(np.array([3.0, -4.0, 0.0, np.nan, np.inf, 0.0]))
    assert (stats.nan_count, stats.inf_count, stats.size) == (1, 1, 6)
    assert stats.zero_fraction == pytest.approx(2 / 6)
    assert stats.max_abs == 4.0
    assert stats.norm == pytest.approx(5.0)
    assert stats.rms == pytest.approx(5.0 / 2)  # over the 4 finite elements
    assert not stats.finite


def test_gradient_stats_sums_float32_in_float64():
    stats = gradient_stats(np.full(1_000_000, 1e-3, dtype=np.float32))
    assert stats.rms == pytest.approx(1e-3, rel=1e-6)


def test_dead_fraction_counts_units_that_are_zero_on_every_sample():
    out = np.array([[0.0, 1.0, 0.0, 0.0],
                    [0.0, 0.0, 2.0, 0.0],
                    [0.0, 0.0, 0.0, 0.0]])
    stats = activation_stats("relu", out)
    assert stats.units == 4
    assert stats.dead_fraction == pytest.approx(0.5)  # columns 0 and 3; 1 and 2 fire once
    assert stats.words() == ["dead 50%"]
    # channels are units for (N, C, L) outputs: channel 1 is dead at every sample and position
    conv = np.ones((2, 3, 5))
    conv[:, 1] = 0
    assert activation_stats("ReLU", conv).dead_fraction == pytest.approx(1 / 3)


def test_saturation_margins_are_parameters():
    out = np.array([[0.99, 0.5], [-0.98, 0.96]])
    assert activation_stats("tanh", out).saturated_fraction == pytest.approx(0.5)
    assert activation_stats("Tanh", out, Thresholds(tanh_margin=0.05)).saturated_fraction == pytest.approx(0.75)
    sig = np.array([[0.01, 0.5, 0.98, 0.96]])
    assert activation_stats("sigmoid", sig).saturated_fraction == pytest.approx(0.5)
    assert activation_stats("sigmoid", sig).saturated_units == pytest.approx(0.5)


def test_leaky_family_reports_the_negative_region_and_others_are_not_activations():
    out = np.array([[-0.01, 2.0], [-0.02, -0.5]])
    for name in ("leaky_relu", "LeakyReLU", "prelu", "ELU"):
        stats = activation_stats(name, out)
        assert stats.negative_fraction == pytest.approx(0.75)
        assert stats.negative_units == pytest.approx(0.5)
        assert stats.dead_fraction is None
    assert activation_stats("linear", out) is None
    assert activation_stats("gelu", out).words() == []


def test_value_stats_shows_a_scalar_as_itself_even_when_infinite():
    assert value_stats(np.array(-np.inf)).mean == -np.inf
    stats = value_stats(np.array([1.0, -1.0, 3.0, np.nan]))
    assert stats.mean == pytest.approx(1.0) and stats.positive_fraction == pytest.approx(0.5)


# ----- the walk ---------------------------------------------------------------------------
def test_trace_before_backward_has_shapes_values_and_unit_health_then_hooks_fill_gradients():
    rng = np.random.default_rng(0)
    loss, pre, hidden, params = _mlp(rng)
    tr = viz.trace(loss, names=params)
    assert not tr.has_gradients
    relu = tr.node(hidden)
    assert relu.name == "relu" and relu.shape == (16, 8)
    assert relu.value.mean == pytest.approx(hidden.data.mean())
    assert relu.activation.dead_fraction == pytest.approx(np.mean(np.all(hidden.data == 0, axis=0)))
    assert [n.kind for n in tr.nodes].count("parameter") == 3
    add = tr.node(pre)  # no op saved it: its value was recomputed from the inputs
    assert add.name == "add"
    assert (add.value.mean, add.value.std) == pytest.approx((pre.data.mean(), pre.data.std()))

    hidden.retain_grad()
    loss.backward()
    assert relu.grad.rms == pytest.approx(np.sqrt(np.mean(hidden.grad.data ** 2)))
    assert relu.backward_calls == 1
    w = tr.node("w")
    assert w.grad.norm == pytest.approx(np.linalg.norm(params["w"].grad.data))
    assert tr.root.grad.rms == 1.0 and tr.root.is_root


def test_recomputed_values_match_the_forward():
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    pre = x * 2.0 + x  # add saves nothing: only recomputation knows this value
    out = ag.tanh(pre).sum()
    tr = viz.trace(out)
    assert tr.node(pre).value.mean == pytest.approx(pre.data.mean())
    assert tr.node(pre).value.std == pytest.approx(pre.data.std())


def test_trace_is_iterative_and_deterministic_on_a_5000_op_chain():
    def chain():
        x = ag.tensor(np.ones(3), requires_grad=True)
        y = x
        for _ in range(5000):
            y = y * 1.0
        return y.sum(), x

    first, x = chain()
    tr = viz.trace(first, names={"x": x}, values=False)
    assert len(tr.find("mul")) == 5000
    ids = [(n.id, n.name) for n in tr.nodes]
    second, x2 = chain()
    assert [(n.id, n.name) for n in viz.trace(second, names={"x": x2}, values=False).nodes] == ids
    assert tr.nodes[0].name == "x" and tr.nodes[-1].is_root


def test_parameters_are_named_by_module_path():
    nn = pytest.importorskip("nn")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))

        def forward(self, x):
            return self.layers(x)

    net = Net()
    loss = net(ag.tensor(np.ones((2, 3), np.float32))).sum()
    tr = viz.trace(loss, model=net)
    names = [n.name for n in tr.parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias"]
    assert tr.node("layers.2.weight").module == "layers.2"
    assert [n.module for n in tr.find("linear")] == ["layers.0", "layers.2"]


def test_compute_mode_fills_gradients_without_touching_grad():
    rng = np.random.default_rng(2)
    loss, _, hidden, params = _mlp(rng, bias=0.5)
    tr = viz.trace(loss, names=params, gradients="compute")
    assert all(p.grad is None for p in params.values())
    reference = ag.grad(loss, [params["w"]], retain_graph=True)[0].data
    assert tr.node("w").grad.rms == pytest.approx(np.sqrt(np.mean(reference ** 2)))
    assert tr.node(hidden).grad is not None
    assert not tr._hooked and not loss.grad_fn.hooks  # the side pass cleaned up after itself


def test_trace_after_backward_keeps_leaf_gradients_and_says_what_is_missing():
    rng = np.random.default_rng(3)
    loss, _, _, params = _mlp(rng)
    loss.backward()
    tr = viz.trace(loss, names=params)
    assert tr.node("v").grad is not None
    assert all(n.grad is None for n in tr.nodes if n.kind == "op")
    assert "after backward" in tr.notes[0]


def test_trace_rejects_non_tensors_and_unknown_modes():
    with pytest.raises(TypeError, match="expected a Tensor"):
        viz.trace(np.ones(3))
    with pytest.raises(ValueError, match="gradients must be"):
        viz.trace(ag.tensor([1.0], requires_grad=True).sum(), gradients="later")
    with pytest.raises(KeyError, match="not part of the traced graph"):
        viz.trace(ag.tensor([1.0], requires_grad=True).sum()).node(ag.tensor([2.0], requires_grad=True) * 2)


def test_values_are_recomputed_for_pure_nn_ops_but_never_for_dropout_or_batch_norm():
    nn = pytest.importorskip("nn")
    nn.manual_seed(4)
    norm = nn.BatchNorm1d(3)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), norm, nn.Dropout(0.5), nn.ReLU())
    x = ag.tensor(np.random.default_rng(4).standard_normal((8, 2)).astype(np.float32))
    pre = model(x)
    running = norm.running_mean.data.copy()
    state = nn.default_generator().bit_generator.state
    tr = viz.trace(pre.sum(), model)
    linear = tr.find("linear")[0]
    first = next(model.children())
    expected = x.data @ first.weight.data.T + first.bias.data
    assert linear.value is not None  # recomputed: tanh keeps only its output
    assert (linear.value.mean, linear.value.std) == pytest.approx((expected.mean(), expected.std()), rel=1e-5)
    np.testing.assert_array_equal(norm.running_mean.data, running)  # batch norm was not run again
    assert nn.default_generator().bit_generator.state == state  # dropout drew no new mask
    assert tr.find("dropout")[0].value is None  # honestly unknown: relu keeps only its own output
