"""Write the viz example pictures: `python -m viz.demo [OUT_DIR]` (default: viz-demo/).

  pathologies.png/.svg  the computation graph of a small net with three known problems: a tanh
                        layer fed huge weights (saturated), a ReLU layer with a large negative
                        bias (dead 100%), and the exactly-zero gradients upstream of it
  log_zero.png          a NaN introduced by log(0), marked where it starts
  layer_view.png/.svg   the layer view of a 50-layer ReLU MLP (PyTorch's default init) after 20 steps
  histograms.png, grad_norms.png, dead_fraction.png, update_ratios.png   the Monitor's plots
  report.html           all of it on one self-contained page
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import autograd as ag

if TYPE_CHECKING:
    from nn import Module

    from .monitor import Monitor


def pathologies() -> tuple[Module, ag.Tensor]:
    """A net whose picture must show 'saturated', 'dead 100%' and 'no gradient'."""
    import nn
    import nn.functional as F

    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    first, second = nn.Linear(4, 8), nn.Linear(8, 8)
    first.weight.data *= 50.0  # tanh of huge pre-activations: saturated
    second.bias.data[:] = -20.0  # every pre-activation negative: every ReLU unit dead
    model = nn.Sequential(first, nn.Tanh(), second, nn.ReLU(), nn.Linear(8, 1))
    x = ag.tensor(rng.standard_normal((32, 4)).astype(np.float32))
    y = ag.tensor(rng.standard_normal((32, 1)).astype(np.float32))
    loss = F.mse_loss(model(x), y)
    return model, loss


def log_zero() -> tuple[dict[str, ag.Tensor], ag.Tensor]:
    """sigmoid(-1000) is exactly 0, log(0) = -Inf, and backward turns it into NaN."""
    w = ag.tensor(np.array([[1.0, -2.0], [0.5, 1.0]], np.float32), requires_grad=True)
    b = ag.tensor(np.array([-1000.0, 0.0], np.float32), requires_grad=True)
    x = ag.tensor(np.ones((3, 2), np.float32))
    with np.errstate(divide="ignore"):
        loss = -ag.log(ag.sigmoid(x @ w + b)).mean()
    return {"w": w, "b": b}, loss


def deep_mlp(depth: int = 50, steps: int = 20) -> tuple[Module, Monitor]:
    """A 50-layer ReLU MLP trained for a few steps under a Monitor."""
    import nn
    import nn.functional as F

    from .monitor import Monitor
    from .progress import progress

    nn.manual_seed(0)
    rng = np.random.default_rng(0)
    layers, size = [], 16
    for _ in range(depth - 1):
        layers += [nn.Linear(size, 64), nn.ReLU()]
        size = 64
    model = nn.Sequential(*layers, nn.Linear(size, 4))
    x = ag.tensor(rng.standard_normal((128, 16)).astype(np.float32))
    y = ag.tensor(rng.integers(0, 4, 128))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    monitor = Monitor(model)
    bar = progress(range(steps), desc="50-layer MLP")
    for _ in bar:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        monitor.step(loss)
        bar.set(loss=loss.item())
    return model, monitor


def main(out: str = "viz-demo") -> None:
    """Write every example picture, the plots and the report into the folder `out`."""
    from . import plots
    from .render_graph import draw_graph
    from .render_model import draw_model
    from .report import report
    from .trace import trace

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    model, loss = pathologies()
    traced = trace(loss, model)
    loss.backward()
    graph = draw_graph(traced, title="a saturated tanh, dead ReLUs, and no gradient behind them")
    for fmt in ("png", "svg"):
        graph.render(folder / "pathologies", format=fmt, cleanup=True)
    names, loss = log_zero()
    traced_nan = trace(loss, names=names)
    with np.errstate(all="ignore"):
        loss.backward()
    draw_graph(traced_nan, title="NaN from log(0)").render(folder / "log_zero", format="png", cleanup=True)

    deep, monitor = deep_mlp()
    view = draw_model(monitor, title="50-layer ReLU MLP, PyTorch's default init")
    for fmt in ("png", "svg"):
        view.render(folder / "layer_view", format=fmt, cleanup=True)
    plots.plot_histograms(monitor, step=0, path=folder / "histograms.png")
    plots.plot_grad_norms(monitor, path=folder / "grad_norms.png")
    plots.plot_dead_fraction(monitor, path=folder / "dead_fraction.png")
    plots.plot_update_ratios(monitor, path=folder / "update_ratios.png")
    report(folder / "report.html", monitor=monitor, title="50-layer MLP: gradsight report")
    print("\n".join(f"wrote {path}" for path in sorted(folder.iterdir())))


if __name__ == "__main__":
    main(*sys.argv[1:2])
