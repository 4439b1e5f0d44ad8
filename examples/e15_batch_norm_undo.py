"""Experiment 15: batch normalization can undo itself: with gamma = sqrt(var + eps) and beta = mean,
BN(x) = x, so adding BN never removes what a layer could represent (Ioffe & Szegedy 2015)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from _common import claim, main_for, plt, print_table, save_figure, stream

import autograd as ag
import nn
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Batch normalization can undo itself",
    claim="Normalizing a layer's inputs could change what it represents, so BN learns a scale gamma and shift "
          "beta per feature: gamma = sqrt(Var[x]) and beta = E[x] recover the original activations.",
    source="Deep-learning lectures, batch normalization; Ioffe & Szegedy 2015, section 3",
    look_at={"batch_norm_identity": "Left: BN's output with gamma = 1, beta = 0 (every feature standardized); "
                                    "right: with gamma = sqrt(var + eps), beta = mean it lies on the diagonal."},
)
FEATURES = 6


def run(quick: bool = False, out_dir: Path = Path("out/e15_batch_norm_undo"), seed: int = 0) -> list:
    rng = stream(seed, "inputs")
    batch = 256 if quick else 1024
    # features with very different means and scales, as a hidden layer's pre-activations have
    x = rng.normal(rng.uniform(-5, 5, FEATURES), rng.uniform(0.1, 10, FEATURES), size=(batch, FEATURES))
    layer = nn.BatchNorm1d(FEATURES, dtype=np.float64)
    standardized = layer(ag.tensor(x)).data
    mean, var = x.mean(axis=0), x.var(axis=0)  # BN normalizes with the batch's biased variance
    layer.weight.data[...] = np.sqrt(var + layer.eps)
    layer.bias.data[...] = mean
    undone = layer(ag.tensor(x)).data
    identity_error = float(np.abs(undone - x).max() / np.abs(x).max())

    # the same in evaluation mode once the running statistics are the data's (momentum None: plain average)
    frozen = nn.BatchNorm1d(FEATURES, momentum=None, dtype=np.float64)
    frozen(ag.tensor(x))
    frozen.eval()
    frozen.weight.data[...] = np.sqrt(frozen.running_var.data + frozen.eps)
    frozen.bias.data[...] = frozen.running_mean.data
    eval_error = float(np.abs(frozen(ag.tensor(x)).data - x).max() / np.abs(x).max())

    print_table(f"BatchNorm1d on a batch of {batch} with {FEATURES} features (float64)",
                ["feature", "mean", "std", "BN out mean / std (gamma 1, beta 0)", "max |BN(x) - x| (undone)"],
                [[str(j), f"{mean[j]:+.2f}", f"{np.sqrt(var[j]):.2f}",
                  f"{standardized[:, j].mean():+.1e} / {standardized[:, j].std():.4f}",
                  f"{np.abs(undone[:, j] - x[:, j]).max():.1e}"] for j in range(FEATURES)])
    standard_mean = float(np.abs(standardized.mean(axis=0)).max())
    standard_std = float(np.abs(standardized.std(axis=0) - 1).max())
    _plot(x, standardized, undone, out_dir)
    return [
        claim("standardizes", "with gamma = 1 and beta = 0, BN gives every feature mean 0 and variance 1 "
              "(up to eps) over the batch",
              f"largest |mean| {standard_mean:.1e}, largest |std - 1| {standard_std:.1e} over {FEATURES} features "
              f"with means {mean.min():+.1f}..{mean.max():+.1f} and stds {np.sqrt(var).min():.2f}.."
              f"{np.sqrt(var).max():.2f}", standard_mean < 1e-12 and standard_std < 1e-3,
              largest_mean=standard_mean, largest_std_error=standard_std),
        claim("undoes_itself", "gamma = sqrt(var + eps), beta = mean recovers the input exactly: BN can represent "
              "the identity",
              f"max |BN(x) - x| / max |x|: training mode {identity_error:.1e}, evaluation mode with the running "
              f"statistics {eval_error:.1e} (float64)", identity_error < 1e-12 and eval_error < 1e-12,
              identity_error=identity_error, eval_error=eval_error),
    ]


def _plot(x: np.ndarray, standardized: np.ndarray, undone: np.ndarray, out_dir: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for j in range(x.shape[1]):
        left.plot(x[:, j], standardized[:, j], ".", ms=2, label=f"feature {j}")
        right.plot(x[:, j], undone[:, j], ".", ms=2)
    left.set_xlabel("input x")
    left.set_ylabel("BN(x), gamma = 1, beta = 0")
    left.set_title("Standardized: each feature to mean 0, std 1")
    left.legend(fontsize=7, markerscale=4)
    right.set_xlabel("input x")
    right.set_ylabel("BN(x), gamma = sqrt(var + eps), beta = mean")
    right.set_title("Undone: BN(x) = x")
    save_figure(fig, out_dir, "batch_norm_identity")


def main() -> None:
    main_for(run, "e15_batch_norm_undo", __doc__)


if __name__ == "__main__":
    main()
