"""The benchmark cases: sizes, seeded data and initial parameters, timing settings and targets.

Imported by every peer's worker, so it needs NumPy only. Every peer starts from the same arrays
(float32; PyTorch's Linear layout: weight (out, in), bias (out,)), so all of them do the same math.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LEARNING_RATE = 0.01
BATCH_NORM_EPS = 1e-5
BATCH_NORM_MOMENTUM = 0.1


@dataclass(frozen=True)
class Case:
    """One row group of the table: what is timed, how often, and the target it is held to."""

    name: str
    title: str
    unit: str                  # "ms" per step or "us" per op
    inner: int                 # steps per timed repetition (short steps are timed in batches)
    reps: int                  # timed repetitions per round
    ops_per_step: int = 1      # a step of the chain runs this many ops; times are reported per op
    target: str = ""           # human-readable target for gradsight
    target_ratio: float | None = None   # gradsight / floor must be at most this
    target_us: float | None = None      # or gradsight's time per op must be at most this
    core_target_ratio: float | None = None  # the core-ops variant's own target, where it has one
    per_op_vs: str | None = None        # or: time per op at most target_ratio x this case's (same contender)
    ahead_of: str | None = None         # and: faster than this contender on this case and on per_op_vs
    two_threads: bool = False  # also timed with 2 BLAS threads (where BLAS threading matters)
    isolated: bool = False     # run in a fresh process with a time limit (may crash or hang peers)


CASES: dict[str, Case] = {case.name: case for case in [
    Case("mlp", "MLP step 784-512-512-10, ReLU, softmax CE, SGD, batch 128", "ms", 1, 12,
         target="<= 1.10x floor", target_ratio=1.10, two_threads=True),
    Case("mlp_bn", "MLP step with BatchNorm1d after each hidden Linear", "ms", 1, 12,
         target="<= 1.05x floor", target_ratio=1.05, two_threads=True),
    Case("deep", "Deep narrow net: 50 x (Linear 64 + tanh), MSE, SGD, batch 32", "ms", 1, 12,
         target="<= 1.25x floor (nn), <= 1.6x (core ops)", target_ratio=1.25, core_target_ratio=1.6,
         two_threads=True),
    Case("tiny", "Tiny net 16-16-16-2, ReLU, MSE, SGD, batch 8", "ms", 20, 10,
         target="<= 1.8x floor", target_ratio=1.8),
    Case("add", "add of two 8x8 tensors, forward + backward", "us", 200, 10,
         target="<= 5 us", target_us=5.0),
    Case("chain_2000", "2,000-op chain (y = y * w), forward + backward", "us", 1, 8, ops_per_step=2000,
         target="<= 5 us per op", target_us=5.0),
    Case("chain_scalar_2000", "2,000-op chain with a Python-scalar operand (y = y * 1.0001)", "us", 1, 8,
         ops_per_step=2000, target="<= 4 us per op", target_us=4.0),
    Case("chain_100000", "100,000-op chain, forward + backward", "us", 1, 3, ops_per_step=100_000,
         target="<= 1.25x the 2,000-op chain per op, ahead of PyTorch at both sizes", target_ratio=1.25,
         per_op_vs="chain_2000", ahead_of="torch", isolated=True),
    Case("conv2d", "conv2d forward + backward, x (32, 16, 28, 28), weight (32, 16, 3, 3), padding 1", "ms", 1, 12,
         target="<= 1.5x floor", target_ratio=1.5),
    Case("lenet", "LeNet-5 step, batch 64 of 1x28x28: 2 x (conv 5x5, ReLU, max-pool 2), 3 Linear, CE, SGD",
         "ms", 1, 8, target="ahead of MyGrad"),
    Case("gradcheck_full", "gradcheck of a small MLP 8-16-16-4 (float64), full mode", "ms", 1, 3),
    Case("gradcheck_fast", "gradcheck of the same MLP, fast mode", "ms", 1, 5),
]}

MEMORY_STEPS = 200
QUICK_MEMORY_STEPS = 20


# ----- problems: the arrays every peer starts from ----------------------------------------------
@dataclass(frozen=True)
class Network:
    """How a network case is built; every peer's `network(problem, variant, ...)` receives these."""

    activation: str
    last_activation: bool
    loss: str
    batch_norm: bool


NETWORKS: dict[str, Network] = {
    "mlp": Network("relu", last_activation=False, loss="cross_entropy", batch_norm=False),
    "mlp_bn": Network("relu", last_activation=False, loss="cross_entropy", batch_norm=True),
    "deep": Network("tanh", last_activation=True, loss="mse", batch_norm=False),
    "tiny": Network("relu", last_activation=False, loss="mse", batch_norm=False),
}


