"""viz.draw_graph on networks with a known pathology: the trace and the DOT source must flag it."""
import shutil

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import viz
from viz.style import EXPLODING, NON_FINITE, UNHEALTHY_BORDER, deep_colour


def statement(graph, node_id: str) -> str:
    """The DOT statement that declares one node (its label and style)."""
    lines = [line for line in graph.source.splitlines() if line.strip().startswith(f"{node_id} [")]
    assert len(lines) == 1, f"node {node_id} not declared once in the DOT source"
    return lines[0]


def _data(rng, n=64, features=8):
    return ag.tensor(rng.standard_normal((n, features)).astype(np.float32))


def test_deep_sigmoid_net_marks_the_first_layer_vanishing():
    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    layers = []
    for _ in range(8):
        layers += [nn.Linear(8, 8), nn.Sigmoid()]
    model = nn.Sequential(*layers, nn.Linear(8, 1))
    x, y = _data(rng), ag.tensor(rng.standard_normal((64, 1)).astype(np.float32))
    loss = F.mse_loss(model(x), y)
    tr = viz.trace(loss, model=model)
    loss.backward()

    first, last = tr.node("0.weight"), tr.node("16.weight")
    assert first.grad.rms < 1e-3 * last.grad.rms  # orders of magnitude apart
    assert "vanishing" in first.flags and "vanishing" not in last.flags
    graph = viz.draw_graph(tr)
    first_line, last_line = statement(graph, first.id), statement(graph, last.id)
    assert "0.weight" in first_line and "vanishing" in first_line
    # 2.8e-9 of the largest: two shades below the threshold's blue (one per 3 decades)
    assert f'fillcolor="{deep_colour(first.grad_ratio, 1e-3)}"' in first_line and "dashed" in first_line
    assert "vanishing" not in last_line and "16.weight" in last_line
    assert "legend [label=<" in graph.source and "vanishing &lt; 0.001 × largest" in graph.source


def test_relu_layer_with_large_negative_bias_shows_all_units_dead():
    nn.manual_seed(1)
    rng = np.random.default_rng(1)
    hidden = nn.Linear(8, 32)
    hidden.bias.data[:] = -100.0
    model = nn.Sequential(hidden, nn.ReLU(), nn.Linear(32, 1))
    loss = F.mse_loss(model(_data(rng)), ag.tensor(np.zeros((64, 1), np.float32)))
    tr = viz.trace(loss, model=model)
    relu = tr.find("relu")[0]
    assert relu.activation.dead_fraction == 1.0
    assert "dead 100%" in relu.flags
    line = statement(viz.draw_graph(tr), relu.id)
    assert "dead 100%" in line and f'color="{UNHEALTHY_BORDER["color"]}"' in line


def test_tanh_layer_fed_huge_weights_is_saturated():
    nn.manual_seed(2)
    rng = np.random.default_rng(2)
    hidden = nn.Linear(8, 32)
    hidden.weight.data *= 100.0
    model = nn.Sequential(hidden, nn.Tanh(), nn.Linear(32, 1))
    loss = F.mse_loss(model(_data(rng)), ag.tensor(np.zeros((64, 1), np.float32)))
    tr = viz.trace(loss, model=model)
    loss.backward()
    tanh = tr.find("tanh")[0]
    assert tanh.activation.saturated_fraction > 0.9
    word = next(flag for flag in tanh.flags if flag.startswith("saturated"))
    line = statement(viz.draw_graph(tr), tanh.id)
    assert word in line and f'color="{UNHEALTHY_BORDER["color"]}"' in line
    # the same layer in the same net with small weights is healthy
    hidden.weight.data /= 100.0
    calm = viz.trace(F.mse_loss(model(_data(rng)), ag.tensor(np.zeros((64, 1), np.float32))), model=model)
    assert calm.find("tanh")[0].activation.saturated_fraction < 0.1 and not calm.find("tanh")[0].flags


def test_nan_from_log_of_zero_is_marked_where_it_starts():
    nn.manual_seed(3)
    layer = nn.Linear(2, 2)
    layer.bias.data[:] = -1000.0  # sigmoid gives exactly 0, log(0) = -Inf, its backward 1/0 = Inf
    x = ag.tensor(np.ones((4, 2), np.float32))
    prob = ag.sigmoid(layer(x))
    with np.errstate(divide="ignore"):
        log_prob = ag.log(prob)
    loss = -log_prob.mean()
    tr = viz.trace(loss, names=dict(layer.named_parameters()))
    with np.errstate(all="ignore"):
        loss.backward()
    log_node, sigmoid_node, weight = tr.node(log_prob), tr.node(prob), tr.node("weight")
    assert "value Inf" in log_node.flags and "Inf starts here" in log_node.flags
    assert "backward makes NaN" in sigmoid_node.flags  # Inf * sigmoid'(…) = Inf * 0
    assert weight.grad.nan_count == weight.grad.size and "NaN" in weight.flags
    graph = viz.draw_graph(tr)
    assert "NaN" in statement(graph, weight.id) and f'fillcolor="{NON_FINITE["fillcolor"]}"' in statement(
        graph, weight.id)
    assert "Inf starts here" in statement(graph, log_node.id)


def test_exploding_gradients_are_marked():
    x = ag.tensor(np.ones((4, 8)))
    weights = {f"w{i}": ag.tensor(np.eye(8) * 4.0, requires_grad=True) for i in range(6)}
    h = x
    for w in weights.values():
        h = h @ w
    loss = h.mean()
    tr = viz.trace(loss, names=weights)
    loss.backward()
    assert tr.node("w0").grad.rms > 100 and "exploding" in tr.node("w0").flags
    assert f'fillcolor="{EXPLODING["fillcolor"]}"' in statement(viz.draw_graph(tr), tr.node("w0").id)


def test_before_backward_the_graph_shows_shapes_and_values_but_no_gradient_colours():
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 1))
    loss = model(_data(rng)).mean()
    graph = viz.draw_graph(loss, model)
    assert "no gradients yet" in graph.source
    relu = statement(graph, viz.trace(loss, model).find("relu")[0].id)
    assert "(64, 4)" in relu and "μ" in relu and "dead" in relu and 'fillcolor=white' in relu
    assert "grad rms" not in graph.source
    # the same call with gradients="compute" colours it and leaves .grad alone
    coloured = viz.draw_graph(loss, model, gradients="compute")
    assert "grad rms" in coloured.source and all(p.grad is None for p in model.parameters())


def test_large_graphs_are_refused_with_a_pointer_to_the_layer_view():
    x = ag.tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(300):
        y = ag.tanh(y)
    with pytest.raises(viz.GraphTooLargeError, match="draw_model"):
        viz.draw_graph(y.sum(), max_nodes=100)
    assert viz.draw_graph(y.sum(), max_nodes=None).source.count('[label="tanh') == 300


def test_the_legend_is_in_the_docstring():
    doc = viz.draw_graph.__doc__
    for word in ("vanishing", "exploding", "NaN", "dead", "saturated", "log scale"):
        assert word in doc


@pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz (dot) is not installed")
def test_renders_to_png_and_svg(tmp_path):
    rng = np.random.default_rng(5)
    model = nn.Sequential(nn.Linear(8, 4), nn.Tanh(), nn.Linear(4, 1))
    loss = model(_data(rng)).mean()
    tr = viz.trace(loss, model)
    loss.backward()
    graph = viz.draw_graph(tr)
    assert graph.pipe(format="png")[:8] == b"\x89PNG\r\n\x1a\n"
    path = graph.render(tmp_path / "graph", format="svg")
    assert "0.weight" in open(path, encoding="utf-8").read()
