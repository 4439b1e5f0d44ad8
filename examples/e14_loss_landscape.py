"""Experiment 14: the loss landscape along one and two random directions around a trained network
(directions normalized per unit, as in Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets")."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, train

import autograd as ag
import nn
import nn.functional as F
from gradsight.claims import Lecture
from nn.utils import parameters_to_vector, vector_to_parameters

LECTURE = Lecture(
    title="The loss landscape: convex for a linear model, not for a network",
    claim=(
        "Along a line through weight space the loss of a linear model is convex, while the loss of a "
        "neural network is not."
    ),
    source="CENG501, week 5 (loss landscapes); directions normalized per unit as in Li et al. 2018",
    look_at={
        "loss_landscape": "The loss along random lines and in a random plane through the trained weights.",
    },
)

DIRECTIONS_1D = 3


def unit_normalized_direction(model, generator: np.random.Generator) -> np.ndarray:
    """A Gaussian direction whose every unit's incoming weights have that unit's weight norm; biases 0."""
    parts = []
    for name, p in model.named_parameters():
        if name.endswith("weight"):
            d = generator.standard_normal(p.shape)
            d *= np.linalg.norm(p.data, axis=1, keepdims=True) / np.linalg.norm(d, axis=1, keepdims=True)
        else:
            d = np.zeros(p.shape)
        parts.append(d.ravel())
    return np.concatenate(parts)


def loss_at(model, theta: np.ndarray, x, y) -> float:
    vector_to_parameters(theta.astype(np.float32), model.parameters())
    with ag.no_grad():
        return F.cross_entropy(model(x), y).item()


def run(quick: bool = False, out_dir: Path = Path("out/e14_loss_landscape")) -> list:
    steps, points, grid_points = (300, 21, 11) if quick else (1000, 41, 25)
    x_train, x_test, y_train, y_test = digits(seed=0)
    model = mlp([64, 64, 64, 10], nn.ReLU, generator=1)
    train(model, x_train, y_train, steps, nn.optim.Adam(model.parameters(), lr=1e-3), batch_size=64)
    accuracy, trained_loss = evaluate(model, x_train, y_train)
    print(f"trained {steps} Adam steps: training loss {trained_loss:.4f}, training accuracy {100 * accuracy:.1f}%, "
          f"test accuracy {100 * evaluate(model, x_test, y_test)[0]:.1f}%")

    theta = parameters_to_vector(model.parameters()).astype(np.float64)
    x, y = ag.tensor(x_train), ag.tensor(y_train)
    generator = np.random.default_rng(7)
    alphas = np.linspace(-1, 1, points)
    curves = []
    for _ in range(DIRECTIONS_1D):
        d = unit_normalized_direction(model, generator)
        curves.append(np.array([loss_at(model, theta + a * d, x, y) for a in alphas]))
    d1, d2 = unit_normalized_direction(model, generator), unit_normalized_direction(model, generator)
    grid = np.linspace(-1, 1, grid_points)
    surface = np.array([[loss_at(model, theta + a * d1 + b * d2, x, y) for a in grid] for b in grid])
    vector_to_parameters(theta.astype(np.float32), model.parameters())  # leave the trained model as it was

    center = points // 2
    shown = [i for i in range(points) if i % max(points // 10, 1) == 0 or i == center]
    rows = [[f"{alphas[i]:+.2f}"] + [f"{c[i]:.4f}" for c in curves] for i in shown]
    print_table("training loss at theta + alpha * d for random unit-normalized directions d",
                ["alpha", *[f"direction {k + 1}" for k in range(DIRECTIONS_1D)]], rows)
    _plot(alphas, curves, grid, surface, out_dir)

    minimum_1d = all(int(np.argmin(c)) == center for c in curves)
    rise = min(min(c[0], c[-1]) / c[center] for c in curves)
    gc = grid_points // 2
    corners = [surface[0, 0], surface[0, -1], surface[-1, 0], surface[-1, -1]]
    return [
        claim("minimum_along_lines", "the trained network sits at the bottom of the loss along random directions",
              f"lowest point at alpha = 0 on {sum(int(np.argmin(c)) == center for c in curves)} of {DIRECTIONS_1D} "
              f"lines; loss at alpha = +-1 is at least {rise:.0f}x the trained loss {curves[0][center]:.4f}",
              minimum_1d and rise > 2, rise=rise, center_loss=curves[0][center]),
        claim("basin_2d", "in a random plane the landscape is a basin around it",
              f"grid minimum at the centre: {np.unravel_index(np.argmin(surface), surface.shape) == (gc, gc)}; "
              f"loss centre {surface[gc, gc]:.4f}, corners {min(corners):.2f}..{max(corners):.2f}",
              np.unravel_index(np.argmin(surface), surface.shape) == (gc, gc) and min(corners) > 2 * surface[gc, gc],
              center=surface[gc, gc], corners=corners),
    ]


def _plot(alphas, curves, grid, surface, out_dir: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5))
    for k, curve in enumerate(curves):
        left.plot(alphas, curve, label=f"direction {k + 1}")
    left.set_yscale("log")
    left.set_xlabel("alpha (step along a unit-normalized random direction)")
    left.set_ylabel("training loss (log)")
    left.set_title("1-D: loss along random lines through the trained weights")
    left.legend(fontsize=8)
    a, b = np.meshgrid(grid, grid)
    levels = np.quantile(np.log10(surface), np.linspace(0, 1, 16))
    filled = right.contourf(a, b, np.log10(surface), levels=levels, cmap="viridis")
    right.contour(a, b, np.log10(surface), levels=levels, colors="k", linewidths=0.3)
    right.plot(0, 0, "r*", ms=12, label="trained weights")
    fig.colorbar(filled, ax=right, label="log10 training loss")
    right.set_xlabel("alpha (direction 1)")
    right.set_ylabel("beta (direction 2)")
    right.set_title("2-D: loss in a random plane")
    right.legend(fontsize=8)
    save_figure(fig, out_dir, "loss_landscape")


def main() -> None:
    main_for(run, "e14_loss_landscape", __doc__)


if __name__ == "__main__":
    main()
