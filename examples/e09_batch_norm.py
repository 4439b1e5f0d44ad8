"""Experiment 9: batch normalization (Ioffe & Szegedy 2015): 3 x 100 sigmoid layers, small Gaussian init;
then the init scale swept from 0.01 to 10 with and without BN."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, stream, train

import nn
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Batch normalization",
    claim=(
        "Normalizing each layer's inputs over the mini-batch lets the network train much faster, and "
        "keeps the distribution of a unit's input stable during training."
    ),
    source="Ioffe and Szegedy 2015, Batch Normalization (its MNIST experiment, taught in the lectures)",
    look_at={
        "batch_norm": (
            "Test accuracy with and without BN, and the 15th, 50th and 85th percentiles of one unit's "
            "input over training: they drift without BN and stay put with it."
        ),
    },
)

PERCENTILES = (15, 50, 85)
WINDOW = 50  # steps averaged when measuring how far the percentiles drift
INIT_STD = 0.1  # small Gaussian init: the baseline without BN trains, slower, as the paper's does
SCALES = (0.01, 0.1, 1.0, 10.0)  # the init-scale sweep
TARGET = 0.9  # test accuracy that counts as "trained"


def gaussian(std: float):
    """An initializer drawing N(0, std^2) weights."""
    return lambda weight, generator: nn.init.normal_(weight, 0.0, std, generator=generator)


def train_one(batch_norm: bool, steps: int, checkpoints: tuple, data, every: int, seed: int,
              std: float = INIT_STD) -> dict:
    x_train, x_test, y_train, y_test = data
    model = mlp([64, 100, 100, 100, 10], nn.Sigmoid, generator=stream(seed, "net"), initializer=gaussian(std),
                bias=0.0, batch_norm=batch_norm)
    last_sigmoid = [m for m in model if isinstance(m, nn.Sigmoid)][-1]
    unit_inputs = []  # the 15/50/85th percentiles of unit 0's input over each training batch
    last_sigmoid.register_forward_pre_hook(
        lambda module, inputs: unit_inputs.append(np.percentile(inputs[0].data[:, 0], PERCENTILES))
        if module.training else None)
    curve = []
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train(model, x_train, y_train, steps, optimizer, batch_size=64, seed=seed, every=every,
          callback=lambda step, m: curve.append((step, evaluate(m, x_test, y_test)[0])))
    at = dict(curve)
    percentiles = np.array(unit_inputs)
    smooth = np.stack([np.convolve(p, np.ones(WINDOW) / WINDOW, mode="valid") for p in percentiles.T], axis=1)
    drift = float((smooth.max(axis=0) - smooth.min(axis=0)).max())
    reached = next((step for step, accuracy in curve if accuracy >= TARGET), None)
    return {"curve": curve, "accuracy": {s: at[s] for s in checkpoints}, "percentiles": percentiles,
            "drift": drift, "reached": reached}


def run(quick: bool = False, out_dir: Path = Path("out/e09_batch_norm"), seed: int = 0) -> list:
    checkpoints = (100, 300, 1500) if quick else (100, 300, 3000)
    steps, every = checkpoints[-1], 25
    data = digits(seed=seed)
    results = {"without BN": train_one(False, steps, checkpoints, data, every, seed),
               "with BN": train_one(True, steps, checkpoints, data, every, seed)}
    print_table(f"3 x 100 sigmoid layers on the digits, N(0, {INIT_STD}^2) init, SGD lr 0.1 momentum 0.9: test "
                "accuracy", ["model", *[f"after {s} steps" for s in checkpoints], f"steps to {100 * TARGET:.0f}%",
                             "drift of unit input percentiles"],
                [[n] + [f"{100 * r['accuracy'][s]:.1f}%" for s in checkpoints] + [str(r["reached"]),
                                                                                    f"{r['drift']:.2f}"]
                 for n, r in results.items()])
    for name, r in results.items():
        p = r["percentiles"]
        marks = sorted({0, steps // 10, steps // 3, steps - 1})
        print_table(f"{name}: input of the last hidden layer's unit 0 (15/50/85th percentiles over the batch)",
                    ["step", *[f"p{q}" for q in PERCENTILES]], [[str(t)] + [f"{v:+.2f}" for v in p[t]] for t in marks])
    _plot(results, out_dir)
    sweep_steps = 200
    sweep = {(bn, scale): train_one(bn, sweep_steps, (sweep_steps,), data, sweep_steps, seed, std=scale)
             ["accuracy"][sweep_steps] for bn in (False, True) for scale in SCALES}
    print_table(f"init scale sweep: test accuracy after {sweep_steps} steps, weights N(0, scale^2)",
                ["init scale", "without BN", "with BN"],
                [[str(scale), f"{100 * sweep[False, scale]:.1f}%", f"{100 * sweep[True, scale]:.1f}%"]
                 for scale in SCALES])
    spread = {bn: max(sweep[bn, s] for s in SCALES) - min(sweep[bn, s] for s in SCALES) for bn in (False, True)}
    worst_bn = min(sweep[True, s] for s in SCALES)
    plain, normalized = results["without BN"], results["with BN"]
    slower = (plain["reached"] or 2 * steps) / max(normalized["reached"] or steps, every)
    return [
        claim("bn_trains_faster", "with BN the network trains at once; without it, it trains too (like the paper's "
              "baseline), but several times slower",
              f"steps to {100 * TARGET:.0f}% test accuracy: without BN {plain['reached']}, with BN "
              f"{normalized['reached']} ({slower:.0f}x); test accuracy without / with BN: " + ", ".join(
                  f"{s} steps {100 * plain['accuracy'][s]:.1f}% / {100 * normalized['accuracy'][s]:.1f}%"
                  for s in checkpoints),
              plain["reached"] is not None and normalized["reached"] is not None and slower >= 3,
              steps_without=plain["reached"], steps_with=normalized["reached"], slower=slower,
              without={str(k): v for k, v in plain["accuracy"].items()},
              with_bn={str(k): v for k, v in normalized["accuracy"].items()}),
        claim("bn_stable_inputs", "the input distribution of a last-layer unit is stable with BN and drifts without",
              f"largest movement of its 15/50/85th percentiles ({WINDOW}-step means) over training: "
              f"without BN {plain['drift']:.2f}, with BN {normalized['drift']:.2f}",
              plain["drift"] > 2 * normalized["drift"], drift_without=plain["drift"], drift_with=normalized["drift"]),
        claim("bn_init_insensitive", f"BN makes training less sensitive to the init scale (swept {SCALES[0]} to "
              f"{SCALES[-1]})",
              f"test accuracy after {sweep_steps} steps over the scales: with BN {100 * worst_bn:.1f}% at worst "
              f"(spread {100 * spread[True]:.1f} points); without BN "
              f"{100 * min(sweep[False, s] for s in SCALES):.1f}..{100 * max(sweep[False, s] for s in SCALES):.1f}%",
              worst_bn > 0.85 and spread[False] > 0.5, worst_with_bn=worst_bn, spread_with=spread[True],
              spread_without=spread[False]),
    ]


def _plot(results: dict, out_dir: Path) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for name, r in results.items():
        steps, accuracy = zip(*r["curve"])
        axes[0].plot(steps, accuracy, label=name)
    axes[0].set_xlabel("training step")
    axes[0].set_ylabel("test accuracy")
    axes[0].set_title("(a) test accuracy")
    axes[0].legend(fontsize=8)
    low = min(float(r["percentiles"].min()) for r in results.values())
    high = max(float(r["percentiles"].max()) for r in results.values())
    for ax, (name, r) in zip(axes[1:], results.items()):
        for column, q in enumerate(PERCENTILES):
            ax.plot(r["percentiles"][:, column], lw=0.8, label=f"{q}th percentile")
        ax.set_ylim(low - 0.2, high + 0.2)
        ax.set_xlabel("training step")
        ax.set_ylabel("input of unit 0 of the last sigmoid layer")
        ax.set_title(f"({'bc'[list(results).index(name)]}) {name}")
        ax.legend(fontsize=8)
    save_figure(fig, out_dir, "batch_norm")


def main() -> None:
    main_for(run, "e09_batch_norm", __doc__)


if __name__ == "__main__":
    main()
