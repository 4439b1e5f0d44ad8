"""Experiment 1: depth without a nonlinearity is still linear (two circles)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, evaluate, main_for, mlp, plt, print_table, save_figure, stream, train

import autograd as ag
import nn
import nn.functional as F
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Depth without a nonlinearity is still linear",
    claim=(
        "Stacking linear layers gives one linear map: without a nonlinear activation, depth adds no "
        "power; with tanh or ReLU the same net separates what a line cannot."
    ),
    source="Deep-learning lectures, on multilayer perceptrons: why activation functions are needed (cited by topic)",
    look_at={
        "decision_boundaries": (
            "The linear nets, one layer or four, draw a single straight boundary through the two circles;"
            " the tanh and ReLU nets wrap a closed curve around the inner circle."
        ),
    },
)

DEPTH, WIDTH = 4, 16


def best_line_accuracy(x: np.ndarray, y: np.ndarray, angles: int = 720) -> float:
    """The best training accuracy of any straight line x . u = c (exhaustive over directions and offsets)."""
    best = 0.0
    for angle in np.linspace(0, np.pi, angles, endpoint=False):
        projection = x @ np.array([np.cos(angle), np.sin(angle)])
        order = np.argsort(projection)
        labels = y[order]
        ones_left = np.concatenate([[0], np.cumsum(labels)])  # class-1 points at or below each cut
        left = np.arange(len(y) + 1)
        correct = (left - ones_left) + (labels.sum() - ones_left)  # class 0 below the cut, class 1 above
        best = max(best, correct.max() / len(y), (len(y) - correct.min()) / len(y))
    return float(best)


def run(quick: bool = False, out_dir: Path = Path("out/e01_linear_depth"), seed: int = 0) -> list:
    samples, steps = (400, 400) if quick else (1000, 1500)
    x, y = nn.data.two_circles(samples, noise=0.08, factor=0.5, seed=stream(seed, "data"))
    x = x.astype(np.float32)
    sizes = [2] + [WIDTH] * DEPTH + [2]
    models = {
        "one linear layer": mlp([2, 2], nn.Identity, generator=stream(seed, "one linear")),
        f"{DEPTH} linear layers": mlp(sizes, nn.Identity, generator=stream(seed, "deep linear")),
        f"{DEPTH} tanh layers": mlp(sizes, nn.Tanh, generator=stream(seed, "tanh")),
        f"{DEPTH} ReLU layers": mlp(sizes, nn.ReLU, generator=stream(seed, "relu")),
    }
    accuracy = {}
    for name, model in models.items():
        optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
        train(model, x, y, steps, optimizer, batch_size=64, seed=seed)
        accuracy[name] = evaluate(model, x, y)[0]
    best_line = best_line_accuracy(x.astype(np.float64), y)
    print_table(f"training accuracy on two circles ({samples} points, {steps} Adam steps)",
                ["model", "accuracy"], [[n, f"{100 * a:.1f}%"] for n, a in accuracy.items()]
                + [["best straight line (exhaustive search)", f"{100 * best_line:.1f}%"]])

    # the deep linear net is one affine map: collapse its layers into x A + c and compare
    deep = models[f"{DEPTH} linear layers"]
    linears = [m for m in deep if isinstance(m, nn.Linear)]
    product, offset = np.eye(2), np.zeros(2)
    for layer in linears:
        w, b = layer.weight.data.astype(np.float64), layer.bias.data.astype(np.float64)
        product, offset = product @ w.T, offset @ w.T + b
    with ag.no_grad():
        outputs = deep(ag.tensor(x)).data
    collapse_error = float(np.abs(outputs - (x @ product + offset)).max() / np.abs(outputs).max())
    print(f"\n{DEPTH} linear layers collapsed into one 2x2 matrix: max relative difference {collapse_error:.1e}")

    _plot_boundaries(models, accuracy, x, y, out_dir)
    linear_best = accuracy["one linear layer"]
    deep_linear = accuracy[f"{DEPTH} linear layers"]
    nonlinear = [accuracy[f"{DEPTH} tanh layers"], accuracy[f"{DEPTH} ReLU layers"]]
    return [
        claim("deep_linear_is_linear", f"{DEPTH} linear layers compute one affine map (the product of the layers)",
              f"max relative difference to the collapsed map {collapse_error:.1e}", collapse_error < 1e-4,
              collapse_error=collapse_error),
        claim("linear_fails", f"{DEPTH} linear layers cannot separate two circles: no better than one straight line",
              f"{100 * deep_linear:.1f}% vs one linear layer {100 * linear_best:.1f}%; the best straight line "
              f"scores {100 * best_line:.1f}% (half the points are in each circle)",
              max(deep_linear, linear_best) <= best_line + 0.005 and best_line < 0.8,
              deep_linear=deep_linear, one_linear=linear_best, best_line=best_line),
        claim("nonlinear_separates", "the same depth with tanh or ReLU reaches ~100%",
              f"tanh {100 * nonlinear[0]:.1f}%, ReLU {100 * nonlinear[1]:.1f}%", min(nonlinear) >= 0.97,
              tanh=nonlinear[0], relu=nonlinear[1]),
    ]


def _plot_boundaries(models: dict, accuracy: dict, x: np.ndarray, y: np.ndarray, out_dir: Path) -> None:
    grid = np.linspace(-1.5, 1.5, 200, dtype=np.float32)
    gx, gy = np.meshgrid(grid, grid)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    fig, axes = plt.subplots(1, len(models), figsize=(4 * len(models), 4))
    for ax, (name, model) in zip(axes, models.items()):
        with ag.no_grad():
            inner = F.softmax(model(ag.tensor(points)), axis=1).data[:, 1].reshape(gx.shape)
        low, high = float(inner.min()), max(float(inner.max()), float(inner.min()) + 1e-6)
        ax.contourf(gx, gy, inner, levels=np.linspace(low, high, 12), cmap="RdBu", alpha=0.35)  # per panel
        if inner.min() < 0.5 < inner.max():
            ax.contour(gx, gy, inner, levels=[0.5], colors="k", linewidths=1)
        ax.scatter(x[:, 0], x[:, 1], c=np.where(y == 1, "C0", "C1"), s=6)
        ax.set_title(f"{name}: {100 * accuracy[name]:.0f}%")
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("P(inner circle) after training, colour range per panel: a linear network's level sets are "
                 "parallel lines (black: the 0.5 boundary, where it lies in view)")
    save_figure(fig, out_dir, "decision_boundaries")


def main() -> None:
    main_for(run, "e01_linear_depth", __doc__)


if __name__ == "__main__":
    main()
