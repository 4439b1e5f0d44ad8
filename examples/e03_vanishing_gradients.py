"""Experiment 3: vanishing gradients with sigmoid; ReLU and tanh with proper init keep them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, digits, main_for, mlp, plt, print_table, save_figure, save_graph, stream

import autograd as ag
import nn
import nn.functional as F
import viz
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Vanishing gradients in a deep sigmoid network",
    claim=(
        "The sigmoid's derivative is at most 1/4, so the gradient shrinks layer after layer on its way to"
        " the input; tanh with Xavier init and ReLU with He init keep its size."
    ),
    source="Deep-learning lectures, on the vanishing-gradient problem and activation functions (cited by topic)",
    look_at={
        "sigmoid_graph": (
            "Read from the loss (bottom) up to the input: the fill fades from green to the blues of "
            "'vanishing', and the gradient RMS printed in each box shrinks about 4x per layer."
        ),
        "relu_he_layer_view": (
            "The same depth with ReLU and He init: every box keeps a similar gradient norm and nothing is"
            " flagged."
        ),
        "gradient_per_layer": (
            "On the log scale the sigmoid net's gradient falls along a straight line (a constant factor "
            "per layer); tanh and ReLU stay flat."
        ),
    },
)

DEPTH, WIDTH, BATCH = 10, 64, 256
NETS = {
    "sigmoid, Xavier": (nn.Sigmoid, lambda w, g: nn.init.xavier_normal_(w, generator=g)),
    "tanh, Xavier": (nn.Tanh, lambda w, g: nn.init.xavier_normal_(w, generator=g)),
    "ReLU, He": (nn.ReLU, lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g)),
}


def gradients_at_init(activation, initializer, x, y, generator) -> tuple[np.ndarray, viz.Trace, object]:
    """RMS of each Linear layer's weight gradient (input layer first) after one backward at init."""
    model = mlp([64] + [WIDTH] * DEPTH + [10], activation, generator=generator, initializer=initializer, bias=0.0)
    loss = F.cross_entropy(model(ag.tensor(x)), ag.tensor(y))
    traced = viz.trace(loss, model=model)  # before backward, so op gradients are recorded too
    loss.backward()
    rms = np.array([viz.gradient_stats(m.weight.grad.data).rms for m in model if isinstance(m, nn.Linear)])
    return rms, traced, model


def per_layer_factor(rms: np.ndarray) -> float:
    """Geometric mean of rms[l] / rms[l+1] over the hidden layers: < 1 means shrinking toward the input."""
    hidden = rms[:-1]  # the output layer's gradient does not pass through an activation derivative
    return float(np.exp(np.mean(np.diff(np.log(hidden[::-1])))))


def run(quick: bool = False, out_dir: Path = Path("out/e03_vanishing_gradients"), seed: int = 0) -> list:
    x_train, _, y_train, _ = digits(seed=seed)
    x, y = x_train[:BATCH], y_train[:BATCH]
    results = {}
    for name, (activation, initializer) in NETS.items():
        rms, traced, model = gradients_at_init(activation, initializer, x, y, stream(seed, name))
        vanishing = [n.name for n in traced.parameters() if "vanishing" in n.flags]
        results[name] = {"rms": rms, "factor": per_layer_factor(rms), "trace": traced, "vanishing": vanishing,
                         "model": model}
    print_table(f"RMS of each layer's weight gradient at init ({DEPTH} hidden layers of {WIDTH}, a batch of "
                f"{BATCH} digits)", ["layer", *NETS],
                [[str(i + 1) if i < DEPTH else "output"] + [f"{r['rms'][i]:.2e}" for r in results.values()]
                 for i in range(DEPTH + 1)])
    print_table("per-layer factor toward the input, and parameters the trace flags as vanishing",
                ["network", "factor", "first / last hidden layer", "flagged vanishing"],
                [[n, f"{r['factor']:.3f}", f"{r['rms'][0] / r['rms'][DEPTH - 1]:.1e}", str(len(r["vanishing"]))]
                 for n, r in results.items()])

    sigmoid = results["sigmoid, Xavier"]
    graph = viz.draw_graph(sigmoid["trace"], title=f"{DEPTH} sigmoid layers at init: gradients fade toward the input",
                           rankdir="TB")
    save_graph(graph, out_dir, "sigmoid_graph", formats=("svg", "png"))
    layer_view = viz.draw_model(results["ReLU, He"]["model"], F.cross_entropy(
        results["ReLU, He"]["model"](ag.tensor(x)), ag.tensor(y)), title=f"{DEPTH} ReLU layers, He init")
    save_graph(layer_view, out_dir, "relu_he_layer_view", formats=("svg", "png"))
    _plot(results, out_dir)

    healthy = [results["tanh, Xavier"], results["ReLU, He"]]
    first_weight = "0.weight"
    return [
        claim("sigmoid_shrinks", "in a deep sigmoid net the gradient shrinks roughly geometrically toward the input "
              "(sigmoid' <= 0.25)",
              f"factor per layer {sigmoid['factor']:.3f}; first hidden layer "
              f"{sigmoid['rms'][0] / sigmoid['rms'][DEPTH - 1]:.1e} x the last",
              sigmoid["factor"] < 0.4 and sigmoid["rms"][0] / sigmoid["rms"][DEPTH - 1] < 1e-3,
              factor=sigmoid["factor"], rms=sigmoid["rms"]),
        claim("proper_init_keeps", "tanh (Xavier) and ReLU (He) keep the gradient's size through the layers",
              f"factor per layer tanh {healthy[0]['factor']:.2f}, ReLU {healthy[1]['factor']:.2f}",
              all(0.5 < r["factor"] < 2 for r in healthy), tanh=healthy[0]["factor"], relu=healthy[1]["factor"]),
        claim("render_flags", "the graph render marks the sigmoid net's early weights 'vanishing', none of the others'",
              f"parameters flagged vanishing: sigmoid {len(sigmoid['vanishing'])} (incl. {first_weight}: "
              f"{first_weight in sigmoid['vanishing']}), tanh {len(healthy[0]['vanishing'])}, "
              f"ReLU {len(healthy[1]['vanishing'])}",
              first_weight in sigmoid["vanishing"] and "vanishing" in graph.source
              and not healthy[0]["vanishing"] and not healthy[1]["vanishing"],
              sigmoid=sigmoid["vanishing"], tanh=healthy[0]["vanishing"], relu=healthy[1]["vanishing"]),
    ]


def _plot(results: dict, out_dir: Path) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    layers = np.arange(1, DEPTH + 2)
    for name, r in results.items():
        ax.semilogy(layers, r["rms"], "o-", label=f"{name} (x{r['factor']:.2f} per layer)")
    ax.set_xticks(layers, [str(i) for i in layers[:-1]] + ["out"])
    ax.set_xlabel("layer (input side left)")
    ax.set_ylabel("RMS of the weight gradient (log)")
    ax.set_title("Gradient size per layer at init")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    save_figure(fig, out_dir, "gradient_per_layer")


def main() -> None:
    main_for(run, "e03_vanishing_gradients", __doc__)


if __name__ == "__main__":
    main()
