"""viz.Monitor and the layer view: records checked against hand computations, then drawn."""
import csv
import json

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import viz


def _setup(seed=0, width=16, depth=2, activation=nn.ReLU):
    nn.manual_seed(seed)
    rng = np.random.default_rng(seed)
    layers, size = [], 4
    for _ in range(depth):
        layers += [nn.Linear(size, width), activation()]
        size = width
    model = nn.Sequential(*layers, nn.Linear(size, 1))
    x = ag.tensor(rng.standard_normal((32, 4)).astype(np.float32))
    y = ag.tensor(rng.standard_normal((32, 1)).astype(np.float32))
    return model, x, y


def _train(model, x, y, monitor, steps, lr=0.05):
    optimizer = nn.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        out = model(x)
        loss = F.mse_loss(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        monitor.step(loss)
    return out


def test_records_match_hand_computations():
    model, x, y = _setup()
    monitor = viz.Monitor(model)
    first, last = list(model.children())[0], list(model.children())[-1]
    w_before = last.weight.data.copy()
    hidden = np.maximum(x.data @ first.weight.data.T + first.bias.data, 0)  # the first ReLU's output
    out = _train(model, x, y, monitor, steps=1, lr=0.05)
    record = monitor.record()
    assert record.step == 0 and [layer.name for layer in record.layers] == ["0", "1", "2", "3", "4"]
    head = record.layer("4")
    # d mean((out - y)²) / d out = 2 (out - y) / N
    expected = 2 * (out.data - y.data) / out.data.size
    assert head.output_grad.norm == pytest.approx(np.linalg.norm(expected), rel=1e-5)
    weight = head.main_parameter
    assert weight.name == "4.weight"
    grad = last.weight.grad.data
    assert weight.grad.norm == pytest.approx(np.linalg.norm(grad), rel=1e-6)
    # SGD: ΔW = -lr·g, so the update-to-data ratio is lr·‖g‖/‖W_before‖
    assert weight.update_ratio == pytest.approx(0.05 * np.linalg.norm(grad) / np.linalg.norm(w_before), rel=1e-4)
    relu = record.layer("1")
    assert relu.shape == (32, 16) and relu.kind == "ReLU"
    assert relu.activation.dead_fraction == pytest.approx(np.mean(np.all(hidden == 0, axis=0)))
    assert relu.value.positive_fraction == pytest.approx(np.mean(hidden > 0))
    assert relu.value.std == pytest.approx(hidden.std(), rel=1e-5)
    assert record.loss == pytest.approx(float(np.mean((out.data - y.data) ** 2)), rel=1e-6)


def test_dead_units_are_recorded_and_drawn():
    model, x, y = _setup(seed=1)
    list(model.children())[0].bias.data[:] = -100.0
    monitor = viz.Monitor(model)
    _train(model, x, y, monitor, steps=2)
    layer = monitor.record().layer("1")
    assert layer.activation.dead_fraction == 1.0 and "dead 100%" in layer.flags
    assert monitor.history("dead_fraction")["1"] == ([0, 1], [1.0, 1.0])
    source = monitor.draw().source
    assert "dead 100%" in source and "update/data" in source and "step 1" in source


def test_every_paused_disabled_and_no_grad_passes_record_nothing_extra():
    model, x, y = _setup(seed=2)
    monitor = viz.Monitor(model, every=2)
    _train(model, x, y, monitor, steps=5)
    assert monitor.steps == [0, 2, 4]
    with monitor.paused():
        _train(model, x, y, monitor, steps=2)  # steps 5 and 6: 6 would be recorded, but paused
    assert monitor.steps == [0, 2, 4]
    with ag.no_grad():
        model(x)  # an evaluation pass
    assert monitor._current == {}
    monitor.enabled = False
    _train(model, x, y, monitor, steps=2)
    assert monitor.steps == [0, 2, 4]
    monitor.enabled = True
    monitor.remove()
    _train(model, x, y, monitor, steps=2)
    assert monitor.steps == [0, 2, 4]  # unhooked: nothing reaches the monitor any more
    with pytest.raises(KeyError, match="recorded steps"):
        monitor.record(3)


def test_a_module_called_twice_gets_two_records():
    nn.manual_seed(3)
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared)
    monitor = viz.Monitor(model)
    x = ag.tensor(np.ones((2, 3), np.float32))
    loss = model(model(x)).sum()
    loss.backward()
    record = monitor.step(loss)
    assert [layer.name for layer in record.layers] == ["0", "0#2"]
    assert record.layers[0].output_grad is not None and record.layers[1].output_grad is not None


