"""Experiment 14: the loss along random lines through the weights: convex for a linear (softmax) model,
not convex for a multi-layer network (second differences along the line), and the landscape around a
trained network in a random plane (directions normalized per unit, as in Li et al. 2018)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, stream, train

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
    vector_to_parameters(theta, model.parameters())
    with ag.no_grad():
        return F.cross_entropy(model(x), y).item()


def line_curvature(model, x, y, generator, lines: int, points: int) -> dict:
    """Loss along `lines` random lines through the model's weights; the smallest second difference
    f(a-h) - 2 f(a) + f(a+h) relative to the loss's range (< 0: not convex there), and the curves."""
    theta = parameters_to_vector(model.parameters())
    alphas = np.linspace(-1, 1, points)
    curves = []
    for _ in range(lines):
        d = unit_normalized_direction(model, generator)
        curves.append(np.array([loss_at(model, theta + a * d, x, y) for a in alphas]))
    vector_to_parameters(theta, model.parameters())  # leave the model as it was
    second = [np.diff(c, 2) / (c.max() - c.min()) for c in curves]
    return {"alphas": alphas, "curves": curves, "smallest": float(min(s.min() for s in second)),
            "negative_lines": sum(bool((s < -1e-6).any()) for s in second), "theta": theta}


def permutation_line(model, x, y, generator, points: int) -> dict:
    """The loss on the line from the weights to the same network with its first hidden layer's units permuted
    (the same function, so the same loss at alpha = 0 and 1), and its smallest relative second difference."""
    theta = parameters_to_vector(model.parameters())
    order = generator.permutation(model[0].weight.shape[0])
    model[0].weight.data[...] = model[0].weight.data[order]
    model[0].bias.data[...] = model[0].bias.data[order]
    model[2].weight.data[...] = model[2].weight.data[:, order]
    permuted = parameters_to_vector(model.parameters())
    alphas = np.linspace(-0.5, 1.5, points)
    curve = np.array([loss_at(model, theta + a * (permuted - theta), x, y) for a in alphas])
    vector_to_parameters(theta, model.parameters())
    smallest = float((np.diff(curve, 2) / (curve.max() - curve.min())).min())
    return {"alphas": alphas, "curve": curve, "smallest": smallest,
            "ends": [float(curve[np.argmin(np.abs(alphas))]), float(curve[np.argmin(np.abs(alphas - 1))])],
            "middle": float(curve[np.argmin(np.abs(alphas - 0.5))])}


