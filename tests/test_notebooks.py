"""The notebooks run in a real Jupyter kernel and show their pictures; every viz object and plot left
as a cell's last expression displays as an image or rich HTML, with no %matplotlib magic."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("notebook_runner", ROOT / "notebooks" / "run.py")
runner = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(runner)
PICTURES = {"image/png", "image/svg+xml", "text/html"}


def pictures(cell) -> set[str]:
    return {kind for output in cell.get("outputs", []) for kind in output.get("data", {})} & PICTURES


def errors(book) -> list[str]:
    return [f"{output.ename}: {output.evalue}" for cell in book.cells if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.output_type == "error"]


def test_there_are_the_four_teaching_notebooks():
    names = [path.stem for path in runner.notebooks()]
    for topic in ("autograd_from_scratch", "seeing_gradient_flow", "verifying_gradients", "lecture_experiments"):
        assert any(topic in name for name in names), (topic, names)


@pytest.mark.parametrize("path", runner.notebooks(), ids=lambda path: path.stem)
def test_notebook_runs_and_its_committed_copy_shows_the_pictures(path):
    committed = nbformat.read(path, as_version=4)
    for cell in committed.cells:  # a reader on the web sees outputs without running anything
        if "viz-object" in cell.get("metadata", {}).get("tags", []):
            assert pictures(cell), f"{path.name}: committed without the picture of {cell.source!r}"
    book = runner.execute(path)
    assert not errors(book), errors(book)
    for cell in book.cells:
        if "viz-object" in cell.get("metadata", {}).get("tags", []):
            assert pictures(cell), f"{path.name}: {cell.source!r} displayed no picture"


LEARNER_SETUP = """
import numpy as np
import autograd as ag, nn, nn.functional as F, viz
nn.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 3))
x = ag.tensor(np.random.default_rng(0).standard_normal((32, 8)).astype(np.float32))
y = ag.tensor(np.arange(32) % 3)
monitor = viz.Monitor(model)
optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    loss = F.cross_entropy(model(x), y)
    optimizer.zero_grad(); loss.backward(); optimizer.step(); monitor.step(loss)
loss = F.cross_entropy(model(x), y)
tr = viz.trace(loss, model=model)
loss.backward()
"""
EXPRESSIONS = ["tr", "monitor", "viz.draw_graph(tr)", "viz.draw_model(monitor)", "monitor.draw()",
               "monitor.plot_histograms()", "monitor.plot_grad_norms()", "monitor.plot_dead_fraction()",
               "monitor.plot_update_ratios()", "viz.plot_grad_flow(model)", "viz.plot_grad_flow(tr)",
               "viz.plot_histograms(monitor)", "viz.plot_grad_norms(monitor, outputs=True)"]


def test_a_learners_notebook_shows_every_viz_object_as_a_picture(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook

    book = new_notebook(cells=[new_code_cell(LEARNER_SETUP)] + [new_code_cell(text) for text in EXPRESSIONS])
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "learner.ipynb"
    nbformat.write(book, path)
    book = runner.execute(path)
    assert not errors(book), errors(book)
    for cell in book.cells[1:]:
        assert pictures(cell), f"{cell.source!r} shows only {[o.get('data', {}).keys() for o in cell.outputs]}"
