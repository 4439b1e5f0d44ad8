"""Experiment 13: backprop vs numerical differentiation, cost O(|theta|) vs O(|theta|^2), same gradient."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from _common import claim, main_for, plt, print_table, save_figure

import autograd as ag
from autograd.testing import numerical_gradient
from gradsight.claims import Lecture

LECTURE = Lecture(
    title="Backpropagation versus numerical differentiation",
    claim=(
        "Backpropagation gives the same gradient as finite differences for the cost of about one extra "
        "pass; finite differences need two forward passes per parameter, O(|theta|^2) in all."
    ),
    source="Deep-learning lectures, on backpropagation: why not numerical differentiation (cited by topic)",
    look_at={
        "cost_vs_parameters": (
            "Cost against the number of parameters, log-log: the backprop line has slope about 1, the "
            "numerical one about 2."
        ),
    },
)

WIDTH, OUTPUTS = 16, 4


def make_parameters(depth: int, rng: np.random.Generator) -> list[np.ndarray]:
    """A tanh MLP with `depth` hidden layers of WIDTH units (float64: finite differences need it).

    The network grows in depth, so |theta| and the cost of one forward pass grow together."""
    sizes = [WIDTH] * (depth + 1) + [OUTPUTS]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in), 0.1 * rng.standard_normal(fan_out)]
    return params


def loss_of(x: np.ndarray, target: np.ndarray):
    """The mean squared error of the MLP as a function of its parameters (Tensors or arrays)."""
    def loss(*params):
        h = x
        for weight, bias in zip(params[:-2:2], params[1:-2:2]):
            h = ag.tanh(h @ weight + bias)
        return ((h @ params[-2] + params[-1] - target) ** 2).mean()
    return loss


def time_backprop(loss, params: list[np.ndarray], repeats: int) -> tuple[float, list[np.ndarray]]:
    """Fastest of `repeats` forward + backward passes in seconds (the least disturbed by other
    processes), and the gradients it gives."""
    times = []
    for _ in range(repeats):
        tensors = [ag.tensor(p, requires_grad=True) for p in params]
        start = time.perf_counter()
        loss(*tensors).backward()
        times.append(time.perf_counter() - start)
    return float(np.min(times)), [t.grad.data for t in tensors]


def time_numerical(loss, params: list[np.ndarray], repeats: int) -> tuple[float, list[np.ndarray]]:
    """Fastest of `repeats` runs of central differences over every parameter (2 |theta| forward
    passes each), in seconds, and the gradient."""
    def forward(*arrays):
        with ag.no_grad():
            return loss(*(ag.tensor(a) for a in arrays)).data
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        grads = numerical_gradient(forward, params, np.ones(()), eps=1e-6)
        times.append(time.perf_counter() - start)
    return float(np.min(times)), grads


def slope(sizes, seconds, last: int = 3) -> float:
    """The exponent k of seconds ~ sizes^k fitted on log-log axes over the `last` (largest) sizes,
    where a call's fixed overhead no longer hides the growth."""
    return float(np.polyfit(np.log(sizes[-last:]), np.log(seconds[-last:]), 1)[0])


def run(quick: bool = False, out_dir: Path = Path("out/e13_backprop_vs_numerical")) -> list:
    depths, repeats = ([1, 2, 4, 8], 3) if quick else ([1, 2, 4, 8, 16, 24], 2)
    batch = 64
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, WIDTH))
    target = rng.standard_normal((batch, OUTPUTS))
    loss = loss_of(x, target)
    sizes, backprop_s, numerical_s, errors = [], [], [], []
    for depth in depths:
        params = make_parameters(depth, rng)
        size = sum(p.size for p in params)
        t_bp, g_bp = time_backprop(loss, params, repeats=30)
        t_num, g_num = time_numerical(loss, params, repeats)
        scale = max(np.abs(g).max() for g in g_bp)
        error = max(np.abs(a - b).max() for a, b in zip(g_bp, g_num)) / scale
        sizes.append(size)
        backprop_s.append(t_bp)
        numerical_s.append(t_num)
        errors.append(error)
    rows = [[str(w), str(n), f"{1e3 * b:.2f}", f"{1e3 * t:.0f}", f"{t / b:.0f}", f"{e:.1e}"]
            for w, n, b, t, e in zip(depths, sizes, backprop_s, numerical_s, errors)]
    print_table(f"gradient of an MLP's loss (batch {batch}, tanh layers of {WIDTH} units), float64",
                ["hidden layers", "|theta|", "backprop ms", "numerical ms", "ratio", "max rel. difference"], rows)

    sizes_a = np.array(sizes, dtype=float)
    k_bp, k_num = slope(sizes_a, np.array(backprop_s)), slope(sizes_a, np.array(numerical_s))
    k_ratio = slope(sizes_a, np.array(numerical_s) / np.array(backprop_s))
    worst = max(errors)

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.loglog(sizes_a, backprop_s, "o-", label=f"backprop (forward + backward): slope {k_bp:.2f}")
    ax.loglog(sizes_a, numerical_s, "s-", label=f"central differences (2|θ| forwards): slope {k_num:.2f}")
    ref = numerical_s[-1] * (sizes_a / sizes_a[-1]) ** 2
    ax.loglog(sizes_a, ref, ":", color="gray", label="slope 2 reference")
    ax.loglog(sizes_a, backprop_s[-1] * sizes_a / sizes_a[-1], "--", color="silver", label="slope 1 reference")
    ax.set_xticks(sizes_a, [str(n) for n in sizes], minor=False)
    ax.set_xticks([], minor=True)
    ax.set_xlabel("number of parameters |θ| (network grows in depth)")
    ax.set_ylabel("seconds for the full gradient")
    ax.set_title("Backprop vs numerical differentiation (slopes over the 3 largest)")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    save_figure(fig, out_dir, "cost_vs_parameters")

    return [
        claim("agree", "backprop and central differences give the same gradient",
              f"max relative difference {worst:.1e} (float64, eps 1e-6)", worst < 1e-6, max_relative_difference=worst),
        claim("backprop_linear", "backprop costs O(|θ|): one forward and one backward pass",
              f"time ~ |θ|^{k_bp:.2f} over |θ| = {sizes[-3]}..{sizes[-1]}", k_bp < 1.2, slope=k_bp),
        claim("numerical_quadratic", "numerical differentiation costs O(|θ|²): 2|θ| forward passes of O(|θ|) each",
              f"time ~ |θ|^{k_num:.2f}; numerical/backprop ratio ~ |θ|^{k_ratio:.2f}, "
              f"{numerical_s[-1] / backprop_s[-1]:.0f}x at |θ| = {sizes[-1]}",
              k_num > 1.5 and 0.8 < k_ratio < 1.3, slope=k_num, ratio_slope=k_ratio,
              ratio_at_largest=numerical_s[-1] / backprop_s[-1]),
    ]


def main() -> None:
    main_for(run, "e13_backprop_vs_numerical", __doc__)


if __name__ == "__main__":
    main()
