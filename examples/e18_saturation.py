"""Experiment 18: saturation kills sigmoid/tanh gradients unit by unit. At W x 1 (CS231n's 10 x 500
net) nearly every unit sits on a flat part of its curve and passes almost no gradient; the per-layer
gradient RMS shows what the few unsaturated units do with the large weights."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, main_for, plt, print_table, save_figure, stream

import autograd as ag
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Saturated sigmoid and tanh units pass no gradient",
    claim="With large weights (W x 1) almost all tanh/sigmoid neurons are saturated at -1/1 (or 0/1), where the "
          "local gradient is ~0, so the gradient through them is killed.",
    source="Deep-learning lectures, activation functions and weight initialization (the 10-layer, 500-unit "
           "tanh experiment)",
    look_at={"saturation": "Left: the share of (example, unit) pairs whose local gradient is below 1% of its "
                           "peak, per layer; right: the weight-gradient RMS per layer (log)."},
)
LAYERS, WIDTH = 10, 500
# local gradient below 1% of its peak: tanh' = 1 - tanh^2 peaks at 1, sigmoid' = s (1 - s) at 1/4
FLAT = {"tanh": 0.01, "sigmoid": 0.0025}
SCALES = {"W x 1": lambda n: 1.0, "Xavier 1/sqrt(n)": lambda n: 1 / np.sqrt(n)}


def backward_at_init(activation: str, scale, inputs: np.ndarray, direction: np.ndarray,
                     rng: np.random.Generator) -> dict:
    """One forward and backward through LAYERS layers; per layer the flat fraction and the weight-gradient RMS."""
    weights = [ag.tensor(rng.standard_normal((WIDTH, WIDTH)) * scale(WIDTH), requires_grad=True)
               for _ in range(LAYERS)]
    h, flat = ag.tensor(inputs), []
    for weight in weights:
        h = ag.tanh(h @ weight) if activation == "tanh" else ag.sigmoid(h @ weight)
        local = 1 - h.data ** 2 if activation == "tanh" else h.data * (1 - h.data)
        flat.append(float((local < FLAT[activation]).mean()))
    (h * ag.tensor(direction)).sum().backward()  # a fixed random readout of the last layer
    rms = np.array([np.sqrt(np.mean(w.grad.data ** 2)) for w in weights])
    return {"flat": np.array(flat), "rms": rms, "factor": float(np.exp(np.mean(np.diff(np.log(rms[::-1])))))}


def run(quick: bool = False, out_dir: Path = Path("out/e18_saturation"), seed: int = 0) -> list:
    batch = 200 if quick else 500
    rng = stream(seed, "inputs and weights")
    inputs = rng.standard_normal((batch, WIDTH))
    direction = rng.standard_normal((batch, WIDTH))
    results = {(act, name): backward_at_init(act, scale, inputs, direction, rng)
               for act in FLAT for name, scale in SCALES.items()}
    print_table(f"{LAYERS} layers of {WIDTH}, {batch} unit-Gaussian inputs, float64: flat units (local gradient < 1% "
                "of its peak) and weight-gradient RMS per layer", ["layer"] + [f"{a}, {s}" for a, s in results],
                [[str(k + 1)] + [f"{100 * r['flat'][k]:.0f}% / {r['rms'][k]:.1e}" for r in results.values()]
                 for k in range(LAYERS)])
    _plot(results, out_dir)
    tanh_big, tanh_xavier = results["tanh", "W x 1"], results["tanh", "Xavier 1/sqrt(n)"]
    sigmoid_big = results["sigmoid", "W x 1"]
    return [
        claim("units_saturate", "at W x 1 almost every tanh unit (and most sigmoid units) is saturated: its local "
              "gradient is ~0",
              f"(example, unit) pairs with local gradient < 1% of its peak, every layer: tanh "
              f"{100 * tanh_big['flat'].min():.0f}..{100 * tanh_big['flat'].max():.0f}%, sigmoid "
              f"{100 * sigmoid_big['flat'].min():.0f}..{100 * sigmoid_big['flat'].max():.0f}%; tanh with Xavier "
              f"{100 * tanh_xavier['flat'].max():.1f}% at most",
              tanh_big["flat"].min() > 0.85 and sigmoid_big["flat"].min() > 0.6 and tanh_xavier["flat"].max() < 0.1,
              tanh_flat=float(tanh_big["flat"].min()), sigmoid_flat=float(sigmoid_big["flat"].min()),
              xavier_flat=float(tanh_xavier["flat"].max())),
        claim("killed_per_unit_not_per_layer", "the gradient dies unit by unit, yet the per-layer gradient RMS does "
              "not vanish at W x 1: the few unsaturated units pass it through weights of norm ~sqrt(n), so it grows "
              "toward the input",
              f"per-layer factor of the weight-gradient RMS toward the input: tanh {tanh_big['factor']:.2f}, "
              f"sigmoid {sigmoid_big['factor']:.2f} at W x 1; tanh with Xavier {tanh_xavier['factor']:.2f}",
              tanh_big["factor"] > 1.5 and sigmoid_big["factor"] > 1.1,
              tanh_factor=tanh_big["factor"], sigmoid_factor=sigmoid_big["factor"],
              xavier_factor=tanh_xavier["factor"]),
    ]


def _plot(results: dict, out_dir: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    layers = np.arange(1, LAYERS + 1)
    for (act, scale), r in results.items():
        left.plot(layers, 100 * r["flat"], "o-", ms=3, label=f"{act}, {scale}")
        right.semilogy(layers, r["rms"], "o-", ms=3, label=f"{act}, {scale} (x{r['factor']:.2f}/layer to input)")
    left.set_xlabel("layer")
    left.set_ylabel("% of (example, unit) pairs with local gradient ~0")
    left.set_title("Saturated units")
    left.legend(fontsize=7)
    right.set_xlabel("layer (input side left)")
    right.set_ylabel("RMS of the weight gradient (log)")
    right.set_title("Gradient per layer")
    right.legend(fontsize=7)
    save_figure(fig, out_dir, "saturation")


def main() -> None:
    main_for(run, "e18_saturation", __doc__)


if __name__ == "__main__":
    main()