def build_workload(module, case: str, variant: str, problem: dict | None = None) -> Workload:
    """A peer module's workload for `case`: `network(...)` for the network cases, else the
    function named after the case (all chain lengths share `chain`; memory is the MLP)."""
    problem = make_problem(case) if problem is None else problem
    name = ("chain_scalar" if case.startswith("chain_scalar_") else "chain" if case.startswith("chain_")
            else "mlp" if case == "memory" else case)
    if name in NETWORKS and hasattr(module, "network"):
        settings = NETWORKS[name]
        return module.network(problem, variant, settings.activation, settings.last_activation,
                              settings.loss, settings.batch_norm)
    build = getattr(module, name, None)
    if build is None:
        raise NotSupported(f"no implementation of {case}")
    return build(problem, variant)


def _linear_params(rng: np.random.Generator, sizes: list[int], gain: float) -> list[np.ndarray]:
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params.append((rng.standard_normal((fan_out, fan_in)) * gain / np.sqrt(fan_in)).astype(np.float32))
        params.append((rng.standard_normal(fan_out) * 0.01).astype(np.float32))
    return params


def make_problem(name: str, seed: int = 0) -> dict:
    """Inputs, targets and initial parameters of a case, all NumPy arrays (seeded)."""
    rng = np.random.default_rng(seed)
    if name in ("mlp", "mlp_bn", "memory"):
        sizes = [784, 512, 512, 10]
        problem = {"x": rng.standard_normal((128, 784)).astype(np.float32),
                   "labels": rng.integers(0, 10, size=128).astype(np.int64),
                   "params": _linear_params(rng, sizes, gain=np.sqrt(2.0)), "sizes": sizes}
        if name == "mlp_bn":
            problem["bn"] = [{"weight": np.ones(n, np.float32), "bias": np.zeros(n, np.float32),
                              "running_mean": np.zeros(n, np.float32), "running_var": np.ones(n, np.float32)}
                             for n in sizes[1:-1]]
        return problem
    if name == "deep":
        sizes = [64] * 51
        return {"x": rng.standard_normal((32, 64)).astype(np.float32),
                "target": (rng.standard_normal((32, 64)) * 0.5).astype(np.float32),
                "params": _linear_params(rng, sizes, gain=1.0), "sizes": sizes}
    if name == "tiny":
        sizes = [16, 16, 16, 2]
        return {"x": rng.standard_normal((8, 16)).astype(np.float32),
                "target": rng.standard_normal((8, 2)).astype(np.float32),
                "params": _linear_params(rng, sizes, gain=np.sqrt(2.0)), "sizes": sizes}
    if name == "add":
        return {"a": rng.standard_normal((8, 8)).astype(np.float32),
                "b": rng.standard_normal((8, 8)).astype(np.float32),
                "grad": np.ones((8, 8), np.float32)}
    if name.startswith("gradcheck_"):
        sizes = [8, 16, 16, 4]
        return {"x": rng.standard_normal((4, 8)), "target": rng.standard_normal((4, 4)),
                "params": [p.astype(np.float64) for p in _linear_params(rng, sizes, gain=1.0)], "sizes": sizes}
    if name == "conv2d":
        return {"x": rng.standard_normal((32, 16, 28, 28)).astype(np.float32),
                "params": [(rng.standard_normal((32, 16, 3, 3)) / 12).astype(np.float32),  # 1/√(16·3·3)
                           (rng.standard_normal(32) * 0.01).astype(np.float32)],
                "grad": rng.standard_normal((32, 32, 28, 28)).astype(np.float32)}
    if name == "lenet":
        # conv1 (6, 1, 5, 5) padding 2, conv2 (16, 6, 5, 5), then Linear 400-120-84-10 (PyTorch's layouts)
        shapes = [(6, 1, 5, 5), (16, 6, 5, 5), (120, 400), (84, 120), (10, 84)]
        params = []
        for shape in shapes:
            fan_in = int(np.prod(shape[1:]))
            params.append((rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32))
            params.append((rng.standard_normal(shape[0]) * 0.01).astype(np.float32))
        return {"x": rng.random((64, 1, 28, 28)).astype(np.float32),
                "labels": rng.integers(0, 10, size=64).astype(np.int64), "params": params}
    if name.startswith("chain_"):
        # w close to 1 keeps 100,000 products finite
        return {"x": rng.standard_normal((8, 8)).astype(np.float32),
                "w": (1.0 + rng.standard_normal((8, 8)) * 1e-5).astype(np.float32),
                "length": int(name.rsplit("_", 1)[1])}
    raise KeyError(f"unknown case {name!r}; known: {sorted(CASES)} and memory")


def fresh_copy(params: list[np.ndarray]) -> list[np.ndarray]:
    """Copies a peer may update in place without touching the shared problem."""
    return [p.copy() for p in params]


class Workload:
    """What a peer builds for a case: `step()` runs one step; `gradients()` returns the
    parameter gradients of the last step as NumPy arrays (in the order of problem['params'])."""

    def __init__(self, step, gradients=None, note: str = "", gradients_need_step: bool = True):
        self.step = step
        self.gradients = gradients
        self.note = note
        self.gradients_need_step = gradients_need_step  # False: gradients() computes them itself


class NotSupported(Exception):
    """A peer cannot run a case; the message is the reason shown in the table."""
