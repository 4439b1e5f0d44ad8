"""Experiment 17: maxout (Goodfellow et al. 2013): max of k affine pieces. With the right weights it is
exactly ReLU or leaky ReLU; it does not saturate, and it does not die in experiment 5's huge-step test."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, stream, train

import autograd as ag
import nn
import nn.functional as F
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Maxout: ReLU and leaky ReLU as special cases, and no dying",
    claim="Maxout generalizes ReLU and leaky ReLU (max(w1.x + b1, w2.x + b2)); it works in a linear regime, "
          "does not saturate and does not die, at the cost of doubling the parameters per unit.",
    source="Deep-learning lectures, activation functions; Goodfellow et al. 2013",
    look_at={"maxout_special_cases": "Left: one maxout unit with pieces (z, 0) and (z, 0.01 z) traces ReLU and "
                                     "leaky ReLU exactly; right: after the huge step, the ReLU net's units without "
                                     "gradient against the maxout net's."},
)
HUGE_LR, LR, HIDDEN = 50.0, 0.05, 100


def special_cases() -> dict:
    """Largest |maxout - ReLU| and |maxout - leaky ReLU| of one unit whose two pieces are z and a z (float64)."""
    z = np.linspace(-5, 5, 1001)
    x = ag.tensor(z[:, None])
    errors = {}
    for name, slope, reference in (("relu", 0.0, np.maximum(z, 0)), ("leaky", 0.01, np.where(z > 0, z, 0.01 * z))):
        unit = nn.Maxout(1, 1, pieces=2, dtype=np.float64)
        unit.weight.data[:] = [[1.0], [slope]]  # piece 1: z, piece 2: slope * z
        unit.bias.data[:] = 0.0
        with ag.no_grad():
            errors[name] = float(np.abs(unit(x).data[:, 0] - reference).max())
    return errors


def maxout_net(generator: np.random.Generator) -> nn.Sequential:
    """64-100-100-10 with maxout units of 2 pieces: the same widths as experiment 5's ReLU net."""
    return nn.Sequential(nn.Maxout(64, HIDDEN, pieces=2, generator=generator),
                         nn.Maxout(HIDDEN, HIDDEN, pieces=2, generator=generator),
                         nn.Linear(HIDDEN, 10, generator=generator))


def gradless_units(model, x: np.ndarray, y: np.ndarray, negligible: float = 1e-12) -> float:
    """Fraction of hidden units all of whose incoming weights (every piece) get a gradient below `negligible`."""
    model.zero_grad()
    F.cross_entropy(model(ag.tensor(x)), ag.tensor(y)).backward()
    fractions = []
    for layer in list(model)[:-1]:
        if isinstance(layer, (nn.Linear, nn.Maxout)):
            rows = np.all(np.abs(layer.weight.grad.data) < negligible, axis=1)
            pieces = getattr(layer, "pieces", 1)
            fractions.append(rows.reshape(-1, pieces).all(axis=1))  # a unit is gradless when all its pieces are
    model.zero_grad()
    return float(np.concatenate(fractions).mean())


def huge_step_test(model, data, steps: tuple[int, int], seed: int) -> dict:
    """Experiment 5's protocol: train, ONE step with lr HUGE_LR, train on; units without gradient and accuracy."""
    x_train, x_test, y_train, y_test = data
    with np.errstate(over="ignore", invalid="ignore"):  # the huge step overflows on purpose
        train(model, x_train, y_train, steps[0], nn.optim.SGD(model.parameters(), lr=LR, momentum=0.9), seed=seed)
        before = gradless_units(model, x_train, y_train)
        train(model, x_train, y_train, 1, nn.optim.SGD(model.parameters(), lr=HUGE_LR), seed=seed + 5)
        after = gradless_units(model, x_train, y_train)
        train(model, x_train, y_train, steps[1], nn.optim.SGD(model.parameters(), lr=LR), seed=seed + 6)
        return {"before": before, "after": after, "final": gradless_units(model, x_train, y_train),
                "accuracy": evaluate(model, x_test, y_test)[0]}


