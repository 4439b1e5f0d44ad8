"""Experiment 19: entropy, cross-entropy and KL divergence in bits: the lecture's table, the identity
H(p, q) = H(p) + KL(p || q), and why minimizing cross-entropy pulls q onto p."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from _common import claim, main_for, plt, print_table, save_figure, stream

import autograd as ag
import nn.functional as F
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Entropy, cross-entropy and KL divergence",
    claim="Cross-entropy of a one-hot target is -log of the probability given to the true class (0.32, 2.74 and "
          "4.32 bits in the lecture's table); H(p, q) = H(p) + KL(p || q), and KL >= 0 with equality only at q = p.",
    source="Deep-learning lectures, loss functions (information theory background: Shannon 1948; "
           "Kullback & Leibler 1951)",
    look_at={"cross_entropy_bits": "The loss in bits against the true class's probability: 0.8, 0.15 and 0.05 "
                                   "give the table's 0.32, 2.74 and 4.32 bits.",
             "kl_descent": "Gradient descent on the logits drives KL(p || q) to 0: cross-entropy falls to H(p), "
                           "not to 0."},
)
CLASSES = 20
TABLE = {0.8: "0.32", 0.15: "2.74", 0.05: "4.32"}  # probability of the true class -> the lecture's bits


def entropy_bits(p: np.ndarray) -> float:
    """H(p) = -sum p log2 p (0 log 0 = 0)."""
    nonzero = p[p > 0]
    return float(-(nonzero * np.log2(nonzero)).sum())


def cross_entropy_bits(p: np.ndarray, q: np.ndarray) -> float:
    """H(p, q) = -sum p log2 q, through the library's cross-entropy (nats) on logits log q."""
    logits = ag.tensor(np.log(q)[None, :])
    return F.cross_entropy(logits, ag.tensor(p[None, :])).item() / math.log(2)


