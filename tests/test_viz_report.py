"""viz plots, the HTML report and the progress bar."""
import io
import re

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import viz


@pytest.fixture(scope="module")
def trained():
    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    x = ag.tensor(rng.standard_normal((64, 2)).astype(np.float32))
    y = ag.tensor((x.data[:, 0] * x.data[:, 1] > 0).astype(np.int64))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    monitor = viz.Monitor(model, bins=20)
    for _ in range(6):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        monitor.step(loss)
    return model, x, y, monitor


def test_plots_draw_one_line_per_layer_and_write_files(trained, tmp_path):
    pytest.importorskip("matplotlib")
    model, _, _, monitor = trained
    figure = viz.plot_histograms(monitor, step=0, path=tmp_path / "hist.png")
    activations, gradients = figure.axes[:2]
    assert len(activations.lines) == 2 and len(gradients.lines) == 2  # the Tanh and the ReLU layer
    assert "saturated" in activations.lines[0].get_label() and "dead" in activations.lines[1].get_label()
    norms = viz.plot_grad_norms(monitor, path=tmp_path / "norms.svg")
    assert norms.axes[0].get_yscale() == "log" and len(norms.axes[0].lines) == 3  # the three Linear layers
    steps, values = norms.axes[0].lines[0].get_data()
    assert list(steps) == monitor.steps
    assert values[0] == pytest.approx(monitor.records[0].layer("0").parameter_grad_norm)
    viz.plot_dead_fraction(monitor, path=tmp_path / "dead.png")
    ratios = viz.plot_update_ratios(monitor, path=tmp_path / "ratios.png")
    assert any(line.get_label() == "guide 0.001" for line in ratios.axes[0].lines)
    bars = viz.plot_grad_flow(model, path=tmp_path / "flow.png")
    assert bars.axes[0].get_yscale() == "log"
    for name in ("hist.png", "dead.png", "ratios.png", "flow.png"):
        assert (tmp_path / name).read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "norms.svg").read_text().lstrip().startswith("<?xml")


def test_report_is_one_self_contained_page(trained, tmp_path):
    model, x, y, monitor = trained
    loss = F.cross_entropy(model(x), y)
    path = viz.report(tmp_path / "report.html", model=model, loss=loss, monitor=monitor, title="xor run")
    page = open(path, encoding="utf-8").read()
    assert page.count("<svg") == 2  # the layer view and the computation graph, inline
    assert "data:image/png;base64," in page and "<title>xor run</title>" in page
    assert not re.search(r"""(src|href)=["']?(https?:|//|file:)""", page)  # nothing fetched from elsewhere
    assert "<table>" in page and "update/data" in page and "Thresholds(" in page
    with pytest.raises(ValueError, match="at least one"):
        viz.report(tmp_path / "empty.html")


def test_report_refuses_a_huge_graph_with_a_note(tmp_path):
    x = ag.tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(60):
        y = ag.sin(y)
    page = open(viz.report(tmp_path / "r.html", loss=y.sum(), max_nodes=20), encoding="utf-8").read()
    assert "more than max_nodes=20" in page and "draw_model" in page


def test_progress_falls_back_to_plain_lines_without_tqdm():
    out = io.StringIO()
    bar = viz.progress(range(20), desc="train", file=out, use_tqdm=False)
    seen = []
    for step in bar:
        bar.set(loss=1.0 / (step + 1))
        seen.append(step)
    lines = out.getvalue().splitlines()
    assert seen == list(range(20))
    assert lines[0].startswith("train 1/20") and lines[-1].startswith("train 20/20") and "loss=0.05" in lines[-1]
    assert len(lines) <= 12
    silent = io.StringIO()
    assert list(viz.progress(total=3, file=silent, enabled=False)) == [0, 1, 2] and silent.getvalue() == ""


def test_progress_uses_tqdm_when_installed():
    pytest.importorskip("tqdm")
    out = io.StringIO()
    for _ in viz.progress(range(5), desc="fit", file=out):
        pass
    assert "fit" in out.getvalue() and "5/5" in out.getvalue()


def test_the_quick_start_in_docs_runs(tmp_path, monkeypatch):
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "viz.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    # 10 training steps instead of 100 keep the suite fast; everything else runs as written
    exec(compile(code.replace("range(100)", "range(10)").replace("step=99", "step=9"), "docs/viz.md", "exec"),
         namespace)
    assert {"graph.png", "layers.svg", "monitor.csv", "report.html"} <= {p.name for p in tmp_path.iterdir()}
    assert namespace["monitor"].steps == list(range(10))
