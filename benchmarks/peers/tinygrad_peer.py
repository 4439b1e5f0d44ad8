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


def _layers(problem, batch_norm: bool):
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
    Tensor.realize(*ordered, *buffers)
    return linears, norms, ordered, buffers


def network(problem, variant, activation: str, last_activation: bool, loss: str, batch_norm: bool) -> Workload:
    x = Tensor(problem["x"]).realize()
    wanted = Tensor(problem["labels"].astype(np.int32) if loss == "cross_entropy" else problem["target"]).realize()

    def loss_of(linears, norms, x, wanted):
        h = x
        for i, linear in enumerate(linears):
            h = linear(h)
            if i < len(linears) - 1 or last_activation:
                if batch_norm:
                    h = norms[i](h)
                h = h.relu() if activation == "relu" else h.tanh()
        return h.sparse_categorical_crossentropy(wanted) if loss == "cross_entropy" else ((h - wanted) ** 2).mean()

    linears, norms, ordered, buffers = _layers(problem, batch_norm)
    optimizer = tnn.optim.SGD(ordered + buffers, lr=LEARNING_RATE)

    @TinyJit
    def train_step(x, wanted):
        optimizer.zero_grad()
        value = loss_of(linears, norms, x, wanted)
        value.backward()
        optimizer.step()
        return value.realize()

    def step():
        with Context(TRAINING=1):
            return train_step(x, wanted).item()

    def gradients():
        # the gradients at the shared starting point, from a fresh copy of the layers
        fresh_linears, fresh_norms, fresh_ordered, _ = _layers(problem, batch_norm)
        with Context(TRAINING=1):
            loss_of(fresh_linears, fresh_norms, x, wanted).backward()
        return [p.grad.numpy() for p in fresh_ordered]

    return Workload(step, gradients, note="TinyJit-captured step", gradients_need_step=False)


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



def conv2d(problem, variant):
    x = Tensor(problem["x"]).realize()
    weight, bias = (Tensor(p.copy()).realize() for p in problem["params"])
    grad = Tensor(problem["grad"]).realize()

    def step():
        x.grad = weight.grad = bias.grad = None
        x.conv2d(weight, bias, padding=1).backward(grad)
        Tensor.realize(x.grad, weight.grad, bias.grad)
        Device[Device.DEFAULT].synchronize()

    return Workload(step, lambda: [x.grad.numpy(), weight.grad.numpy(), bias.grad.numpy()],
                    note="eager: graph built, scheduled, run")


def lenet(problem, variant):
    params = [Tensor(p) for p in fresh_copy(problem["params"])]
    Tensor.realize(*params)
    x = Tensor(problem["x"]).realize()
    wanted = Tensor(problem["labels"].astype(np.int32)).realize()
    optimizer = tnn.optim.SGD(params, lr=LEARNING_RATE)

    def loss_of(params, x, wanted):
        h = x
        for layer, padding in ((0, 2), (1, 0)):
            h = h.conv2d(params[2 * layer], params[2 * layer + 1], padding=padding).relu().max_pool2d((2, 2))
        h = h.reshape(h.shape[0], -1)
        for layer in (2, 3, 4):
            h = h.linear(params[2 * layer].T, params[2 * layer + 1])
            if layer < 4:
                h = h.relu()
        return h.sparse_categorical_crossentropy(wanted)

    @TinyJit
    def train_step(x, wanted):
        optimizer.zero_grad()
        value = loss_of(params, x, wanted)
        value.backward()
        optimizer.step()
        return value.realize()

    def step():
        with Context(TRAINING=1):
            return train_step(x, wanted).item()

    def gradients():
        fresh = [Tensor(p) for p in fresh_copy(problem["params"])]
        with Context(TRAINING=1):
            loss_of(fresh, x, wanted).backward()
        return [p.grad.numpy() for p in fresh]

    return Workload(step, gradients, note="TinyJit-captured step", gradients_need_step=False)
