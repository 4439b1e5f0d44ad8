"""What fusing nn.Sequential's layers buys: the deep net and the tiny net at each level of fusion.

    python benchmarks/fusion_levels.py

For each net it prints the time per step (CPU, median of 9 interleaved rounds, 1 BLAS thread) of
the NumPy floor and of gradsight with every layer its own op (`fuse = False`), one op per Linear +
activation pair (`nn.functional.linear_activation`, what Sequential ran before the stack), the whole
run of layers as one op (`nn.Sequential` as it is: `linear_stack`) and the core-ops variant. It
checks first that every level gives bitwise the same gradients. docs/design.md ("Fused layers")
and docs/benchmarks.md quote it.
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
from cases import LEARNING_RATE, NETWORKS, build_workload, fresh_copy, make_problem  # noqa: E402
from peers import floor, gradsight_peer  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
from nn import functional, optim  # noqa: E402

ROUNDS = 9
STEPS = {"deep": 10, "tiny": 200}  # steps per timed batch: about 20 ms each


def nn_workload(case: str, problem: dict, level: str):
    """The nn net's training step at a fusion `level` ("none", "pairs" or "stack"); returns (step,
    parameters). "pairs" calls `linear_activation` per layer, the others run an `nn.Sequential`."""
    settings = NETWORKS[case]
    params = [nn.Parameter(p) for p in fresh_copy(problem["params"])]
    depth = len(params) // 2
    activations = [settings.activation if i < depth - 1 or settings.last_activation else None for i in range(depth)]
    layers = []
    for i, activation in enumerate(activations):
        linear = nn.Linear(*params[2 * i].shape[::-1])
        linear.weight, linear.bias = params[2 * i], params[2 * i + 1]
        layers += [linear] + ([{"relu": nn.ReLU, "tanh": nn.Tanh}[activation]()] if activation else [])
    model = nn.Sequential(*layers)
    model.fuse = level == "stack"
    x, target = autograd.tensor(problem["x"]), autograd.tensor(problem["target"])
    optimizer = optim.SGD(params, lr=LEARNING_RATE)

    def forward():
        if level != "pairs":
            return model(x)
        h = x
        for i, activation in enumerate(activations):
            weight, bias = params[2 * i], params[2 * i + 1]
            h = functional.linear(h, weight, bias) if activation is None else \
                functional.linear_activation(h, weight, bias, activation)
        return h

    def step():
        optimizer.zero_grad()
        loss = functional.mse_loss(forward(), target)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, params


def main() -> None:
    """Check that the levels give bitwise the same gradients, then time them interleaved."""
    for case in STEPS:
        problem = make_problem(case)
        levels = {level: nn_workload(case, problem, level) for level in ("none", "pairs", "stack")}
        for step, _ in levels.values():
            step()
        reference = [p.grad.data for p in levels["stack"][1]]
        for level, (_, params) in levels.items():
            if not all(np.array_equal(p.grad.data, g) for p, g in zip(params, reference)):
                raise SystemExit(f"{case}: level {level!r} gives other gradients: the timings would mean nothing")
        steps = {"NumPy floor": build_workload(floor, case, "nn", problem).step,
                 "every layer its own op": levels["none"][0], "Linear + activation pairs": levels["pairs"][0],
                 "one stack (Sequential)": levels["stack"][0],
                 "core ops": build_workload(gradsight_peer, case, "core", problem).step}
        seconds = {name: [] for name in steps}
        for _ in range(ROUNDS):
            for name, step in steps.items():
                start = time.process_time()
                for _ in range(STEPS[case]):
                    step()
                seconds[name].append((time.process_time() - start) / STEPS[case])
        floor_seconds = statistics.median(seconds["NumPy floor"])
        print(f"{case} net")
        for name in steps:
            median = statistics.median(seconds[name])
            print(f"  {name:26s} {median * 1e3:8.3f} ms per step  {median / floor_seconds:5.2f}x the floor")


if __name__ == "__main__":
    main()
