"""Experiment 21: the 0-1 loss has zero gradient almost everywhere, which is why we train on surrogate
losses (cross-entropy, hinge) and report the 0-1 error."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, main_for, plt, print_table, save_figure, stream

import autograd as ag
import nn.functional as F
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Why surrogate losses: the 0-1 loss has no gradient",
    claim="The 0-1 loss (the error rate we care about) is piecewise constant in the weights: its gradient is zero "
          "almost everywhere and undefined at the jumps, so gradient descent needs a surrogate such as "
          "cross-entropy or hinge loss.",
    source="Deep-learning lectures, loss functions",
    look_at={"zero_one_vs_surrogate": "Along a random line through the weights the 0-1 loss is a staircase with "
                                      "flat steps; cross-entropy is smooth and slopes toward better weights."},
)
EPS = 1e-6  # a gradient is the limit eps -> 0: the flips an eps step causes shrink with eps


def zero_one(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Error rate of the linear classifier argmax(x W[:64] + W[64]) (W flattened to (65 * 10,))."""
    w = weights.reshape(65, 10)
    return float(np.mean(np.argmax(x @ w[:64] + w[64], axis=1) != y))


def cross_entropy(weights: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy of the same linear classifier (the surrogate)."""
    w = weights.reshape(65, 10)
    with ag.no_grad():
        return F.cross_entropy(ag.tensor(x @ w[:64] + w[64]), ag.tensor(y)).item()


def run(quick: bool = False, out_dir: Path = Path("out/e21_zero_one_loss"), seed: int = 0) -> list:
    x_train, _, y_train, _ = digits(seed=seed)
    x_train = x_train.astype(np.float64)
    rng = stream(seed, "weights and directions")
    points = 3 if quick else 10
    changed, checked = 0, 0
    for _ in range(points):  # random weights: central differences on every one of the 650 coordinates
        weights = rng.normal(0, 0.1, 650)
        for i in range(weights.size):
            step = np.zeros_like(weights)
            step[i] = EPS
            changed += zero_one(weights + step, x_train, y_train) != zero_one(weights - step, x_train, y_train)
            checked += 1
    print(f"central differences (eps {EPS}) of the 0-1 loss at {points} random weight vectors: {changed} of "
          f"{checked} partial derivatives nonzero")

    # descent: on cross-entropy with autograd; on the 0-1 loss its (zero) gradient never moves the weights
    w = ag.tensor(rng.normal(0, 0.1, (65, 10)), requires_grad=True)
    start = w.data.ravel().copy()
    steps = 100 if quick else 300
    for _ in range(steps):
        w.grad = None
        F.cross_entropy(ag.tensor(x_train) @ w[:64] + w[64], ag.tensor(y_train)).backward()
        w.data -= 0.5 * w.grad.data
    trained = w.data.ravel().copy()
    before, after = zero_one(start, x_train, y_train), zero_one(trained, x_train, y_train)
    print_table(f"full-batch gradient descent on cross-entropy ({steps} steps, lr 0.5), linear classifier",
                ["", "0-1 error (training)", "cross-entropy"],
                [["start", f"{100 * before:.1f}%", f"{cross_entropy(start, x_train, y_train):.3f}"],
                 ["after", f"{100 * after:.1f}%", f"{cross_entropy(trained, x_train, y_train):.3f}"]])

    direction = rng.normal(0, 1, 650)
    direction *= np.linalg.norm(trained) / np.linalg.norm(direction)
    alphas = np.linspace(-1, 1, 401)
    line_01 = np.array([zero_one(trained + a * direction, x_train, y_train) for a in alphas])
    line_ce = np.array([cross_entropy(trained + a * direction, x_train, y_train) for a in alphas])
    _plot(alphas, line_01, line_ce, out_dir)
    nonzero = changed / checked
    return [
        claim("zero_gradient", "the 0-1 loss has zero gradient almost everywhere (piecewise constant in the weights)",
              f"{changed} of {checked} central differences (eps {EPS}) nonzero at {points} random weight vectors",
              nonzero < 0.01, nonzero_fraction=nonzero),
        claim("surrogate_trains", "a surrogate with a gradient (cross-entropy) lowers the 0-1 error, where the 0-1 "
              "loss's own gradient (zero) never moves the weights",
              f"gradient descent on cross-entropy: 0-1 training error {100 * before:.1f}% -> {100 * after:.1f}% in "
              f"{steps} steps", after < 0.1 < 0.5 < before, before=before, after=after),
    ]


def _plot(alphas, line_01, line_ce, out_dir: Path) -> None:
    fig, left = plt.subplots(figsize=(6.5, 4))
    left.plot(alphas, 100 * line_01, color="C0", drawstyle="steps-mid", label="0-1 loss (error %)")
    left.set_xlabel("alpha along a random direction through the trained weights")
    left.set_ylabel("training error (%)", color="C0")
    right = left.twinx()
    right.plot(alphas, line_ce, color="C3", label="cross-entropy")
    right.set_ylabel("cross-entropy", color="C3")
    left.set_title("0-1 loss: flat steps (zero gradient); cross-entropy: smooth")
    save_figure(fig, out_dir, "zero_one_vs_surrogate")


def main() -> None:
    main_for(run, "e21_zero_one_loss", __doc__)


if __name__ == "__main__":
    main()
