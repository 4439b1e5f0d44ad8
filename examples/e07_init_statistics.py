"""Experiment 7: initialization and activation statistics (CS231n's 10 x 500 experiment)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, main_for, plt, print_table, save_figure, stream

import autograd as ag
from gradsight.claims import Lecture
from nn import init

LECTURE = Lecture(
    title="Initialization and activation statistics: the 10-layer, 500-unit experiment",
    claim=(
        "With small random weights the activations of a deep tanh net collapse toward zero; with large "
        "ones they saturate; Xavier init keeps tanh activations in range and He init does the same for "
        "ReLU."
    ),
    source="CS231n, training neural networks: weight initialization (its 10 x 500 tanh experiment; cited by topic)",
    look_at={
        "histograms_per_layer": (
            "One histogram per layer: W x 0.01 collapses onto 0, W x 1.0 piles up at -1 and +1 "
            "(saturated), Xavier keeps tanh spread out, He keeps ReLU spread out."
        ),
        "std_per_layer": (
            "The std of each layer's activations on a log scale: a flat line is healthy, a falling line "
            "is the signal dying out."
        ),
    },
)

LAYERS, WIDTH, SATURATED = 10, 500, 0.97
# name -> (activation, initializer); the layers are square, so Glorot's sqrt(2/(fan_in+fan_out))
# is the lectures' 1/sqrt(fan_in) and He's sqrt(2)/sqrt(fan_in) is sqrt(2/fan_in)
SETUPS = {
    "tanh, W x 0.01": ("tanh", init.small_random_),
    "tanh, W x 1.0": ("tanh", init.large_random_),
    "tanh, Xavier 1/sqrt(fan_in)": ("tanh", init.xavier_normal_),
    "ReLU, Xavier 1/sqrt(fan_in)": ("relu", init.xavier_normal_),
    "ReLU, He sqrt(2/fan_in)": ("relu", lambda w, generator: init.kaiming_normal_(w, nonlinearity="relu",
                                                                                  generator=generator)),
}


def layer_activations(inputs: np.ndarray, activation: str, initializer, rng: np.random.Generator) -> list[np.ndarray]:
    """Forward unit-Gaussian inputs through LAYERS layers of WIDTH units; every layer's output."""
    h = ag.tensor(inputs)
    outputs = []
    with ag.no_grad():
        for _ in range(LAYERS):
            weight = initializer(ag.zeros((WIDTH, h.shape[1])), generator=rng)  # PyTorch's (out, in)
            pre = h @ weight.T
            h = ag.tanh(pre) if activation == "tanh" else ag.relu(pre)
            outputs.append(h.data)
    return outputs