def run(quick: bool = False, out_dir: Path = Path("out/e17_maxout"), seed: int = 0) -> list:
    errors = special_cases()
    print(f"one maxout unit, pieces (z, 0): max |maxout - ReLU| = {errors['relu']:.1e}; pieces (z, 0.01 z): "
          f"max |maxout - leaky ReLU| = {errors['leaky']:.1e}")
    steps = (200, 300) if quick else (300, 1000)
    data = digits(seed=seed)
    nets = 2 if quick else 3  # several draws: one net's dead count is noise
    results = {"ReLU": [], "maxout": []}
    for k in range(nets):
        results["ReLU"].append(huge_step_test(mlp([64, HIDDEN, HIDDEN, 10], nn.ReLU, stream(seed, f"relu {k}")),
                                              data, steps, seed + k))
        results["maxout"].append(huge_step_test(maxout_net(stream(seed, f"maxout {k}")), data, steps, seed + k))
    mean = {name: {key: float(np.mean([r[key] for r in runs])) for key in runs[0]} for name, runs in results.items()}
    print_table(f"experiment 5's test, mean of {nets} nets: {steps[0]} SGD steps, one step with lr {HUGE_LR}, "
                f"{steps[1]} more; hidden units without gradient (< 1e-12) on the training set",
                ["network", "before the huge step", "after it", "at the end", "test accuracy at the end"],
                [[n, _pc(m["before"]), _pc(m["after"]), _pc(m["final"]), _pc(m["accuracy"])] for n, m in mean.items()])

    # saturation: the local derivative of a maxout unit is its winning piece's weights, never ~0
    x = ag.tensor(data[0][:256], requires_grad=True)
    model = maxout_net(stream(seed, "saturation"))
    model[0](x).sum().backward()
    input_gradient = np.abs(x.grad.data).sum(axis=1)
    _plot(mean, out_dir)
    relu, maxout = mean["ReLU"], mean["maxout"]
    return [
        claim("special_cases", "maxout with pieces (z, 0) is exactly ReLU, with (z, 0.01 z) exactly leaky ReLU",
              f"max |difference| on 1001 points in [-5, 5]: ReLU {errors['relu']:.1e}, "
              f"leaky ReLU {errors['leaky']:.1e}",
              errors["relu"] == 0 and errors["leaky"] == 0, **errors),
        claim("no_saturation", "a maxout unit does not saturate: its output moves with its winning piece, so every "
              "example passes a gradient back",
              f"examples whose input gets no gradient through the first maxout layer: "
              f"{int((input_gradient == 0).sum())} of {len(input_gradient)}; smallest |gradient| sum "
              f"{input_gradient.min():.2f}", (input_gradient > 0).all(), smallest=float(input_gradient.min())),
        claim("no_death", f"maxout does not die in experiment 5's huge-step test (lr {HUGE_LR}), where ReLU does",
              f"units without gradient after the step, mean of {nets} nets: ReLU {_pc(relu['after'])} "
              f"({_pc(relu['final'])} at the end), maxout {_pc(maxout['after'])} ({_pc(maxout['final'])} at the end); "
              f"test accuracy at the end ReLU {_pc(relu['accuracy'])}, maxout {_pc(maxout['accuracy'])}",
              maxout["after"] == 0 and maxout["final"] == 0 and relu["after"] > 0.1,
              relu_after=relu["after"], maxout_after=maxout["after"], maxout_final=maxout["final"],
              relu_accuracy=relu["accuracy"], maxout_accuracy=maxout["accuracy"]),
    ]


def _pc(fraction: float) -> str:
    return f"{100 * fraction:.1f}%"


def _plot(mean: dict, out_dir: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    z = np.linspace(-3, 3, 301)
    left.plot(z, np.maximum(z, 0), lw=3, alpha=0.4, label="ReLU")
    left.plot(z, np.maximum(z, 0 * z), "--", label="maxout(z, 0)")
    left.plot(z, np.where(z > 0, z, 0.01 * z) - 0.3, lw=3, alpha=0.4, label="leaky ReLU (shifted down 0.3)")
    left.plot(z, np.maximum(z, 0.01 * z) - 0.3, "--", label="maxout(z, 0.01 z) (shifted down 0.3)")
    left.set_xlabel("z = w.x + b")
    left.set_title("Maxout reproduces ReLU and leaky ReLU")
    left.legend(fontsize=7)
    stages = ["before", "after", "final"]
    for i, (name, m) in enumerate(mean.items()):
        right.bar(np.arange(3) + (i - 0.5) * 0.35, [100 * m[s] for s in stages], 0.35, label=name)
    right.set_xticks(range(3), ["before the huge step", "just after", "at the end"])
    right.set_ylabel("% of hidden units without gradient")
    right.set_title(f"Experiment 5's huge step (lr {HUGE_LR})")
    right.legend(fontsize=8)
    save_figure(fig, out_dir, "maxout_special_cases")


def main() -> None:
    main_for(run, "e17_maxout", __doc__)


if __name__ == "__main__":
    main()
