"""Experiment 11: activation shoot-out on the digits at 8 hidden layers: steps to a target training
error, final accuracy, dead and saturated units, mean activation."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import activation_outputs, claim, digits, evaluate, main_for, mlp, plt, print_table, save_figure, train

import nn
from viz import activation_stats

DEPTH, WIDTH, TARGET_ERROR = 8, 64, 0.25
ACTIVATIONS = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "ReLU": nn.ReLU, "leaky ReLU": nn.LeakyReLU,
               "PReLU": nn.PReLU, "ELU": nn.ELU, "softplus": nn.Softplus, "swish": nn.Swish, "maxout": None}
INITS = {
    "Xavier": lambda w, g: nn.init.xavier_normal_(w, generator=g),
    "He": lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g),
}


def build(activation, initializer, seed: int):
    """8 hidden layers of 64 units with the given activation (maxout: 2 pieces per unit), same init."""
    if activation is not None:
        return mlp([64] + [WIDTH] * DEPTH + [10], activation, generator=seed, initializer=initializer)
    generator = np.random.default_rng(seed)  # one stream for the whole model (layers refuse an int)
    layers = [nn.Maxout(64 if i == 0 else WIDTH, WIDTH, pieces=2, generator=generator) for i in range(DEPTH)]
    layers.append(nn.Linear(WIDTH, 10, generator=generator))
    for layer in layers:
        initializer(layer.weight, generator)
    return nn.Sequential(*layers)


def unit_health(model, x) -> dict:
    """Dead and saturated fractions (averaged over the hidden layers) and the mean hidden activation."""
    outputs = activation_outputs(model, x)
    stats = [activation_stats(type(module).__name__, out) for _, module, out in outputs]
    dead = [s.dead_fraction for s in stats if s is not None and s.dead_fraction is not None]
    saturated = [s.saturated_fraction for s in stats if s is not None and s.saturated_fraction is not None]
    return {"dead": float(np.mean(dead)) if dead else None,
            "saturated": float(np.mean(saturated)) if saturated else None,
            "mean": float(np.mean([out.mean() for _, _, out in outputs]))}


def shoot(activation, initializer, steps: int, data, seed: int) -> dict:
    x_train, x_test, y_train, y_test = data
    model = build(activation, initializer, seed=seed + 1)
    errors = []
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run is reported, not warned about
        losses = train(model, x_train, y_train, steps, nn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9),
                       batch_size=64, seed=seed, every=10,
                       callback=lambda step, m: errors.append((step, 1 - evaluate(m, x_train, y_train)[0])))
    reached = next((step for step, error in errors if error <= TARGET_ERROR), None)
    with np.errstate(over="ignore", invalid="ignore"):
        return {"errors": errors, "reached": reached, "best_error": min(e for _, e in errors),
                "diverged": not np.isfinite(losses[-1]), "test": evaluate(model, x_test, y_test)[0],
                **unit_health(model, x_train)}


def run(quick: bool = False, out_dir: Path = Path("out/e11_activations"), seed: int = 0) -> list:
    steps = 400 if quick else 1000
    inits = ["Xavier"] if quick else list(INITS)
    data = digits(seed=seed)
    results = {(init, name): shoot(act, INITS[init], steps, data, seed)
               for init in inits for name, act in ACTIVATIONS.items()}
    for init in inits:
        print_table(f"{DEPTH} hidden layers of {WIDTH} on the digits, {init} init for all, SGD lr 0.01 momentum 0.9, "
                    f"{steps} steps", ["activation", f"steps to {100 * TARGET_ERROR:.0f}% train error", "test acc.",
                                       "dead units", "saturated", "mean activation"],
                    [[name, _reached(r), f"{100 * r['test']:.1f}%", _percent(r["dead"]), _percent(r["saturated"]),
                      f"{r['mean']:+.3f}"] for (i, name), r in results.items() if i == init])
    _plot(results, inits, out_dir)

    main = "Xavier"
    relu, tanh, sigmoid, elu = (results[main, n] for n in ("ReLU", "tanh", "sigmoid", "ELU"))
    speedup = tanh["reached"] / relu["reached"] if relu["reached"] and tanh["reached"] else None
    speedups = {i: (results[i, "tanh"]["reached"] or np.inf) / (results[i, "ReLU"]["reached"] or np.inf) for i in inits}
    sigmoid_best = {i: results[i, "sigmoid"]["best_error"] for i in inits}
    return [
        claim("relu_6x_faster", "ReLU reaches the target training error ~6x faster than tanh (Krizhevsky et al. 2012; "
              "counted as holding from 3x)",
              "steps to 25% error, tanh / ReLU: " + "; ".join(
                  f"{i} init {results[i, 'tanh']['reached']} / {results[i, 'ReLU']['reached']} "
                  f"(ReLU {speedups[i]:.2f}x as fast)" for i in inits),
              all(s >= 3 for s in speedups.values()), speedup=speedup, speedups=speedups),
        claim("sigmoid_never_25", f"sigmoid at {DEPTH} layers never reaches {100 * TARGET_ERROR:.0f}% training error",
              "best training error " + ", ".join(f"{100 * e:.1f}% ({i} init)" for i, e in sigmoid_best.items())
              + f" in {steps} steps", sigmoid["reached"] is None and min(sigmoid_best.values()) > TARGET_ERROR,
              best_error=sigmoid_best),
        claim("elu_mean_nearer_zero", "ELU's mean activation is nearer zero than ReLU's",
              f"mean hidden activation ELU {elu['mean']:+.3f}, ReLU {relu['mean']:+.3f}",
              abs(elu["mean"]) < abs(relu["mean"]), elu=elu["mean"], relu=relu["mean"]),
    ]


def _reached(result: dict) -> str:
    if result["diverged"]:
        return "diverged (NaN loss)"
    if result["reached"] is None:
        return f"never (best {100 * result['best_error']:.0f}%)"
    return str(result["reached"])


def _percent(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _plot(results: dict, inits: list, out_dir: Path) -> None:
    fig, axes = plt.subplots(1, len(inits), figsize=(6.5 * len(inits), 4.5), squeeze=False)
    for ax, init in zip(axes[0], inits):
        for (i, name), r in results.items():
            if i == init:
                steps, errors = zip(*r["errors"])
                ax.plot(steps, 100 * np.array(errors), label=name, lw=1.2)
        ax.axhline(100 * TARGET_ERROR, color="gray", ls=":", label="target")
        ax.set_xlabel("SGD step")
        ax.set_ylabel("training error (%)")
        ax.set_title(f"{DEPTH} hidden layers, {init} init")
        ax.legend(fontsize=7, ncol=2)
    save_figure(fig, out_dir, "activation_training_error")


def main() -> None:
    main_for(run, "e11_activations", __doc__)


if __name__ == "__main__":
    main()
