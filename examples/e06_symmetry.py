"""Experiment 6: symmetry. With zero or constant init every hidden unit stays identical for all of training."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, train

import nn
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="A symmetric initialization is never broken",
    claim=(
        "If every weight starts at the same value, every hidden unit computes the same output and "
        "receives the same update, so the units stay identical and many units are worth one."
    ),
    source="Deep-learning lectures, on weight initialization: why not all zeros (cited by topic)",
    look_at={
        "hidden_unit_weights": (
            "Each row is one hidden unit's weights: with zeros or a constant init the rows stay "
            "identical; a random init gives distinct units."
        ),
        "unit_gap_over_training": (
            "The largest difference between two hidden units over training: it stays at (or near) zero "
            "for the symmetric inits."
        ),
    },
)

HIDDEN = 32
INITS = {
    "zeros": lambda p: nn.init.zeros_(p),
    "constant 0.05": lambda p: nn.init.constant_(p, 0.05),
    "random (PyTorch default)": None,
}


def spread(model) -> float:
    """How different the hidden units are: largest gap between any unit's weights and unit 0's."""
    first, second = model[0], model[2]
    incoming = np.abs(first.weight.data - first.weight.data[:1]).max()
    bias = np.abs(first.bias.data - first.bias.data[0]).max()
    outgoing = np.abs(second.weight.data - second.weight.data[:, :1]).max()
    return float(max(incoming, bias, outgoing))


def run(quick: bool = False, out_dir: Path = Path("out/e06_symmetry")) -> list:
    steps = 300 if quick else 1500
    x_train, x_test, y_train, y_test = digits(seed=0)
    results, models = {}, {}
    for name, initializer in INITS.items():
        model = mlp([64, HIDDEN, 10], nn.Sigmoid, generator=1)
        if initializer is not None:
            for parameter in model.parameters():
                initializer(parameter)
        start = [p.data.copy() for p in model.parameters()]
        history: list[tuple[int, float]] = []
        train(model, x_train, y_train, steps, nn.optim.SGD(model.parameters(), lr=0.5), batch_size=64,
              every=max(steps // 30, 1), callback=lambda step, m, log=history: log.append((step, spread(m))))
        models[name] = model
        moved = max(float(np.abs(p.data - p0).max()) for p, p0 in zip(model.parameters(), start))
        results[name] = {"history": history, "test": evaluate(model, x_test, y_test)[0],
                         "max_spread": max(s for _, s in history[1:]), "moved": moved}
    print_table(f"sigmoid MLP 64-{HIDDEN}-10 on the digits, {steps} SGD steps",
                ["init", "largest unit-to-unit gap during training", "largest weight change", "test accuracy"],
                [[n, f"{r['max_spread']:.1e}", f"{r['moved']:.2f}", f"{100 * r['test']:.1f}%"]
                 for n, r in results.items()])
    _plot(results, models, out_dir)
    zero, constant, random = results.values()
    symmetric = max(zero["max_spread"], constant["max_spread"])
    return [
        claim("stay_identical", "with zero or constant init every hidden unit stays identical for all of training",
              f"largest unit-to-unit weight gap over {steps} steps: zeros {zero['max_spread']:.1e}, "
              f"constant {constant['max_spread']:.1e}, while training moved their weights by up to "
              f"{zero['moved']:.2f} and {constant['moved']:.2f}; random init {random['max_spread']:.2f}",
              symmetric < 1e-6 and random["max_spread"] > 0.1 and min(zero["moved"], constant["moved"]) > 0.05,
              zeros=zero["max_spread"], constant=constant["max_spread"], random=random["max_spread"]),
        claim("one_unit_worth", f"so {HIDDEN} symmetric units are worth one: accuracy far below a random init",
              f"test accuracy zeros {100 * zero['test']:.1f}%, constant {100 * constant['test']:.1f}%, "
              f"random {100 * random['test']:.1f}%",
              max(zero["test"], constant["test"]) < 0.6 and random["test"] > 0.9,
              zeros=zero["test"], constant=constant["test"], random=random["test"]),
    ]


def _plot(results: dict, models: dict, out_dir: Path) -> None:
    fig, axes = plt.subplots(len(models), 8, figsize=(9, 1.3 * len(models) + 0.4))
    for row, (name, model) in zip(axes, models.items()):
        weights = model[0].weight.data
        bound = float(np.abs(weights[:8]).max()) or 1.0
        for unit, ax in enumerate(row):
            ax.imshow(weights[unit].reshape(8, 8), cmap="RdBu", vmin=-bound, vmax=bound)
            ax.set_xticks([])
            ax.set_yticks([])
        row[0].set_ylabel(name, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle("Incoming weights of hidden units 1-8 after training (8x8 like the input)")
    save_figure(fig, out_dir, "hidden_unit_weights")

    fig, ax = plt.subplots(figsize=(6, 4))
    for name, r in results.items():
        steps, gaps = zip(*r["history"])
        ax.semilogy(steps, np.maximum(gaps, 1e-12), "o-", ms=3, label=name)
    ax.set_xlabel("training step")
    ax.set_ylabel("largest unit-to-unit weight gap (1e-12: exactly 0)")
    ax.set_title("Symmetric init stays symmetric")
    ax.legend(fontsize=8)
    save_figure(fig, out_dir, "unit_gap_over_training")


def main() -> None:
    main_for(run, "e06_symmetry", __doc__)


if __name__ == "__main__":
    main()