def run(quick: bool = False, out_dir: Path = Path("out/e07_init_statistics"), seed: int = 0) -> list:
    samples = 500 if quick else 1000
    inputs = stream(seed, "inputs").standard_normal((samples, WIDTH)).astype(np.float32)
    stats = {}
    for name, (activation, initializer) in SETUPS.items():
        outputs = layer_activations(inputs, activation, initializer, stream(seed, name))
        stats[name] = {
            "outputs": outputs,
            "std": np.array([o.std() for o in outputs], dtype=np.float64),
            "mean": np.array([o.mean() for o in outputs], dtype=np.float64),
            "saturated": np.array([(np.abs(o) > SATURATED).mean() for o in outputs]),
        }
        rows = [[str(i + 1), f"{stats[name]['mean'][i]:+.2e}", f"{stats[name]['std'][i]:.2e}",
                 f"{100 * stats[name]['saturated'][i]:.1f}%" if activation == "tanh" else "-"]
                for i in range(LAYERS)]
        print_table(f"{name}: {samples} unit-Gaussian inputs through {LAYERS} layers of {WIDTH}",
                    ["layer", "mean", "std", f"|h|>{SATURATED}"], rows)

    _plot_std(stats, out_dir)
    _plot_histograms(stats, out_dir)

    small, large, xavier = (stats[k] for k in list(SETUPS)[:3])
    relu_xavier, relu_he = stats["ReLU, Xavier 1/sqrt(fan_in)"], stats["ReLU, He sqrt(2/fan_in)"]
    shrink = float(np.exp(np.mean(np.diff(np.log(small["std"])))))
    halving = float(np.exp(np.mean(np.diff(np.log(relu_xavier["std"] ** 2)))))
    return [
        claim("tanh_small", "tanh, W x 0.01: the std collapses by ~0.22 per layer to ~1e-7 at layer 10",
              f"std ratio per layer {shrink:.3f}; layer 10 std {small['std'][-1]:.1e}",
              0.18 < shrink < 0.26 and 1e-8 < small["std"][-1] < 1e-6,
              ratio=shrink, std=small["std"]),
        claim("tanh_large", "tanh, W x 1.0: std ~0.98 and > 90% of units saturated at every layer",
              f"std {large['std'].min():.3f}..{large['std'].max():.3f}; saturated "
              f"{100 * large['saturated'].min():.1f}..{100 * large['saturated'].max():.1f}%",
              large["std"].min() > 0.95 and large["saturated"].min() > 0.9,
              std=large["std"], saturated=large["saturated"]),
        claim("tanh_xavier", "tanh, Xavier: std ~0.63 at layer 1 easing to ~0.23 at layer 10, no saturation",
              f"std {xavier['std'][0]:.2f} -> {xavier['std'][-1]:.2f}; saturated at most "
              f"{100 * xavier['saturated'].max():.1f}% (layer 1), {100 * xavier['saturated'][-1]:.2f}% at layer 10",
              0.58 < xavier["std"][0] < 0.68 and 0.15 < xavier["std"][-1] < 0.32 and xavier["saturated"].max() < 0.05,
              std=xavier["std"], saturated=xavier["saturated"]),
        claim("relu_xavier", "ReLU, Xavier: the variance halves at every layer",
              f"variance ratio per layer {halving:.3f}; "
              f"std {relu_xavier['std'][0]:.2f} -> {relu_xavier['std'][-1]:.3f}",
              0.4 < halving < 0.6, ratio=halving, std=relu_xavier["std"]),
        claim("relu_he", "ReLU, He: the std stays ~0.8 through all 10 layers (within a factor 1.5 of layer 1)",
              f"std {relu_he['std'][0]:.2f} at layer 1, {relu_he['std'].min():.2f}..{relu_he['std'].max():.2f} "
              f"over the layers",
              0.7 < relu_he["std"][0] < 0.95 and 1 / 1.5 < relu_he["std"].min() / relu_he["std"][0]
              and relu_he["std"].max() / relu_he["std"][0] < 1.5, std=relu_he["std"]),
    ]


def _plot_std(stats: dict, out_dir: Path) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    layers = np.arange(1, LAYERS + 1)
    for name, s in stats.items():
        ax.semilogy(layers, s["std"], "o-", label=name)
    ax.set_xlabel("layer")
    ax.set_ylabel("std of the layer's output (log scale)")
    ax.set_title(f"Activation std per layer ({LAYERS} layers of {WIDTH}, unit-Gaussian inputs)")
    ax.set_xticks(layers)
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    save_figure(fig, out_dir, "std_per_layer")


def _plot_histograms(stats: dict, out_dir: Path) -> None:
    """One histogram per layer, one row per setup (the lectures' figure)."""
    fig, axes = plt.subplots(len(stats), LAYERS, figsize=(2 * LAYERS, 2.1 * len(stats)))
    for row, (name, s) in zip(axes, stats.items()):
        largest = max(float(np.abs(o).max()) for o in s["outputs"])
        low = 0.0 if name.startswith("ReLU") else -largest
        for i, (ax, values) in enumerate(zip(row, s["outputs"])):
            ax.hist(values.ravel(), bins=50, range=(low, largest), color="C0")
            ax.set_yticks([])
            ax.tick_params(labelsize=6)
            ax.set_title(f"layer {i + 1}: std {s['std'][i]:.1e}", fontsize=7)
        row[0].set_ylabel(name, fontsize=8)
    fig.suptitle("Output of every layer (one histogram per layer; x range shared within a row)")
    fig.tight_layout()
    save_figure(fig, out_dir, "histograms_per_layer")


def main() -> None:
    main_for(run, "e07_init_statistics", __doc__)


if __name__ == "__main__":
    main()
