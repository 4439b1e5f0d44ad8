"""Experiment 2: two ReLUs make a sigmoid-like step, max(0, x+1) - max(0, x-1)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, main_for, plt, print_table, save_figure

import autograd as ag
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Two ReLUs make a step",
    claim=(
        "max(0, x+1) - max(0, x-1) is a sigmoid-like step: sums of piecewise-linear units build "
        "smooth-looking shapes, and backprop through them gives a box-shaped gradient."
    ),
    source="Deep-learning lectures, on activation functions: the ReLU (cited by topic)",
    look_at={
        "relu_step": (
            "The step is flat outside [-1, 1] and a straight ramp inside, close to 2 sigmoid(2x); its "
            "gradient is a box, exactly 1 inside and exactly 0 outside."
        ),
    },
)


def run(quick: bool = False, out_dir: Path = Path("out/e02_relu_step"), seed: int = 0) -> list:
    del seed  # nothing random: the same numbers for every seed
    points = 201 if quick else 2001
    x = ag.tensor(np.linspace(-4.0, 4.0, points), requires_grad=True)
    step = ag.relu(x + 1.0) - ag.relu(x - 1.0)
    step.sum().backward()  # each output depends on its own x only, so this is d step / dx pointwise
    slope = x.grad.data
    # the sigmoid with the same range [0, 2] and the same slope 1 at the origin
    sigmoid = ag.tensor(x.data, requires_grad=True)
    reference = 2.0 * ag.sigmoid(2.0 * sigmoid)
    reference.sum().backward()

    xs, ys, ref = x.data, step.data, reference.data
    left, right, inside = xs <= -1, xs >= 1, (xs > -1) & (xs < 1)
    flat_error = max(np.abs(ys[left]).max(), np.abs(ys[right] - 2).max())
    monotone = float(np.diff(ys).min())
    gap = float(np.abs(ys - ref).max())
    box_error = max(np.abs(slope[inside] - 1).max(), np.abs(slope[(xs < -1) | (xs > 1)]).max())

    samples = [-3, -1, -0.5, 0, 0.5, 1, 3]
    rows = []
    for s in samples:
        i = int(np.argmin(np.abs(xs - s)))
        rows.append([f"{xs[i]:+.2f}", f"{ys[i]:.3f}", f"{ref[i]:.3f}", f"{slope[i]:.2f}",
                     f"{sigmoid.grad.data[i]:.3f}"])
    print_table("max(0,x+1) - max(0,x-1) against 2*sigmoid(2x) (same range, same slope at 0)",
                ["x", "two ReLUs", "2 sigmoid(2x)", "d/dx ReLUs", "d/dx sigmoid"], rows)

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(6, 6), sharex=True)
    top.plot(xs, ys, label="max(0, x+1) - max(0, x-1)", lw=2)
    top.plot(xs, ref, "--", label="2 sigmoid(2x)")
    top.plot(xs, ag.relu(x + 1.0).data, ":", color="gray", label="max(0, x+1)")
    top.plot(xs, -ag.relu(x - 1.0).data, ":", color="silver", label="-max(0, x-1)")
    top.set_ylim(-2.2, 2.6)
    top.set_ylabel("value")
    top.legend(fontsize=8, loc="upper left")
    top.set_title("Two ReLUs make a sigmoid-like step")
    bottom.plot(xs, slope, lw=2, label="d/dx two ReLUs (backprop): a box")
    bottom.plot(xs, sigmoid.grad.data, "--", label="d/dx 2 sigmoid(2x): a bell")
    bottom.set_xlabel("x")
    bottom.set_ylabel("derivative")
    bottom.legend(fontsize=8)
    save_figure(fig, out_dir, "relu_step")

    return [
        claim("flat_outside", "max(0,x+1) - max(0,x-1) is 0 left of -1 and 2 right of +1, and never decreases",
              f"max deviation from 0/2 outside [-1,1]: {flat_error:.1e}; smallest increment {monotone:.1e}",
              flat_error < 1e-12 and monotone >= 0, flat_error=flat_error, smallest_increment=monotone),
        claim("like_sigmoid", "the step tracks a sigmoid of the same range and slope, 2 sigmoid(2x)",
              f"max |two ReLUs - 2 sigmoid(2x)| = {gap:.3f} (range 2)", gap < 0.3, max_gap=gap),
        claim("box_gradient", "its backprop gradient is a box: exactly 1 on (-1,1), exactly 0 outside",
              f"max deviation from the box: {box_error:.1e}", box_error == 0.0, box_error=box_error),
    ]


def main() -> None:
    main_for(run, "e02_relu_step", __doc__)


if __name__ == "__main__":
    main()