def test_export_to_jsonl_and_csv(tmp_path):
    model, x, y = _setup(seed=4)
    monitor = viz.Monitor(model)
    _train(model, x, y, monitor, steps=3)
    rows = [json.loads(line) for line in open(monitor.to_jsonl(tmp_path / "r.jsonl", histograms=True))]
    assert len(rows) == 3 * 5 and rows[0]["step"] == 0 and rows[-1]["layer"] == "4"
    assert rows[1]["activation"]["dead_fraction"] == monitor.records[0].layers[1].activation.dead_fraction
    assert sum(rows[0]["activation_histogram"]["counts"]) == 32 * 16
    with open(monitor.to_csv(tmp_path / "r.csv"), newline="") as file:
        table = list(csv.DictReader(file))
    assert len(table) == 15 and table[4]["weight"] == "4.weight"
    assert float(table[4]["update_ratio"]) == pytest.approx(monitor.records[0].layers[4].main_parameter.update_ratio)


def test_layer_view_of_a_50_layer_net_fits_in_rows_and_collapses():
    model, x, y = _setup(seed=5, width=8, depth=49)
    monitor = viz.Monitor(model, histograms=False)
    _train(model, x, y, monitor, steps=1)
    graph = monitor.draw()
    boxes = [line for line in graph.source.splitlines() if line.strip().startswith("L")
             and "[label=" in line]
    assert len(boxes) == 50  # each Linear with its ReLU, then the output layer
    assert boxes[0].strip().startswith('L0 [label="1. [0]  Linear → ReLU  (32, 8)')
    assert graph.source.count("rank=same") == 8  # 50 boxes in rows of 7
    collapsed = viz.draw_model(monitor, collapse=True).source
    assert collapsed.count("[label=") < 50 and "× Linear → ReLU" in collapsed


def test_layer_view_from_model_and_loss_flags_vanishing_and_leaves_grad_alone():
    model, x, y = _setup(seed=6, width=8, depth=8, activation=nn.Sigmoid)
    loss = F.mse_loss(model(x), y)
    graph = viz.draw_model(model, loss)
    assert all(p.grad is None for p in model.parameters())
    first = next(line for line in graph.source.splitlines() if line.strip().startswith("L0 "))
    last = next(line for line in graph.source.splitlines() if line.strip().startswith("L8 "))
    assert "vanishing" in first and "vanishing" not in last and "Linear → Sigmoid" in first
    with pytest.raises(TypeError, match="pass the loss"):
        viz.draw_model(model)


def test_layer_view_from_a_trace_made_before_backward_and_gradient_histograms_are_log_magnitudes():
    model, x, y = _setup(seed=7)
    monitor = viz.Monitor(model, bins=30)
    loss = F.mse_loss(model(x), y)
    traced = viz.trace(loss, model)
    loss.backward()
    record = monitor.step(loss)
    from_trace = viz.draw_model(model, traced).source
    from_monitor = monitor.draw().source
    for source in (from_trace, from_monitor):
        assert "1. [0]  Linear → ReLU  (32, 16)" in source and "‖∂weight‖" in source
    head = record.layer("4")
    counts, edges = head.gradient_histogram
    assert counts.sum() == 32 and edges[-1] == pytest.approx(np.log10(head.output_grad.max_abs))
