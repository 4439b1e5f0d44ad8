"""Experiment 8: He vs Xavier init in depth (He et al. 2015): a 30-layer ReLU MLP on the digits."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import (
    activation_outputs,
    claim,
    digits,
    evaluate,
    main_for,
    mlp,
    plt,
    print_table,
    save_figure,
    stream,
    train,
)

import nn
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="He versus Xavier initialization in a 30-layer ReLU network",
    claim=(
        "Xavier init halves the signal's variance at every ReLU layer, so a deep ReLU net stalls; He init"
        " (variance 2/fan_in) keeps the variance and the net trains."
    ),
    source="He, Zhang, Ren and Sun 2015, Delving Deep into Rectifiers (taught in the lectures on initialization)",
    look_at={
        "he_vs_xavier": (
            "The signal's std per layer at init, and the training loss: with Xavier the loss sits at "
            "chance for a long time, with He it falls at once."
        ),
    },
)

DEPTH, WIDTH = 30, 64
INITS = {
    "Xavier (Glorot normal)": lambda w, g: nn.init.xavier_normal_(w, generator=g),
    "He (Kaiming normal, fan_in)": lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g),
}
CHANCE_LOSS = float(np.log(10))
WINDOW = 20  # steps averaged for the loss curve
STALL = 400  # the window in which the stall is judged, at quick and full size alike
SIGNAL_NETS = 8  # one 30-layer draw's std ratio varies ~100x: the geometric mean over several draws


def escape_step(losses: list[float]) -> int | None:
    """The first step at which the WINDOW-step mean training loss is 10% below chance (None: never)."""
    smooth = np.convolve(losses, np.ones(WINDOW) / WINDOW, mode="valid")
    below = np.flatnonzero(smooth < 0.9 * CHANCE_LOSS)
    return int(below[0]) + WINDOW if below.size else None


def run(quick: bool = False, out_dir: Path = Path("out/e08_he_vs_xavier"), seed: int = 0) -> list:
    steps = 400 if quick else 1500
    x_train, x_test, y_train, y_test = digits(seed=seed)
    results = {}
    for name, initializer in INITS.items():
        ratios = []
        for k in range(SIGNAL_NETS):
            probe = mlp([64] + [WIDTH] * DEPTH + [10], nn.ReLU, generator=stream(seed, f"{name} probe {k}"),
                        initializer=initializer, bias=0.0)
            probe_stds = [float(out.std()) for _, _, out in activation_outputs(probe, x_train[:500])]
            ratios.append(probe_stds[-1] / probe_stds[0])
        model = mlp([64] + [WIDTH] * DEPTH + [10], nn.ReLU, generator=stream(seed, name), initializer=initializer,
                    bias=0.0)
        stds = [float(out.std()) for _, _, out in activation_outputs(model, x_train[:500])]
        optimizer = nn.optim.SGD(model.parameters(), lr=0.002, momentum=0.9)
        losses = train(model, x_train, y_train, steps, optimizer, batch_size=64, seed=seed)
        train_accuracy, train_loss = evaluate(model, x_train, y_train)
        results[name] = {"std": stds, "ratio": float(np.exp(np.mean(np.log(ratios)))), "losses": losses,
                         "train": train_accuracy, "train_loss": train_loss,
                         "test": evaluate(model, x_test, y_test)[0], "escape": escape_step(losses)}
    print_table(f"{DEPTH} ReLU layers of {WIDTH} on the digits, zero biases, SGD lr 0.002 momentum 0.9, {steps} steps",
                ["init", "std layer 1 -> 30 at init", "loss 10% below chance at step", "final train loss",
                 "train acc.", "test acc."],
                [[n, f"{r['std'][0]:.2e} -> {r['std'][-1]:.2e}", str(r["escape"]), f"{r['train_loss']:.3f}",
                  f"{100 * r['train']:.1f}%", f"{100 * r['test']:.1f}%"] for n, r in results.items()])
    _plot(results, out_dir)
    xavier, he = results.values()
    return [
        claim("xavier_signal_vanishes", f"with Xavier the signal halves in variance at every ReLU layer: "
              f"gone after {DEPTH}; He keeps it",
              f"std at layer 30 / layer 1 at init, geometric mean of {SIGNAL_NETS} nets: Xavier "
              f"{xavier['ratio']:.1e}, He {he['ratio']:.2f}",
              xavier["ratio"] < 1e-3 and 0.2 < he["ratio"] < 5, xavier_ratio=xavier["ratio"], he_ratio=he["ratio"]),
        claim("xavier_stalls", f"the {DEPTH}-layer ReLU net stalls at chance with Xavier for the first {STALL} "
              f"steps, while with He it leaves chance within the first {STALL // 2}",
              f"loss 10% below chance ({CHANCE_LOSS:.3f}) from step: Xavier {xavier['escape'] or f'never in {steps}'},"
              f" He {he['escape']}; after {steps} steps: Xavier loss {xavier['train_loss']:.3f}, train "
              f"{100 * xavier['train']:.1f}%; He loss {he['train_loss']:.3f}, train {100 * he['train']:.1f}%, "
              f"test {100 * he['test']:.1f}%",
              he["escape"] is not None and he["escape"] <= STALL // 2
              and (xavier["escape"] is None or xavier["escape"] > STALL),
              xavier_escape=xavier["escape"], he_escape=he["escape"], xavier_loss=xavier["train_loss"],
              xavier_train=xavier["train"], he_train=he["train"], he_test=he["test"]),
    ]


def _plot(results: dict, out_dir: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for name, r in results.items():
        left.semilogy(range(1, DEPTH + 1), r["std"], "o-", ms=3, label=name)
        smooth = np.convolve(r["losses"], np.ones(WINDOW) / WINDOW, mode="valid")
        right.plot(np.arange(len(smooth)) + WINDOW, smooth, label=name)
    left.set_xlabel("ReLU layer")
    left.set_ylabel("std of the layer's output at init (log)")
    left.set_title(f"Signal through {DEPTH} ReLU layers at init")
    left.legend(fontsize=8)
    right.axhline(CHANCE_LOSS, color="gray", ls=":", label="chance (ln 10)")
    right.set_xlabel("SGD step")
    right.set_ylabel(f"training loss ({WINDOW}-step mean)")
    right.set_title("Training: Xavier stalls, He trains")
    right.legend(fontsize=8)
    save_figure(fig, out_dir, "he_vs_xavier")


def main() -> None:
    main_for(run, "e08_he_vs_xavier", __doc__)


if __name__ == "__main__":
    main()
