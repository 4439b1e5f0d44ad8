"""Experiment 16: the unit-variance derivation, measured: through k linear layers of n inputs each,
Var(s) = [n Var(w)]^k Var(x), so Var(w) = 1/n keeps the variance (Glorot & Bengio 2010); with ReLU
half of it is lost per layer, and Var(w) = 2/n keeps it (He et al. 2015)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, main_for, plt, print_table, save_figure, stream

from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Why Var(w) = 1/n: the unit-variance derivation, measured",
    claim="For s = sum_i w_i x_i with independent zero-mean w and x, Var(s) = n Var(w) Var(x); through k layers "
          "Var(s) = [n Var(w)]^k Var(x), so choosing Var(w) = 1/n keeps the variance of every layer.",
    source="Deep-learning lectures, weight initialization; Glorot & Bengio 2010; He et al. 2015",
    look_at={"variance_per_layer": "Measured variances (dots) sit on the predicted lines [n Var(w)]^k: "
                                   "halving, keeping and doubling per layer."},
)
LAYERS, WIDTH = 10, 256
GAINS = (0.5, 1.0, 2.0)  # n Var(w)


def forward_variances(x: np.ndarray, gain: float, relu: bool, rng: np.random.Generator) -> np.ndarray:
    """Var of every layer's pre-activation s (linear layers; ReLU between them when `relu`), float64."""
    h, variances = x, []
    for _ in range(LAYERS):
        weight = rng.normal(0.0, np.sqrt(gain / h.shape[1]), size=(h.shape[1], WIDTH))
        s = h @ weight
        variances.append(s.var())
        h = np.maximum(s, 0) if relu else s
    return np.array(variances)


def run(quick: bool = False, out_dir: Path = Path("out/e16_unit_variance"), seed: int = 0) -> list:
    samples, nets = (500, 4) if quick else (2000, 8)
    rng = stream(seed, "inputs and weights")
    x = rng.standard_normal((samples, WIDTH)) * 2.0  # Var(x) = 4
    var_x = x.var()
    layers = np.arange(1, LAYERS + 1)
    # the mean over several random nets: one draw's Var(w) fluctuates by ~sqrt(2 / n^2) per layer
    linear = {g: np.mean([forward_variances(x, g, False, rng) for _ in range(nets)], axis=0) for g in GAINS}
    relu = {g: np.mean([forward_variances(x, g, True, rng) for _ in range(nets)], axis=0) for g in (1.0, 2.0)}
    predicted = {g: g ** layers * var_x for g in GAINS}
    error = {g: float(np.abs(np.log(linear[g] / predicted[g])).max()) for g in GAINS}
    print_table(f"Var(s) per layer: {LAYERS} linear layers of {WIDTH}, Var(x) = {var_x:.2f}, mean of {nets} nets "
                "(measured / predicted [n Var(w)]^k Var(x))", ["layer", *[f"n Var(w) = {g}" for g in GAINS],
                                                                "ReLU, Var(w) = 1/n", "ReLU, Var(w) = 2/n"],
                [[str(k)] + [f"{linear[g][k - 1]:.3g} / {predicted[g][k - 1]:.3g}" for g in GAINS]
                 + [f"{relu[1.0][k - 1]:.3g}", f"{relu[2.0][k - 1]:.3g}"] for k in layers])
    # with ReLU the second moment of the layer's input is half Var(s), so Var(s_k) = (gain / 2) Var(s_{k-1})
    relu_factor = {g: float(np.exp(np.mean(np.diff(np.log(relu[g]))))) for g in relu}
    _plot(layers, linear, predicted, relu, out_dir)
    worst = max(error.values())
    return [
        claim("derivation_holds", "Var(s) = [n Var(w)]^k Var(x) layer by layer for linear layers",
              f"largest |log(measured / predicted)| over {LAYERS} layers: "
              + ", ".join(f"n Var(w) = {g}: {error[g]:.3f}" for g in GAINS)
              + f" (i.e. within {100 * (np.exp(worst) - 1):.1f}%; predictions span "
              f"{predicted[0.5][-1]:.2g}..{predicted[2.0][-1]:.3g})", worst < 0.1,
              **{f"log_error_{g}": error[g] for g in GAINS}),
        claim("one_over_n_keeps", "so Var(w) = 1/n keeps the variance of every layer",
              f"Var(s) at layer 1 {linear[1.0][0]:.3f}, layer {LAYERS} {linear[1.0][-1]:.3f} (Var(x) {var_x:.3f}); "
              f"with 0.5/n: {linear[0.5][-1]:.2g}, with 2/n: {linear[2.0][-1]:.3g}",
              abs(np.log(linear[1.0][-1] / var_x)) < 0.1 and linear[0.5][-1] < 0.01 * var_x < 100 * var_x
              < linear[2.0][-1], first=linear[1.0][0], last=linear[1.0][-1]),
        claim("relu_halves", "with ReLU between the layers half the variance is lost per layer; Var(w) = 2/n "
              "(He) keeps it",
              f"variance factor per layer: Var(w) = 1/n {relu_factor[1.0]:.3f}, Var(w) = 2/n {relu_factor[2.0]:.3f}",
              abs(relu_factor[1.0] - 0.5) < 0.05 and abs(relu_factor[2.0] - 1) < 0.05,
              factor_xavier=relu_factor[1.0], factor_he=relu_factor[2.0]),
    ]


def _plot(layers, linear: dict, predicted: dict, relu: dict, out_dir: Path) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for i, g in enumerate(linear):
        ax.semilogy(layers, predicted[g], "-", color=f"C{i}", lw=1, label=f"predicted, n Var(w) = {g}")
        ax.semilogy(layers, linear[g], "o", color=f"C{i}", ms=4, label=f"measured, n Var(w) = {g}")
    for g, marker in ((1.0, "x"), (2.0, "s")):
        ax.semilogy(layers, relu[g], marker + "--", color="gray", ms=4, label=f"ReLU, Var(w) = {g:.0f}/n")
    ax.set_xlabel("layer k")
    ax.set_ylabel("Var(s_k) (log)")
    ax.set_title("Var(s) = [n Var(w)]^k Var(x)")
    ax.legend(fontsize=7)
    save_figure(fig, out_dir, "variance_per_layer")


def main() -> None:
    main_for(run, "e16_unit_variance", __doc__)


if __name__ == "__main__":
    main()
