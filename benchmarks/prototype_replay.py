"""Prototype, measured and not built into gradsight: record a training step's graph once, then replay
it as a flat list of the ops' own forward and backward calls, with no graph bookkeeping per step.

    python benchmarks/prototype_replay.py

What a replay skips is everything the engine does per op besides the NumPy work: making a Tensor
and a graph node, recording parents, shapes, identities and version counters, ordering the
backward with a heap, routing gradients through dictionaries. Nodes are recorded once (their
contexts are reused: each replay runs `forward` again into the same context), the backward order
and every gradient's destination are fixed lists, and un-broadcasting is decided once. The ops
themselves are gradsight's (the same `Function.forward`/`backward` code), so the arithmetic, and
the gradients, are the same. It prints the time per step (median of 9 interleaved rounds, CPU
time, 1 BLAS thread) of the NumPy floor, gradsight as it is, and the replay, for the cases the
per-op targets of issue 14 are about, and checks first that the replay's gradients are gradsight's.
docs/benchmarks.md quotes it and weighs what building it would cost.
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
from autograd import Function, Tensor, topological_order  # noqa: E402
from autograd.engine import unbroadcast  # noqa: E402


class Replay:
    """The graph of `loss` (a scalar Tensor), recorded once, run again on the leaves' current values."""

    def __init__(self, loss: Tensor, parameters: list[Tensor]):
        order = topological_order(loss.grad_fn)  # parents first
        slot_of = {id(node): i for i, node in enumerate(order)}
        param_slot = {id(p): i for i, p in enumerate(parameters)}
        self.parameters = parameters
        self.nodes = order
        self.forward_plan = []  # per node: the op and, per input, where its value comes from
        self.backward_plan = []  # per node, in reverse: per input, where its gradient goes
        for node in order:
            sources = []
            for index, parent in enumerate(node.parents):
                if isinstance(parent, Function):
                    sources.append(("node", slot_of[id(parent)]))
                elif isinstance(parent, Tensor):
                    sources.append(("param", param_slot[id(parent)]))
                else:  # a constant: the array the node saw (constants do not change between steps)
                    sources.append(("constant", _constant_input(node, index)))
            self.forward_plan.append((type(node), node.params, sources))
        for node in reversed(order):
            routes = []
            for (kind, where), (shape, _), parent in zip(self.forward_plan[slot_of[id(node)]][2],
                                                              node.input_meta, node.parents):
                routes.append(None if parent is None else (kind, where, shape))
            self.backward_plan.append((slot_of[id(node)], routes))

    def step(self) -> None:
        values = [None] * len(self.nodes)
        params = [p.data for p in self.parameters]
        for slot, (op, op_params, sources) in enumerate(self.forward_plan):
            ctx = self.nodes[slot]
            arrays = [values[w] if k == "node" else params[w] if k == "param" else w for k, w in sources]
            values[slot] = op.forward(ctx, *arrays, **op_params)
        grads = [None] * len(self.nodes)
        grads[-1] = np.ones_like(values[-1])
        param_grads = [None] * len(params)
        for slot, routes in self.backward_plan:
            node = self.nodes[slot]
            results = type(node).backward(node, grads[slot])
            if type(results) is not tuple:
                results = (results,)
            for route, grad in zip(routes, results):
                if route is None or grad is None:
                    continue
                kind, where, shape = route
                if grad.shape != shape:
                    grad = unbroadcast(grad, shape)
                target = grads if kind == "node" else param_grads
                target[where] = grad if target[where] is None else target[where] + grad
        for p, grad in zip(self.parameters, param_grads):
            p.data -= LEARNING_RATE * grad
        self.last_grads = param_grads


def _constant_input(node, index: int):
    for array, source in zip(node.saved, node.saved_sources):
        if source == index:
            return array
    raise ValueError(f"prototype: constant input {index} of '{node.name}' is not saved, so it cannot be replayed")


def tiny_replay(problem: dict) -> Replay:
    """The tiny net as nn builds it (fused Linear + ReLU pairs), recorded once."""
    import nn
    from nn import functional

    weights = fresh_copy(problem["params"])
    layers = []
    for i in range(len(weights) // 2):
        linear = nn.Linear(weights[2 * i].shape[1], weights[2 * i].shape[0])
        linear.weight.data, linear.bias.data = weights[2 * i], weights[2 * i + 1]
        layers += [linear, nn.ReLU()] if i < len(weights) // 2 - 1 else [linear]
    model = nn.Sequential(*layers)
    params = [p for m in layers if isinstance(m, nn.Linear) for p in (m.weight, m.bias)]
    loss = functional.mse_loss(model(autograd.tensor(problem["x"])), autograd.tensor(problem["target"]))
    return Replay(loss, params)


def chain_replay(problem: dict) -> Replay:
    x = autograd.tensor(problem["x"], requires_grad=True)
    w = autograd.tensor(problem["w"])
    y = x
    for _ in range(problem["length"]):
        y = y * w
    return Replay(y.sum(), [x])


def main() -> None:
    """Check the replay against gradsight, then time floor, gradsight and replay interleaved."""
    rows = []
    for case, make in (("tiny", tiny_replay), ("chain_2000", chain_replay)):
        problem = make_problem(case)
        reference = build_workload(gradsight_peer, case, "nn" if case == "tiny" else "core", problem)
        replay = make(problem)
        reference.step()
        replay.step()
        expected = reference.gradients()
        got = replay.last_grads if case == "tiny" else replay.last_grads[:1]
        for want, have in zip(expected, got):
            if not np.allclose(want, have, rtol=1e-5, atol=1e-7 * (np.abs(want).max() + 1e-30)):
                raise SystemExit(f"{case}: the replay's gradients differ from gradsight's (timing it is pointless)")
        steps = {"NumPy floor": build_workload(floor, case, "nn", problem).step, "gradsight": reference.step,
                 "replay prototype": replay.step}
        per_step = problem.get("length", 1)
        seconds = {name: [] for name in steps}
        for _ in range(9):
            for name, step in steps.items():
                start = time.process_time()
                for _ in range(20 if case == "tiny" else 2):
                    step()
                seconds[name].append((time.process_time() - start) / (20 if case == "tiny" else 2) / per_step)
        floor_seconds = statistics.median(seconds["NumPy floor"])
        unit = "us per step" if case == "tiny" else "us per op"
        for name in steps:
            median = statistics.median(seconds[name])
            rows.append(f"{case:11s} {name:17s} {median * 1e6:8.2f} {unit}  {median / floor_seconds:5.2f}x the floor")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
