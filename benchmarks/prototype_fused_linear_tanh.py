"""Prototype, measured and not built into nn: the deep net (50 x tanh(64)) with Linear + tanh fused into one op.

    python benchmarks/prototype_fused_linear_tanh.py

Prints the time per step (CPU, median of 9 interleaved rounds of 10 steps, 1 BLAS thread) of the
NumPy floor, the `nn` variant (Linear then Tanh: two ops per layer), the core-ops variant and the
fused prototype (one op per layer), and checks first that the prototype's gradients match `nn`'s.
docs/benchmarks.md quotes it as what fusion would buy.
"""
from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before NumPy loads its BLAS

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import numpy as np  # noqa: E402
from cases import LEARNING_RATE, build_workload, fresh_copy, make_problem  # noqa: E402
from peers import floor, gradsight_peer  # noqa: E402

import autograd  # noqa: E402
from nn import functional, optim  # noqa: E402


class LinearTanhPrototype(autograd.Function):
    """tanh(x @ weight.T + bias) as one graph node; saves the output, as tanh' = 1 - y²."""

    register = False  # a measurement, not an op of the library

    @staticmethod
    def forward(ctx, x, weight, bias):
        out = x @ weight.T
        out += bias
        np.tanh(out, out=out)
        ctx.save_for_backward(x, weight, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, out = ctx.saved
        pre_activation_grad = grad * (1 - out * out)
        return pre_activation_grad @ weight, pre_activation_grad.T @ x, np.add.reduce(pre_activation_grad, axis=0)


def fused_workload(problem: dict):
    """The deep net's training step with one fused op per layer; returns (step, parameters)."""
    params = [autograd.tensor(p, requires_grad=True) for p in fresh_copy(problem["params"])]
    x, target = autograd.tensor(problem["x"]), autograd.tensor(problem["target"])
    optimizer = optim.SGD(params, lr=LEARNING_RATE)

    def step():
        optimizer.zero_grad()
        h = x
        for i in range(len(params) // 2):
            h = LinearTanhPrototype.apply(h, params[2 * i], params[2 * i + 1])
        loss = functional.mse_loss(h, target)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, params


def main() -> None:
    """Check the prototype against nn, then time the four variants interleaved."""
    problem = make_problem("deep")
    reference = build_workload(gradsight_peer, "deep", "nn", problem)
    fused_step, fused_params = fused_workload(problem)
    reference.step()
    fused_step()
    for expected, param in zip(reference.gradients(), fused_params):
        scale = np.abs(expected).max() + 1e-30
        if np.abs(param.grad.data - expected).max() > 1e-4 * scale:
            raise SystemExit("the fused prototype's gradients differ from nn's: its timing would mean nothing")
    steps = {"NumPy floor": build_workload(floor, "deep", "nn", problem).step, "nn (Linear, Tanh)": reference.step,
             "core ops": build_workload(gradsight_peer, "deep", "core", problem).step,
             "fused prototype": fused_step}
    seconds = {name: [] for name in steps}
    for _ in range(9):
        for name, step in steps.items():
            start = time.process_time()
            for _ in range(10):
                step()
            seconds[name].append((time.process_time() - start) / 10)
    floor_seconds = statistics.median(seconds["NumPy floor"])
    for name in steps:
        median = statistics.median(seconds[name])
        print(f"{name:18s} {median * 1e3:6.2f} ms per step  {median / floor_seconds:5.2f}x the floor")


if __name__ == "__main__":
    main()