def run(quick: bool = False, out_dir: Path = Path("out/e14_loss_landscape"), seed: int = 0) -> list:
    steps, points, grid_points, lines = (300, 41, 11, 4) if quick else (1000, 81, 25, 8)
    x_train, x_test, y_train, y_test = (a.astype(np.float64) if a.dtype == np.float32 else a
                                        for a in digits(seed=seed))
    previous = ag.get_default_dtype()
    ag.set_default_dtype(np.float64)  # second differences need more digits than float32 keeps
    try:
        models = {"linear (softmax regression)": mlp([64, 10], nn.Identity, generator=stream(seed, "linear")),
                  "MLP 64-64-64-10, ReLU": mlp([64, 64, 64, 10], nn.ReLU, generator=stream(seed, "net"))}
        for name, model in models.items():
            train(model, x_train, y_train, steps, nn.optim.Adam(model.parameters(), lr=1e-3), batch_size=64,
                  seed=seed)
            accuracy, trained_loss = evaluate(model, x_train, y_train)
            print(f"{name}: {steps} Adam steps, training loss {trained_loss:.4f}, training accuracy "
                  f"{100 * accuracy:.1f}%, test accuracy {100 * evaluate(model, x_test, y_test)[0]:.1f}%")
        x, y = ag.tensor(x_train), ag.tensor(y_train)
        generator = stream(seed, "directions")
        lines_found = {name: line_curvature(model, x, y, generator, lines, points) for name, model in models.items()}
        mlp_model = models["MLP 64-64-64-10, ReLU"]
        swap = permutation_line(mlp_model, x, y, generator, points)
        theta = lines_found["MLP 64-64-64-10, ReLU"]["theta"]
        d1, d2 = unit_normalized_direction(mlp_model, generator), unit_normalized_direction(mlp_model, generator)
        grid = np.linspace(-1, 1, grid_points)
        surface = np.array([[loss_at(mlp_model, theta + a * d1 + b * d2, x, y) for a in grid] for b in grid])
        vector_to_parameters(theta, mlp_model.parameters())
    finally:
        ag.set_default_dtype(previous)

    print_table(f"{lines} random unit-normalized lines through the trained weights, {points} points each (float64): "
                "second differences f(a-h) - 2 f(a) + f(a+h), relative to the loss's range on the line",
                ["model", "smallest second difference", "lines with one below -1e-6"],
                [[n, f"{r['smallest']:+.1e}", f"{r['negative_lines']} of {lines}"] for n, r in lines_found.items()])
    print(f"\nline to the same MLP with its first hidden layer's units permuted: loss {swap['ends'][0]:.4f} at both "
          f"ends ({swap['ends'][1]:.4f}), {swap['middle']:.4f} half way; smallest second difference "
          f"{swap['smallest']:+.1e} of the range")
    _plot(lines_found, swap, grid, surface, out_dir)
    linear, deep = lines_found.values()
    return [
        claim("linear_convex", "for a linear model (softmax regression) the loss along any line is convex: every "
              "second difference >= 0",
              f"smallest second difference on {lines} lines x {points} points: {linear['smallest']:+.1e} of the "
              "loss's range (0 up to float64 rounding)", linear["smallest"] > -1e-9, smallest=linear["smallest"]),
        claim("network_not_convex", "for a multi-layer network it is not: on the line from the trained weights to "
              "the same network with its hidden units permuted (equal loss at both ends) the loss rises in between, "
              "so a second difference is negative",
              f"loss {swap['ends'][0]:.3f} at both ends, {swap['middle']:.3f} half way; smallest second difference "
              f"{swap['smallest']:+.1e} of the range (random lines near the trained weights: smallest "
              f"{deep['smallest']:+.1e}, {deep['negative_lines']} of {lines} with one below -1e-6)",
              swap["smallest"] < -1e-3 and swap["middle"] > 1.1 * max(swap["ends"]),
              smallest=swap["smallest"], middle=swap["middle"], random_lines_smallest=deep["smallest"]),
    ]


def _plot(lines_found: dict, swap: dict, grid, surface, out_dir: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for ax, (name, r) in zip(axes[:2], lines_found.items()):
        for k, curve in enumerate(r["curves"]):
            ax.plot(r["alphas"], curve, lw=1, label=f"line {k + 1}")
        ax.set_xlabel("alpha (step along a unit-normalized random direction)")
        ax.set_ylabel("training loss")
        ax.set_title(f"{name}: smallest 2nd difference {r['smallest']:+.0e}", fontsize=9)
        ax.legend(fontsize=7)
    axes[1].plot(swap["alphas"], swap["curve"], "k--", lw=1.5, label="to the same net, units permuted (alpha = 1)")
    axes[1].legend(fontsize=7)
    a, b = np.meshgrid(grid, grid)
    levels = np.quantile(np.log10(surface), np.linspace(0, 1, 16))
    filled = axes[2].contourf(a, b, np.log10(surface), levels=levels, cmap="viridis")
    axes[2].contour(a, b, np.log10(surface), levels=levels, colors="k", linewidths=0.3)
    axes[2].plot(0, 0, "r*", ms=12, label="trained weights")
    fig.colorbar(filled, ax=axes[2], label="log10 training loss")
    axes[2].set_xlabel("alpha (direction 1)")
    axes[2].set_ylabel("beta (direction 2)")
    axes[2].set_title("MLP: loss in a random plane", fontsize=9)
    axes[2].legend(fontsize=8)
    save_figure(fig, out_dir, "loss_landscape")


def main() -> None:
    main_for(run, "e14_loss_landscape", __doc__)


if __name__ == "__main__":
    main()
