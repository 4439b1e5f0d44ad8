"""Experiment 6: symmetry. With zero or constant init, gradient descent never breaks the symmetry
between hidden units (exact arithmetic, float64 here); but the symmetric point is unstable: a tiny
asymmetry grows geometrically, which is why float32 rounding alone can break it on some CPUs."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, stream, train

import autograd as ag
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

HIDDEN, LR, NUDGE = 32, 0.5, 1e-7
INITS = {
    "zeros": lambda p: nn.init.zeros_(p),
    "constant 0.05": lambda p: nn.init.constant_(p, 0.05),
    "random (PyTorch default)": None,
    f"zeros + {NUDGE:.0e} asymmetry": lambda p: nn.init.zeros_(p),
}


def spread(model) -> float:
    """How different the hidden units are: largest gap between any unit's weights and unit 0's."""
    first, second = model[0], model[2]
    incoming = np.abs(first.weight.data - first.weight.data[:1]).max()
    bias = np.abs(first.bias.data - first.bias.data[0]).max()
    outgoing = np.abs(second.weight.data - second.weight.data[:, :1]).max()
    return float(max(incoming, bias, outgoing))


def rank_one_residual(model) -> float:
    """sigma_2 / sigma_1 of the hidden weight matrix (0 when every unit's incoming weights are equal)."""
    singular = np.linalg.svd(model[0].weight.data, compute_uv=False)
    return float(singular[1] / singular[0]) if singular[0] > 0 else 0.0


def steps_per_tenfold(history: list[tuple[int, float]]) -> tuple[float, float]:
    """Steps for the gap to grow tenfold (a line fitted to log10 gap over the recorded steps after the first
    tenth), and the fit's R^2."""
    steps, gaps = map(np.array, zip(*history))
    keep = steps >= steps[-1] / 10
    slope, intercept = np.polyfit(steps[keep], np.log10(gaps[keep]), 1)
    fitted = slope * steps[keep] + intercept
    residual = np.log10(gaps[keep]) - fitted
    r2 = 1 - residual.var() / np.log10(gaps[keep]).var()
    return float(1 / slope) if slope > 0 else float("inf"), float(r2)


def run(quick: bool = False, out_dir: Path = Path("out/e06_symmetry"), seed: int = 0) -> list:
    # symmetric runs stay short: any rounding asymmetry grows ~tenfold per ~100 steps (measured below)
    steps = 300 if quick else 600
    x_train, x_test, y_train, y_test = (a.astype(np.float64) if a.dtype == np.float32 else a
                                        for a in digits(seed=seed))
    results, models = {}, {}
    previous = ag.get_default_dtype()
    ag.set_default_dtype(np.float64)  # exact symmetry is a statement about exact arithmetic: float64
    try:
        for name, initializer in INITS.items():
            model = mlp([64, HIDDEN, 10], nn.Sigmoid, generator=stream(seed, name))
            if initializer is not None:
                for parameter in model.parameters():
                    initializer(parameter)
            if "asymmetry" in name:
                model[0].weight.data += NUDGE * stream(seed, "nudge").standard_normal(model[0].weight.shape)
            start = [p.data.copy() for p in model.parameters()]
            history: list[tuple[int, float]] = []
            train(model, x_train, y_train, steps, nn.optim.SGD(model.parameters(), lr=LR), batch_size=64, seed=seed,
                  every=10, callback=lambda step, m, log=history: log.append((step, spread(m))))
            models[name] = model
            moved = max(float(np.abs(p.data - p0).max()) for p, p0 in zip(model.parameters(), start))
            results[name] = {"history": history, "test": evaluate(model, x_test, y_test)[0],
                             "max_spread": max(s for _, s in history[1:]), "moved": moved,
                             "rank": rank_one_residual(model)}
    finally:
        ag.set_default_dtype(previous)
    print_table(f"sigmoid MLP 64-{HIDDEN}-10 on the digits, float64, {steps} SGD steps (lr {LR})",
                ["init", "largest unit-to-unit gap", "sigma_2 / sigma_1 of hidden weights", "largest weight change",
                 "test accuracy"],
                [[n, f"{r['max_spread']:.1e}", f"{r['rank']:.1e}", f"{r['moved']:.2f}", f"{100 * r['test']:.1f}%"]
                 for n, r in results.items()])
    _plot(results, models, out_dir)
    zero, constant, random, nudged = results.values()
    tenfold, r2 = steps_per_tenfold(nudged["history"])
    growth = nudged["history"][-1][1] / nudged["history"][0][1]
    residual = max(zero["rank"], constant["rank"])
    print(f"\nthe {NUDGE:.0e} asymmetry grew {growth:.0f}x in {steps} steps: tenfold every {tenfold:.0f} steps "
          f"(fit R^2 {r2:.3f})")
    return [
        claim("never_breaks", "gradient descent never breaks the symmetry: with zero or constant init the hidden "
              "weight matrix stays rank 1 (every unit identical) while it trains",
              f"float64, {steps} steps: sigma_2 / sigma_1 of the hidden weights: zeros {zero['rank']:.1e}, constant "
              f"{constant['rank']:.1e}; largest unit-to-unit gap {max(zero['max_spread'], constant['max_spread']):.1e}"
              f", while the weights moved by up to {zero['moved']:.2f} and {constant['moved']:.2f}; random init: "
              f"rank residual {random['rank']:.2f}",
              residual < 1e-9 and random["rank"] > 0.1 and min(zero["moved"], constant["moved"]) > 0.05,
              zeros=zero["rank"], constant=constant["rank"], random=random["rank"]),
        claim("one_unit_worth", f"so {HIDDEN} symmetric units are worth one: accuracy far below a random init",
              f"test accuracy zeros {100 * zero['test']:.1f}%, constant {100 * constant['test']:.1f}%, "
              f"random {100 * random['test']:.1f}%",
              random["test"] - max(zero["test"], constant["test"]) > 0.5,
              zeros=zero["test"], constant=constant["test"], random=random["test"]),
        claim("unstable", f"but the symmetric point is unstable: an asymmetry of {NUDGE:.0e} grows tenfold every "
              "~N steps (N measured), so in float32 the rounding differences between identical columns that some "
              "BLAS kernels make eventually break it",
              f"gap {nudged['history'][0][1]:.1e} -> {nudged['history'][-1][1]:.1e} in {steps} steps ({growth:.0f}x): "
              f"tenfold every {tenfold:.0f} steps, log-linear fit R^2 {r2:.3f}",
              growth > 100 and r2 > 0.9, steps_per_tenfold=tenfold, growth=growth, fit_r2=r2),
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
    ax.set_title("Symmetric init stays symmetric; a 1e-7 nudge grows")
    ax.legend(fontsize=8)
    save_figure(fig, out_dir, "unit_gap_over_training")


def main() -> None:
    main_for(run, "e06_symmetry", __doc__)


if __name__ == "__main__":
    main()
