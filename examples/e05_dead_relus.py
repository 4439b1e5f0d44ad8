"""Experiment 5: dead ReLUs. One step with a huge learning rate kills ReLU units for good; a positive
bias init (0.01), leaky ReLU and ELU are the lectures' remedies. The monitor and the renders show it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, save_graph, stream, train

import autograd as ag
import nn
import nn.functional as F
import viz
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Dead ReLUs, and the remedies",
    claim=(
        "One too-large update can push a ReLU unit where it never activates again, and a dead unit stays "
        "dead; a small positive bias, leaky ReLU and ELU are the remedies."
    ),
    source="Deep-learning lectures, on activation functions: dying ReLUs (cited by topic)",
    look_at={
        "layer_view_after_huge_step": (
            "Right after the huge step a purple border marks each layer where most ReLU units are dead; "
            "'dead N%' in a box is the share of its units that output 0 on every example."
        ),
        "monitor_dead_fraction": (
            "The dead fraction of each layer over training: it jumps at the huge step and, for ReLU, "
            "never comes back down."
        ),
        "silent_units": (
            "Units that are silent on every example, per variant: leaky ReLU and ELU units can be silent "
            "and still receive a gradient, ReLU units cannot."
        ),
    },
)

HUGE_LR, LR = 50.0, 0.05
BIAS_NETS = 3  # one net's dead count moves by a few units of 200: the positive-bias claim averages nets
VARIANTS = {"ReLU": (nn.ReLU, None), "ReLU, biases 0.01": (nn.ReLU, 0.01), "leaky ReLU": (nn.LeakyReLU, None),
            "ELU": (nn.ELU, None)}


def silent_units(model, x: np.ndarray) -> list[np.ndarray]:
    """Per hidden layer, which units have a pre-activation <= 0 on every example (a ReLU there outputs 0)."""
    h, silent = ag.tensor(x), []
    with ag.no_grad():
        for layer in model:
            out = layer(h)
            if isinstance(layer, nn.Linear) and layer is not model[-1]:
                silent.append(np.all(out.data <= 0, axis=0))
            h = out
    return silent


def gradless_units(model, x: np.ndarray, y: np.ndarray, negligible: float = 1e-12) -> float:
    """Fraction of hidden units whose incoming weights all get a gradient below `negligible` (none, in
    effect) on the whole training set: 0 for a dead ReLU, e^x for an ELU pushed far below 0."""
    model.zero_grad()
    F.cross_entropy(model(ag.tensor(x)), ag.tensor(y)).backward()
    hidden = [layer for layer in model if isinstance(layer, nn.Linear)][:-1]
    rows = np.concatenate([np.all(np.abs(layer.weight.grad.data) < negligible, axis=1) for layer in hidden])
    model.zero_grad()
    return float(rows.mean())


def run_variant(activation, bias, data, steps: tuple[int, int], monitor_model: bool, seed: int) -> dict:
    x_train, x_test, y_train, y_test = data
    model = mlp([64, 100, 100, 10], activation, generator=stream(seed, "net"), bias=bias)  # same draw per variant
    monitor = viz.Monitor(model, every=5, histograms=False) if monitor_model else None
    fraction = lambda silent: float(np.mean(np.concatenate(silent)))  # noqa: E731
    result = {"init": fraction(silent_units(model, x_train))}
    with np.errstate(over="ignore", invalid="ignore"):  # the huge step overflows on purpose
        train(model, x_train, y_train, steps[0], nn.optim.SGD(model.parameters(), lr=LR, momentum=0.9),
              seed=seed, monitor=monitor)
        result["trained"] = fraction(silent_units(model, x_train))
        result["accuracy_before"] = evaluate(model, x_test, y_test)[0]
        train(model, x_train, y_train, 1, nn.optim.SGD(model.parameters(), lr=HUGE_LR), seed=seed + 5, monitor=monitor)
        after_step = silent_units(model, x_train)
        train(model, x_train, y_train, steps[1], nn.optim.SGD(model.parameters(), lr=LR), seed=seed + 6,
              monitor=monitor)
    final = silent_units(model, x_train)
    result.update(after_step=fraction(after_step), final=fraction(final),
                  first_layer_revived=float((after_step[0] & ~final[0]).sum() / max(after_step[0].sum(), 1)),
                  accuracy=evaluate(model, x_test, y_test)[0], gradless=gradless_units(model, x_train, y_train),
                  monitor=monitor)
    return result


def bias_test(data, steps: int, seed: int) -> dict:
    """Silent fraction at init, after training and after the huge step, default bias vs bias 0.01 on the same
    weights, mean of BIAS_NETS nets."""
    x_train, _, y_train, _ = data
    found = {"default": [], "0.01": []}
    for k in range(BIAS_NETS):
        for name, bias in (("default", None), ("0.01", 0.01)):
            model = mlp([64, 100, 100, 10], nn.ReLU, generator=stream(seed, f"net {k}"), bias=bias)
            at_init = float(np.mean(np.concatenate(silent_units(model, x_train))))
            with np.errstate(over="ignore", invalid="ignore"):  # the huge step overflows on purpose
                train(model, x_train, y_train, steps, nn.optim.SGD(model.parameters(), lr=LR, momentum=0.9),
                      seed=seed + k)
                trained = float(np.mean(np.concatenate(silent_units(model, x_train))))
                train(model, x_train, y_train, 1, nn.optim.SGD(model.parameters(), lr=HUGE_LR), seed=seed + 5 + k)
            found[name].append((at_init, float(np.mean(np.concatenate(silent_units(model, x_train)))), trained))
    return {name: np.mean(values, axis=0) for name, values in found.items()}


def run(quick: bool = False, out_dir: Path = Path("out/e05_dead_relus"), seed: int = 0) -> list:
    steps = (200, 300) if quick else (300, 1000)
    data = digits(seed=seed)
    results = {name: run_variant(act, bias, data, steps, monitor_model=(name == "ReLU"), seed=seed)
               for name, (act, bias) in VARIANTS.items()}
    print_table(f"64-100-100-10 on the digits: {steps[0]} SGD steps (lr {LR}, momentum 0.9), ONE step with lr "
                f"{HUGE_LR}, then {steps[1]} SGD steps (lr {LR}). 'Silent': pre-activation <= 0 on every training "
                "example (dead for ReLU)",
                ["network", "silent at init", "after training", "after the huge step", "at the end",
                 "layer-1 revived", "no gradient (< 1e-12) at the end", "test acc. before / end"],
                [[n, _pc(r["init"]), _pc(r["trained"]), _pc(r["after_step"]), _pc(r["final"]),
                  _pc(r["first_layer_revived"]), _pc(r["gradless"]),
                  f"{100 * r['accuracy_before']:.1f}% / {100 * r['accuracy']:.1f}%"] for n, r in results.items()])

    relu, biased, leaky, elu = results.values()
    bias = bias_test(data, steps[0], seed)
    print_table(f"positive bias, mean of {BIAS_NETS} nets (same weights per pair): silent ReLU units",
                ["biases", "at init", f"after {steps[0]} steps and the huge step"],
                [[n, _pc(v[0]), _pc(v[1])] for n, v in bias.items()])
    protection = float(bias["default"][1] - bias["0.01"][1])
    # the kill fraction of one net moves by ~10 points with the seed: the mean over the monitored net and the
    # BIAS_NETS default-bias nets, which went through the same protocol
    killed_after = float((relu["after_step"] + BIAS_NETS * bias["default"][1]) / (1 + BIAS_NETS))
    killed_before = float((relu["trained"] + BIAS_NETS * bias["default"][2]) / (1 + BIAS_NETS))
    monitor = relu["monitor"]
    after = next(s for s in monitor.steps if s > steps[0])  # the first recorded step after the huge one
    layer_view = viz.draw_model(monitor, step=after, title=f"ReLU net, step {after}: just after one step with lr "
                                f"{HUGE_LR}")
    save_graph(layer_view, out_dir, "layer_view_after_huge_step", formats=("svg", "png"))
    viz.plot_dead_fraction(monitor, out_dir / "monitor_dead_fraction.png")
    plt.close("all")
    dead_words = [w for layer in monitor.layers(after) if layer.activation is not None
                  for w in layer.activation.words() if w.startswith("dead")]
    _plot(results, out_dir)

    return [
        claim("huge_step_kills", f"one step with a huge learning rate ({HUGE_LR}) kills a large fraction of ReLUs",
              f"dead ReLU units, mean of {1 + BIAS_NETS} nets: {_pc(killed_before)} before the step, "
              f"{_pc(killed_after)} after it", killed_before < 0.1 and killed_after > 0.25,
              before=killed_before, after=killed_after),
        claim("stay_dead", "they stay dead over further training",
              f"monitored net: {_pc(relu['after_step'])} dead after the step, {_pc(relu['final'])} after {steps[1]} "
              f"more steps; revived in layer 1: {_pc(relu['first_layer_revived'])}; units without gradient: "
              f"{_pc(relu['gradless'])}",
              relu["first_layer_revived"] == 0 and relu["final"] >= 0.9 * relu["after_step"]
              and relu["gradless"] >= 0.9 * relu["after_step"] > 0.1,
              after=relu["after_step"], final=relu["final"], revived=relu["first_layer_revived"],
              gradless=relu["gradless"]),
        claim("leaky_elu_reduce", "leaky ReLU and ELU reduce it: far fewer units are left without a gradient",
              f"units without gradient: ReLU {_pc(relu['gradless'])}, leaky {_pc(leaky['gradless'])}, ELU "
              f"{_pc(elu['gradless'])}; test accuracy at the end ReLU {100 * relu['accuracy']:.1f}%, leaky "
              f"{100 * leaky['accuracy']:.1f}%, ELU {100 * elu['accuracy']:.1f}%",
              max(leaky["gradless"], elu["gradless"]) < 0.5 * relu["gradless"],
              gradless={"relu": relu["gradless"], "leaky": leaky["gradless"], "elu": elu["gradless"]},
              accuracy={"relu": relu["accuracy"], "leaky": leaky["accuracy"], "elu": elu["accuracy"]}),
        claim("positive_bias", "the lectures' remedy, a positive bias init (0.01), makes fewer ReLUs silent at init, "
              "but it does not protect them from a large negative update (the reason it is given): after the huge "
              "step nearly as many die (at least 80% as many)",
              f"mean of {BIAS_NETS} nets, silent with biases 0.01 vs default: at init {_pc(bias['0.01'][0])} vs "
              f"{_pc(bias['default'][0])}; after the huge step {_pc(bias['0.01'][1])} vs {_pc(bias['default'][1])} "
              f"({100 * protection:+.1f} points of protection)",
              bias["0.01"][0] < bias["default"][0] and bias["0.01"][1] > 0.8 * bias["default"][1],
              init_biased=bias["0.01"][0], init_default=bias["default"][0], after_biased=bias["0.01"][1],
              after_default=bias["default"][1], protection=protection),
        claim("render_shows", "the monitor and its layer view show the dead units",
              f"layer view at step {after}: {', '.join(dead_words)}",
              "dead" in layer_view.source and any(w != "dead 0%" for w in dead_words), words=dead_words),
    ]


def _pc(fraction: float) -> str:
    return f"{100 * fraction:.1f}%"


def _plot(results: dict, out_dir: Path) -> None:
    stages = ["init", "trained", "after_step", "final"]
    labels = ["at init", "after training", "after the huge step", "at the end"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4), gridspec_kw={"width_ratios": [1.6, 1]})
    width = 0.2
    for i, (name, r) in enumerate(results.items()):
        left.bar(np.arange(len(stages)) + (i - 1.5) * width, [100 * r[s] for s in stages], width, label=name)
        right.bar(np.arange(2) + (i - 1.5) * width, [100 * r["gradless"], 100 * r["accuracy"]], width, label=name)
    left.set_xticks(range(len(stages)), labels)
    left.set_ylabel("% of hidden units")
    left.set_title(f"Silent units (pre-activation <= 0 on every example), lr {HUGE_LR} step between")
    left.legend(fontsize=8)
    right.set_xticks(range(2), ["units without gradient\n(dead) at the end", "test accuracy at the end"])
    right.set_ylabel("%")
    right.set_title("Silent is not dead for leaky ReLU and ELU")
    save_figure(fig, out_dir, "silent_units")


def main() -> None:
    main_for(run, "e05_dead_relus", __doc__)


if __name__ == "__main__":
    main()
