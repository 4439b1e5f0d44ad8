"""Experiment 4: sigmoid outputs are not zero-centred, so all gradients on the weights into a neuron
share a sign on each example, and the optimization path zig-zags (compared with tanh)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, main_for, mlp, plt, print_table, save_figure, stream

import autograd as ag
import nn
import nn.functional as F
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Why zero-centred activations matter",
    claim=(
        "Sigmoid outputs are always positive, so on each example all the gradients on the weights into "
        "one neuron share a sign, and gradient descent can only zig-zag toward the optimum."
    ),
    source="Deep-learning lectures, on activation functions: sigmoid outputs are not zero-centred (cited by topic)",
    look_at={
        "zig_zag_paths": (
            "With sigmoid inputs every step moves both weights the same way, so the path to w* is a "
            "staircase; with tanh inputs it goes almost straight."
        ),
    },
)

HIDDEN = 32
W_STAR = np.array([1.0, -1.0])  # the target weights: reaching them needs (+, -) moves
W_START = np.array([-1.0, 1.0])


def same_sign_fraction(activation, x: np.ndarray, y: np.ndarray, generator: np.random.Generator) -> float:
    """Fraction of (example, output neuron) pairs whose incoming weight gradients all share one sign."""
    model = mlp([64, HIDDEN, 10], activation, generator=generator)
    output_layer = model[2]
    shared = []
    for xi, yi in zip(x, y):  # one example at a time: the gradient of that example alone
        model.zero_grad()
        F.cross_entropy(model(ag.tensor(xi[None, :])), ag.tensor(yi[None])).backward()
        grad = output_layer.weight.grad.data  # (10, HIDDEN): row k holds neuron k's incoming weights
        shared.extend(np.all(grad > 0, axis=1) | np.all(grad < 0, axis=1))
    return float(np.mean(shared))


def sgd_path(inputs: np.ndarray, lr: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-example SGD on 0.5 (w.x - w*.x)^2 from W_START: the weights after every step, and every gradient."""
    w = ag.tensor(W_START.copy(), requires_grad=True)
    path, grads = [w.data.copy()], []
    for xi in inputs:
        w.grad = None
        x = ag.tensor(xi)
        (0.5 * ((w * x).sum() - float(W_STAR @ xi)) ** 2).backward()
        grads.append(w.grad.data.copy())
        w.data -= lr * w.grad.data
        path.append(w.data.copy())
    return np.array(path), np.array(grads)


def path_stats(path: np.ndarray, grads: np.ndarray, tolerance: float = 0.1) -> dict:
    steps = np.diff(path, axis=0)
    nonzero = np.all(grads != 0, axis=1)  # signs of the gradient itself: a converged step may round to no move
    same_sign = np.mean(np.sign(grads[nonzero, 0]) == np.sign(grads[nonzero, 1]))
    length = float(np.linalg.norm(steps, axis=1).sum())
    distance = np.linalg.norm(path - W_STAR, axis=1)
    reached = int(np.argmax(distance < tolerance)) if (distance < tolerance).any() else None
    return {"same_sign": float(same_sign), "length": length,
            "straight": float(np.linalg.norm(W_STAR - W_START)), "final": float(distance[-1]), "reached": reached}


