"""Experiment 9: batch normalization (Ioffe & Szegedy 2015): 3 x 100 sigmoid layers, small Gaussian init."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, train

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


def small_gaussian(weight, generator):
    """N(0, 0.01^2): the small random init of the paper's MNIST baseline."""
    nn.init.normal_(weight, 0.0, 0.01, generator=generator)


def train_one(batch_norm: bool, steps: int, checkpoints: tuple, data, every: int) -> dict:
    x_train, x_test, y_train, y_test = data
    model = mlp([64, 100, 100, 100, 10], nn.Sigmoid, generator=1, initializer=small_gaussian, bias=0.0,
                batch_norm=batch_norm)
    last_sigmoid = [m for m in model if isinstance(m, nn.Sigmoid)][-1]
    unit_inputs = []  # the 15/50/85th percentiles of unit 0's input over each training batch
    last_sigmoid.register_forward_pre_hook(
        lambda module, inputs: unit_inputs.append(np.percentile(inputs[0].data[:, 0], PERCENTILES))
        if module.training else None)
    curve = []
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    train(model, x_train, y_train, steps, optimizer, batch_size=64, seed=0, every=every,
          callback=lambda step, m: curve.append((step, evaluate(m, x_test, y_test)[0])))
    at = dict(curve)
    percentiles = np.array(unit_inputs)
    smooth = np.stack([np.convolve(p, np.ones(WINDOW) / WINDOW, mode="valid") for p in percentiles.T], axis=1)
    drift = float((smooth.max(axis=0) - smooth.min(axis=0)).max())
    return {"curve": curve, "accuracy": {s: at[s] for s in checkpoints}, "percentiles": percentiles,
            "drift": drift}


def run(quick: bool = False, out_dir: Path = Path("out/e09_batch_norm")) -> list:
    checkpoints = (100, 300, 1000) if quick else (100, 300, 3000)
    steps, every = checkpoints[-1], 50
    data = digits(seed=0)
    results = {"without BN": train_one(False, steps, checkpoints, data, every),
               "with BN": train_one(True, steps, checkpoints, data, every)}
    print_table("3 x 100 sigmoid layers on the digits, N(0, 0.01^2) init, SGD lr 0.1 momentum 0.9: test accuracy",
                ["model", *[f"after {s} steps" for s in checkpoints], "drift of unit input percentiles"],
                [[n] + [f"{100 * r['accuracy'][s]:.1f}%" for s in checkpoints] + [f"{r['drift']:.2f}"]
                 for n, r in results.items()])
    for name, r in results.items():
        p = r["percentiles"]
        marks = sorted({0, steps // 10, steps // 3, steps - 1})
        print_table(f"{name}: input of the last hidden layer's unit 0 (15/50/85th percentiles over the batch)",
                    ["step", *[f"p{q}" for q in PERCENTILES]], [[str(t)] + [f"{v:+.2f}" for v in p[t]] for t in marks])
    _plot(results, out_dir)
    plain, normalized = results["without BN"], results["with BN"]
    first, last = checkpoints[0], checkpoints[-1]
    return [
        claim("bn_trains_faster", "with BN the network trains at once; without it, it barely moves in "
              f"{checkpoints[1]} steps and trails at every checkpoint",
              "test accuracy without / with BN: " + ", ".join(
                  f"{s} steps {100 * plain['accuracy'][s]:.1f}% / {100 * normalized['accuracy'][s]:.1f}%"
                  for s in checkpoints),
              normalized["accuracy"][first] > 0.8 and plain["accuracy"][checkpoints[1]] < 0.3
              and all(normalized["accuracy"][s] > plain["accuracy"][s] for s in checkpoints)
              and normalized["accuracy"][last] > 0.95,
              without={str(k): v for k, v in plain["accuracy"].items()},
              with_bn={str(k): v for k, v in normalized["accuracy"].items()}),
        claim("bn_stable_inputs", "the input distribution of a last-layer unit is stable with BN and drifts without",
              f"largest movement of its 15/50/85th percentiles ({WINDOW}-step means) over training: "
              f"without BN {plain['drift']:.2f}, with BN {normalized['drift']:.2f}",
              plain["drift"] > 2 * normalized["drift"], drift_without=plain["drift"], drift_with=normalized["drift"]),
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