def kl_bits(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p || q) = sum p log2 (p / q), computed directly."""
    mask = p > 0
    return float((p[mask] * np.log2(p[mask] / q[mask])).sum())


def prediction(true_probability: float) -> np.ndarray:
    """A prediction over CLASSES classes: `true_probability` on class 0, the rest spread evenly."""
    return np.r_[true_probability, np.full(CLASSES - 1, (1 - true_probability) / (CLASSES - 1))]


def descend_to(p: np.ndarray, steps: int, lr: float) -> dict:
    """Gradient descent on logits z under cross-entropy with the soft target p; H(p, softmax z) over steps."""
    z = ag.tensor(np.zeros((1, len(p))), requires_grad=True)
    target = ag.tensor(p[None, :])
    losses, kls = [], []
    for _ in range(steps):
        z.grad = None
        loss = F.cross_entropy(z, target)
        loss.backward()
        q = F.softmax(ag.tensor(z.data[0])).data
        losses.append(loss.item() / math.log(2))
        kls.append(kl_bits(p, q))
        z.data -= lr * z.grad.data
    return {"loss": np.array(losses), "kl": np.array(kls), "q": F.softmax(ag.tensor(z.data[0])).data}


def run(quick: bool = False, out_dir: Path = Path("out/e19_entropy_kl"), seed: int = 0) -> list:
    one_hot = np.eye(CLASSES)[0]
    table = {p: cross_entropy_bits(one_hot, prediction(p)) for p in TABLE}
    print_table(f"cross-entropy of a one-hot target ({CLASSES} classes) in bits", ["P(true class)", "-log2 P",
                "measured (F.cross_entropy / ln 2)", "lecture's table"],
                [[f"{p}", f"{-math.log2(p):.4f}", f"{v:.4f}", TABLE[p]] for p, v in table.items()])
    table_error = max(abs(v - float(TABLE[p])) for p, v in table.items())

    # the identity on random pairs of distributions (Dirichlet draws, some very peaked)
    rng = stream(seed, "distributions")
    pairs = 200 if quick else 2000
    concentration = rng.choice([0.1, 1.0, 10.0], size=pairs)
    identity_gap, kl_min, kl_self = 0.0, np.inf, 0.0
    for alpha in concentration:
        p, q = rng.dirichlet(np.full(CLASSES, alpha)), rng.dirichlet(np.full(CLASSES, alpha))
        q = np.maximum(q, 1e-300)  # log q must be finite where p > 0
        identity_gap = max(identity_gap, abs(cross_entropy_bits(p, q) - entropy_bits(p) - kl_bits(p, q)))
        kl_min = min(kl_min, kl_bits(p, q))
        kl_self = max(kl_self, abs(kl_bits(p, p)))
    print(f"\n{pairs} random pairs (p, q): max |H(p,q) - H(p) - KL(p||q)| = {identity_gap:.1e} bits; "
          f"smallest KL(p||q) {kl_min:.3f} bits; largest |KL(p||p)| {kl_self:.1e}")

    p = rng.dirichlet(np.full(CLASSES, 5.0))  # a spread-out target: no class so rare that descent crawls
    descent = descend_to(p, steps=1000, lr=5.0)
    print(f"descent on logits toward a random p (H(p) = {entropy_bits(p):.3f} bits): cross-entropy "
          f"{descent['loss'][0]:.3f} -> {descent['loss'][-1]:.4f} bits, KL {descent['kl'][0]:.3f} -> "
          f"{descent['kl'][-1]:.1e}")
    _plot(table, descent, entropy_bits(p), out_dir)
    uniform_entropy = entropy_bits(np.full(CLASSES, 1 / CLASSES))
    return [
        claim("table_bits", "cross-entropy against a one-hot target is -log2 P(true class): 0.32, 2.74 and 4.32 bits "
              "for P = 0.8, 0.15 and 0.05 (the lecture's table)",
              ", ".join(f"P {p}: {v:.4f} bits" for p, v in table.items())
              + f" (largest difference to the table {table_error:.4f})", table_error < 0.005,
              **{f"bits_{p}": v for p, v in table.items()}, table_error=table_error),
        claim("identity", "H(p, q) = H(p) + KL(p || q), and KL(p || q) >= 0 with KL(p || p) = 0",
              f"{pairs} random pairs: largest gap {identity_gap:.1e} bits; smallest KL {kl_min:.3f} bits; "
              f"largest |KL(p || p)| {kl_self:.1e}", identity_gap < 1e-9 and kl_min > 0 and kl_self < 1e-12,
              identity_gap=identity_gap, kl_min=kl_min),
        claim("minimum_at_p", "so minimizing cross-entropy drives q to p: the loss falls to H(p), not to 0 "
              f"(0 only for a one-hot p; uniform p over {CLASSES} classes: {uniform_entropy:.2f} bits)",
              f"cross-entropy {descent['loss'][0]:.3f} -> {descent['loss'][-1]:.4f} bits vs H(p) "
              f"{entropy_bits(p):.4f}; KL -> {descent['kl'][-1]:.1e}; max |q - p| {np.abs(descent['q'] - p).max():.1e}",
              descent["kl"][-1] < 1e-4 and abs(descent["loss"][-1] - entropy_bits(p)) < 1e-3,
              final_kl=descent["kl"][-1], entropy=entropy_bits(p)),
    ]


def _plot(table: dict, descent: dict, entropy: float, out_dir: Path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    probabilities = np.linspace(0.01, 1, 200)
    left.plot(probabilities, -np.log2(probabilities), label="-log2 P(true class)")
    for p, bits in table.items():
        left.plot(p, bits, "o", color="C3")
        left.annotate(f"{bits:.2f} bits", (p, bits), textcoords="offset points", xytext=(8, 4), fontsize=8)
    left.set_xlabel("probability given to the true class")
    left.set_ylabel("cross-entropy (bits)")
    left.set_title("Cross-entropy of a one-hot target")
    left.legend(fontsize=8)
    right.plot(descent["loss"], label="H(p, q) (cross-entropy)")
    right.plot(descent["kl"], label="KL(p || q)")
    right.axhline(entropy, color="gray", ls=":", label="H(p)")
    right.set_xlabel("gradient step on the logits")
    right.set_ylabel("bits")
    right.set_title("H(p, q) = H(p) + KL(p || q): the loss bottoms out at H(p)")
    right.legend(fontsize=8)
    save_figure(fig, out_dir, "cross_entropy_bits")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.semilogy(np.maximum(descent["kl"], 1e-16))
    ax.set_xlabel("gradient step on the logits")
    ax.set_ylabel("KL(p || q) in bits (log)")
    ax.set_title("Descent on cross-entropy drives KL to 0")
    save_figure(fig, out_dir, "kl_descent")


def main() -> None:
    main_for(run, "e19_entropy_kl", __doc__)


if __name__ == "__main__":
    main()