def run(quick: bool = False, out_dir: Path = Path("out/e04_zero_centred"), seed: int = 0) -> list:
    examples, steps = (100, 300) if quick else (400, 1000)
    x_train, _, y_train, _ = digits(seed=seed)
    fractions = {name: same_sign_fraction(act, x_train[:examples], y_train[:examples], stream(seed, name))
                 for name, act in (("sigmoid", nn.Sigmoid), ("tanh", nn.Tanh))}
    print_table(f"64-{HIDDEN}-10 net on {examples} digits, one example at a time: output neurons whose "
                f"{HIDDEN} incoming weight gradients all share a sign",
                ["hidden activation", "fraction of (example, neuron) pairs"],
                [[n, f"{100 * f:.1f}%"] for n, f in fractions.items()])

    z = stream(seed, "inputs").normal(0.0, 2.0, size=(steps, 2))
    inputs = {"sigmoid inputs (all > 0)": 1 / (1 + np.exp(-z)), "tanh inputs (zero-centred)": np.tanh(z)}
    runs = {name: sgd_path(x, lr=0.5) for name, x in inputs.items()}
    paths = {name: path for name, (path, _) in runs.items()}
    stats = {name: path_stats(path, grads) for name, (path, grads) in runs.items()}
    print_table(f"per-example SGD from w = {W_START.tolist()} to w* = {W_STAR.tolist()} on 2 inputs ({steps} steps)",
                ["inputs", "steps whose two gradient entries share a sign", "path length / straight line",
                 "steps to within 0.1", "final distance"],
                [[n, f"{100 * s['same_sign']:.1f}%", f"{s['length'] / s['straight']:.1f}", str(s["reached"]),
                  f"{s['final']:.3f}"] for n, s in stats.items()])
    _plot(paths, inputs, out_dir)

    sig, tanh = stats.values()
    # steps to within 0.1 of w*; a path that never gets there counts as the whole run
    reached = {name: s["reached"] if s["reached"] is not None else steps for name, s in zip(("sigmoid", "tanh"),
                                                                                              (sig, tanh))}
    slower = reached["sigmoid"] / max(reached["tanh"], 1)
    return [
        claim("same_sign", "with sigmoid inputs, all weight gradients into one neuron share a sign on each example",
              f"share a sign: sigmoid {100 * fractions['sigmoid']:.1f}% of (example, neuron) pairs, "
              f"tanh {100 * fractions['tanh']:.1f}%",
              fractions["sigmoid"] == 1.0 and fractions["tanh"] < 0.05,
              sigmoid=fractions["sigmoid"], tanh=fractions["tanh"]),
        claim("zig_zag", "so the optimization path zig-zags compared with tanh",
              f"steps whose gradient moves both weights the same way: sigmoid {100 * sig['same_sign']:.0f}%, tanh "
              f"{100 * tanh['same_sign']:.0f}%; path / straight line: sigmoid {sig['length'] / sig['straight']:.1f}, "
              f"tanh {tanh['length'] / tanh['straight']:.1f}; steps to within 0.1 of w*: "
              f"sigmoid {sig['reached']}, tanh {tanh['reached']} ({slower:.1f}x as many)",
              sig["same_sign"] == 1.0 and tanh["same_sign"] < 0.8 and slower > 2,
              steps_ratio=slower,
              sigmoid_same_sign=sig["same_sign"], tanh_same_sign=tanh["same_sign"],
              sigmoid_tortuosity=sig["length"] / sig["straight"], tanh_tortuosity=tanh["length"] / tanh["straight"],
              sigmoid_reached=sig["reached"], tanh_reached=tanh["reached"]),
    ]


def _plot(paths: dict, inputs: dict, out_dir: Path) -> None:
    grid = np.linspace(-1.6, 1.6, 121)
    g1, g2 = np.meshgrid(grid, grid)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.8))
    for ax, (name, path) in zip(axes, paths.items()):
        x = inputs[name]
        residual = (g1[..., None] - W_STAR[0]) * x[:, 0] + (g2[..., None] - W_STAR[1]) * x[:, 1]
        log_loss = np.log10(0.5 * (residual ** 2).mean(axis=-1) + 1e-6)
        ax.contour(g1, g2, log_loss, levels=15, cmap="Greys", linewidths=0.6)
        shown = path[:100]
        ax.plot(shown[:, 0], shown[:, 1], ".-", lw=0.8, ms=2.5, color="C3", label="first 100 SGD steps")
        ax.plot(*W_START, "ko", label="start")
        ax.plot(*W_STAR, "k*", ms=12, label="w*")
        ax.set_aspect("equal")
        ax.set_xlabel("w1")
        ax.set_ylabel("w2")
        ax.set_title(name)
        ax.legend(fontsize=8, loc="lower left")
    fig.suptitle("Per-example SGD: positive inputs allow only (+,+) or (-,-) steps, so the path zig-zags")
    save_figure(fig, out_dir, "zig_zag_paths")


def main() -> None:
    main_for(run, "e04_zero_centred", __doc__)


if __name__ == "__main__":
    main()
