"""tinygrad on its CPU device (clang-compiled kernels): networks as TinyJit-captured training
steps, the way tinygrad trains; per-op cases eagerly (build, backward, realize), since a JIT
replay would time no per-op work at all."""
from __future__ import annotations

import os

os.environ.setdefault("DEV", "CPU")

import numpy as np  # noqa: E402
from cases import BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, LEARNING_RATE, Workload, fresh_copy  # noqa: E402
from tinygrad import Device, Tensor, TinyJit  # noqa: E402
from tinygrad import nn as tnn  # noqa: E402
from tinygrad.helpers import Context  # noqa: E402


def _net(problem, activation: str, last_activation: bool, loss: str, batch_norm: bool) -> Workload:
    weights = fresh_copy(problem["params"])
    depth = len(weights) // 2
    linears, norms = [], []
    for i in range(depth):
        out_features, in_features = weights[2 * i].shape
        linear = tnn.Linear(in_features, out_features)
        linear.weight, linear.bias = Tensor(weights[2 * i]), Tensor(weights[2 * i + 1])
        linears.append(linear)
        if batch_norm and i < depth - 1:
            norms.append(tnn.BatchNorm(out_features, eps=BATCH_NORM_EPS, momentum=BATCH_NORM_MOMENTUM))
    ordered = [p for m in linears for p in (m.weight, m.bias)] + [p for m in norms for p in (m.weight, m.bias)]
    buffers = [t for m in norms for t in (m.running_mean, m.running_var, m.num_batches_tracked)]
    optimizer = tnn.optim.SGD(ordered + buffers, lr=LEARNING_RATE)
    Tensor.realize(*ordered, *buffers)
    x = Tensor(problem["x"])
    wanted = Tensor(problem["labels"].astype(np.int32)) if loss == "cross_entropy" else Tensor(problem["target"])

    def train_step(x, wanted):
        optimizer.zero_grad()
        h = x
        for i in range(depth):
            h = linears[i](h)
            if i < depth - 1 or last_activation:
                if batch_norm:
                    h = norms[i](h)
                h = h.relu() if activation == "relu" else h.tanh()
        value = h.sparse_categorical_crossentropy(wanted) if loss == "cross_entropy" else ((h - wanted) ** 2).mean()
        value.backward()
        optimizer.step()
        return value.realize()

    jitted = TinyJit(train_step)
    plain_grads: list = []

    def step():
        with Context(TRAINING=1):
            return jitted(x, wanted).item()

    def gradients():
        # one un-jitted step on fresh parameters gives readable .grad tensors
        with Context(TRAINING=1):
            train_step(x, wanted)
        plain_grads[:] = [p.grad.numpy() for p in ordered]
        return list(plain_grads)

    return Workload(step, gradients, note="TinyJit-captured step")


def mlp(problem, variant):
    return _net(problem, "relu", False, "cross_entropy", batch_norm=False)


def mlp_bn(problem, variant):
    return _net(problem, "relu", False, "cross_entropy", batch_norm=True)


def deep(problem, variant):
    return _net(problem, "tanh", True, "mse", batch_norm=False)


def tiny(problem, variant):
    return _net(problem, "relu", False, "mse", batch_norm=False)


def add(problem, variant):
    a, b = Tensor(problem["a"]).realize(), Tensor(problem["b"]).realize()
    grad = Tensor(problem["grad"]).realize()

    def step():
        a.grad = b.grad = None
        (a + b).backward(grad)
        Tensor.realize(a.grad, b.grad)
        Device[Device.DEFAULT].synchronize()

    return Workload(step, lambda: [a.grad.numpy(), b.grad.numpy()], note="eager: graph built, scheduled, run")


def chain(problem, variant):
    x, w = Tensor(problem["x"]).realize(), Tensor(problem["w"]).realize()
    ones = Tensor(np.ones_like(problem["x"])).realize()
    length = problem["length"]

    def step():
        x.grad = None
        y = x
        for _ in range(length):
            y = y * w
        y.backward(ones)
        x.grad.realize()
        Device[Device.DEFAULT].synchronize()

    return Workload(step, lambda: [x.grad.numpy()], note="eager: graph built, scheduled, run")

