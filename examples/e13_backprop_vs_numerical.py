"""Experiment 13: backprop vs numerical differentiation, cost O(|theta|) vs O(|theta|^2) in counted passes, same
gradient. Costs are counted (passes, multiply-adds), never timed: a shared machine's clock is noise."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from _common import claim, main_for, plt, print_table, save_figure, stream

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


def backprop(loss, params: list[np.ndarray]) -> tuple[dict, list[np.ndarray]]:
    """One forward + backward pass: the passes it made (counted), its seconds, and the gradients."""
    tensors = [ag.tensor(p, requires_grad=True) for p in params]
    start = time.perf_counter()
    value = loss(*tensors)
    value.backward()
    return {"forwards": 1, "backwards": 1, "seconds": time.perf_counter() - start}, [t.grad.data for t in tensors]


def numerical(loss, params: list[np.ndarray]) -> tuple[dict, list[np.ndarray]]:
    """Central differences over every parameter: the forward passes it made (counted), seconds, gradient."""
    calls = [0]

    def forward(*arrays):
        calls[0] += 1
        with ag.no_grad():
            return loss(*(ag.tensor(a) for a in arrays)).data
    start = time.perf_counter()
    grads = numerical_gradient(forward, params, np.ones(()), eps=1e-6)
    return {"forwards": calls[0], "backwards": 0, "seconds": time.perf_counter() - start}, grads


def multiply_adds_per_forward(params: list[np.ndarray], batch: int) -> int:
    """Multiply-adds of one forward pass: batch x (fan_in x fan_out) per weight matrix (O(|theta|))."""
    return batch * sum(p.size for p in params if p.ndim == 2)


def slope(sizes, costs) -> float:
    """The exponent k of cost ~ sizes^k fitted on log-log axes over all sizes."""
    return float(np.polyfit(np.log(sizes), np.log(costs), 1)[0])


def run(quick: bool = False, out_dir: Path = Path("out/e13_backprop_vs_numerical"), seed: int = 0) -> list:
    depths = [1, 2, 4, 8] if quick else [1, 2, 4, 8, 16, 24]
    batch = 64
    rng = stream(seed, "data and parameters")
    x = rng.standard_normal((batch, WIDTH))
    target = rng.standard_normal((batch, OUTPUTS))
    loss = loss_of(x, target)
    rows, sizes, bp_cost, num_cost, errors = [], [], [], [], []
    for depth in depths:
        params = make_parameters(depth, rng)
        size = sum(p.size for p in params)
        bp, g_bp = backprop(loss, params)
        num, g_num = numerical(loss, params)
        scale = max(np.abs(g).max() for g in g_bp)
        errors.append(max(np.abs(a - b).max() for a, b in zip(g_bp, g_num)) / scale)
        per_forward = multiply_adds_per_forward(params, batch)
        # a backward pass makes two products per layer of a forward pass's size (grad of W and of h)
        bp_cost.append((bp["forwards"] + 2 * bp["backwards"]) * per_forward)
        num_cost.append(num["forwards"] * per_forward)
        sizes.append(size)
        rows.append([str(depth), str(size), f"{bp['forwards']} + {bp['backwards']}", str(num["forwards"]),
                     f"{num_cost[-1] / bp_cost[-1]:.0f}", f"{1e3 * bp['seconds']:.2f}", f"{1e3 * num['seconds']:.0f}",
                     f"{errors[-1]:.1e}"])
    print_table(f"gradient of an MLP's loss (batch {batch}, tanh layers of {WIDTH} units), float64; passes counted",
                ["hidden layers", "|theta|", "backprop: forward + backward passes", "numerical: forward passes",
                 "multiply-add ratio", "backprop ms", "numerical ms", "max rel. difference"], rows)

    sizes_a = np.array(sizes, dtype=float)
    k_bp, k_num = slope(sizes_a, np.array(bp_cost)), slope(sizes_a, np.array(num_cost))
    forwards_per_parameter = [int(r[3]) / n for r, n in zip(rows, sizes)]
    worst = max(errors)

    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    ax.loglog(sizes_a, bp_cost, "o-", label=f"backprop (1 forward + 1 backward): slope {k_bp:.2f}")
    ax.loglog(sizes_a, num_cost, "s-", label=f"central differences (2|θ| forwards): slope {k_num:.2f}")
    ax.set_xticks(sizes_a, [str(n) for n in sizes], minor=False)
    ax.set_xticks([], minor=True)
    ax.set_xlabel("number of parameters |θ| (network grows in depth)")
    ax.set_ylabel("multiply-adds for the full gradient (passes counted)")
    ax.set_title("Backprop vs numerical differentiation: cost")
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    save_figure(fig, out_dir, "cost_vs_parameters")

    return [
        claim("agree", "backprop and central differences give the same gradient",
              f"max relative difference {worst:.1e} (float64, eps 1e-6)", worst < 1e-6, max_relative_difference=worst),
        claim("backprop_linear", "backprop costs O(|θ|): one forward and one backward pass, whatever |θ|",
              f"passes counted: 1 forward + 1 backward at every size; multiply-adds ~ |θ|^{k_bp:.2f} over "
              f"|θ| = {sizes[0]}..{sizes[-1]}", 0.9 < k_bp < 1.1, slope=k_bp),
        claim("numerical_quadratic", "numerical differentiation costs O(|θ|²): 2|θ| forward passes of O(|θ|) each",
              f"forward passes counted per parameter: {min(forwards_per_parameter):.0f}.."
              f"{max(forwards_per_parameter):.0f}"
              f"; multiply-adds ~ |θ|^{k_num:.2f}, {num_cost[-1] / bp_cost[-1]:.0f}x backprop's at |θ| = {sizes[-1]}",
              all(f == 2 for f in forwards_per_parameter) and 1.9 < k_num < 2.1, slope=k_num,
              ratio_at_largest=num_cost[-1] / bp_cost[-1]),
    ]


def main() -> None:
    main_for(run, "e13_backprop_vs_numerical", __doc__)


if __name__ == "__main__":
    main()
