"""What a learner sees: the legend explains every shade and border, dead units are told apart from
vanishing gradients, titles count what is drawn, reports group problems, notebooks show pictures."""
import ast
import re
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import viz
from viz.health import DEFAULT_THRESHOLDS
from viz.style import deep_colour, legend_label, scale_steps

VIZ = Path(viz.__file__).parent


def dead_relu_net():
    """A net whose middle ReLU is 100% dead: everything before it gets exactly zero gradient."""
    nn.manual_seed(0)
    middle = nn.Linear(8, 8)
    middle.bias.data[:] = -100.0
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), middle, nn.ReLU(), nn.Linear(8, 1))
    x = ag.tensor(np.random.default_rng(0).standard_normal((16, 4)).astype(np.float32))
    return model, F.mse_loss(model(x), ag.tensor(np.ones((16, 1), np.float32)))


def test_legend_names_every_decade_and_border():
    label = legend_label(DEFAULT_THRESHOLDS, "reference")
    for text in ("1e-1", "1e-2", "1e-3", "1e-6", "1e-9", "1e-12", "≤1e-15", "no gradient: all exactly 0",
                 "double border", "dashed grey border", "exploding", "NaN / Inf", "purple border"):
        assert text in label, text
    fills = [fill for _, fill in scale_steps(DEFAULT_THRESHOLDS)]
    assert len(set(fills)) == len(fills)  # every step of the scale is its own shade
    assert all(fill in label for fill in fills)


def test_far_below_the_threshold_looks_different():
    assert deep_colour(1e-6, 1e-3) != deep_colour(1e-21, 1e-3)
    assert deep_colour(2e-4, 1e-3) != deep_colour(1e-8, 1e-3) != deep_colour(1e-21, 1e-3)


def test_exactly_zero_gradients_are_no_gradient_not_vanishing():
    model, loss = dead_relu_net()
    traced = viz.trace(loss, model=model)
    loss.backward()
    first = traced.node("0.weight")
    assert first.grad.rms == 0
    assert "no gradient" in first.flags and "vanishing" not in first.flags
    source = viz.draw_graph(traced).source
    assert "no gradient" in source


def test_layer_view_title_counts_the_boxes_it_draws():
    nn.manual_seed(0)
    layers = []
    for _ in range(10):
        layers += [nn.Linear(8, 8), nn.ReLU()]
    model = nn.Sequential(*layers[:-1])
    loss = model(ag.tensor(np.ones((4, 8), np.float32))).sum()
    graph = viz.draw_model(model, loss)
    title = re.search(r'label="layer view[^"]*"', graph.source).group(0)
    boxes = len(re.findall(r"^\s*L\d+ \[", graph.source, flags=re.M))
    assert boxes == 10 and "10 boxes for 19 layers" in title, title


def test_report_groups_repeated_problems(tmp_path):
    nn.manual_seed(0)
    layers = []
    for _ in range(30):
        linear = nn.Linear(8, 8)
        linear.bias.data[:] = -50.0
        layers += [linear, nn.ReLU()]
    model = nn.Sequential(*layers)
    loss = model(ag.tensor(np.ones((4, 8), np.float32))).sum()
    page = Path(viz.report(tmp_path / "r.html", model=model, loss=loss)).read_text()
    problems = page.split("<h2>Problems</h2>")[1].split("<h2>")[0]
    bullets = problems.count("<li>")
    assert 1 <= bullets <= 4, problems
    assert "30 Linear layers" in problems and "29 ReLU layers" in problems and "dead 100%" in problems


def test_plotting_and_drawing_modules_do_not_import_the_monitor():
    for name in ("plots.py", "render_model.py", "render_graph.py", "report.py", "records.py", "style.py"):
        tree = ast.parse((VIZ / name).read_text())
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "monitor" not in imported, name


def test_figures_traces_and_monitors_have_rich_displays():
    pytest.importorskip("matplotlib")
    model, loss = dead_relu_net()
    traced = viz.trace(loss, model=model)
    monitor = viz.Monitor(model)
    loss = F.mse_loss(model(ag.tensor(np.ones((16, 4), np.float32))), ag.tensor(np.ones((16, 1), np.float32)))
    loss.backward()
    monitor.step(loss)
    for figure in (monitor.plot_histograms(), monitor.plot_grad_norms(), monitor.plot_dead_fraction(),
                   monitor.plot_update_ratios(), viz.plot_grad_flow(model)):
        assert figure._repr_png_().startswith(b"\x89PNG")
    assert "<svg" in monitor._repr_html_() and "dead 100%" in monitor._repr_html_()
    html = traced._repr_html_()
    assert "<svg" in html and "Trace" in html
