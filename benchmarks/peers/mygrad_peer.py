"""MyGrad, with its fused ops where it has them (softmax_crossentropy, batchnorm)."""
from __future__ import annotations

import mygrad as mg
import numpy as np
from cases import BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, LEARNING_RATE, Workload, fresh_copy
from mygrad.nnet.activations import relu
from mygrad.nnet.layers import batchnorm
from mygrad.nnet.losses import softmax_crossentropy


def network(problem, variant, activation: str, last_activation: bool, loss: str, batch_norm: bool) -> Workload:
    params = [mg.tensor(p) for p in fresh_copy(problem["params"])]
    norms = [{k: v.copy() for k, v in layer.items()} for layer in problem.get("bn", [])] if batch_norm else []
    bn_params = [mg.tensor(layer[k]) for layer in norms for k in ("weight", "bias")]
    trainable = params + bn_params
    depth = len(params) // 2
    act = relu if activation == "relu" else mg.tanh
    x = problem["x"]
    last: list = []

    def step():
        h = x
        for i in range(depth):
            h = mg.matmul(h, params[2 * i].T) + params[2 * i + 1]
            if i < depth - 1 or last_activation:
                if batch_norm:
                    h = batchnorm(h, gamma=bn_params[2 * i], beta=bn_params[2 * i + 1], eps=BATCH_NORM_EPS)
                    _update_running(norms[i], h.creator, x.shape[0])
                h = act(h)
        if loss == "cross_entropy":
            value = softmax_crossentropy(h, problem["labels"])
        else:
            diff = h - problem["target"]
            value = mg.mean(diff * diff)
        value.backward()
        last[:] = [p.grad for p in trainable]
        for p in trainable:
            p.data -= LEARNING_RATE * p.grad  # MyGrad clears .grad when p is next used in an op
        return value.item()

    return Workload(step, lambda: list(last), note="float32 kept by passing NumPy float32 constants")


def _update_running(state, batch_norm_op, n):
    # MyGrad's batchnorm keeps no running statistics; its op exposes the batch mean and variance
    state["running_mean"] *= 1 - BATCH_NORM_MOMENTUM
    state["running_mean"] += BATCH_NORM_MOMENTUM * batch_norm_op.mean
    state["running_var"] *= 1 - BATCH_NORM_MOMENTUM
    state["running_var"] += (BATCH_NORM_MOMENTUM * n / (n - 1)) * batch_norm_op.var


def add(problem, variant):
    a, b = mg.tensor(problem["a"]), mg.tensor(problem["b"])
    grad = problem["grad"]

    def step():
        (a + b).backward(grad)

    return Workload(step, lambda: [a.grad, b.grad])


def chain(problem, variant):
    x, w = mg.tensor(problem["x"]), mg.tensor(problem["w"], constant=True)
    length = problem["length"]
    ones = np.ones_like(problem["x"])

    def step():
        y = x
        for _ in range(length):
            y = y * w
        y.backward(ones)

    return Workload(step, lambda: [x.grad])



def conv2d(problem, variant):
    from mygrad.nnet.layers import conv_nd

    x = mg.tensor(problem["x"])
    weight, bias = (mg.tensor(p.copy()) for p in problem["params"])
    grad = problem["grad"]

    def step():
        out = conv_nd(x, weight, stride=1, padding=1) + bias.reshape(1, -1, 1, 1)
        out.backward(grad)

    return Workload(step, lambda: [x.grad, weight.grad, bias.grad])


def lenet(problem, variant):
    from mygrad.nnet.layers import conv_nd, max_pool

    params = [mg.tensor(p) for p in fresh_copy(problem["params"])]
    x, labels = problem["x"], problem["labels"]
    last: list = []

    def step():
        h = x
        for layer, padding in ((0, 2), (1, 0)):
            h = conv_nd(h, params[2 * layer], stride=1, padding=padding) + params[2 * layer + 1].reshape(1, -1, 1, 1)
            h = max_pool(relu(h), (2, 2), 2)
        h = h.reshape(h.shape[0], -1)
        for layer in (2, 3, 4):
            h = mg.matmul(h, params[2 * layer].T) + params[2 * layer + 1]
            if layer < 4:
                h = relu(h)
        value = softmax_crossentropy(h, labels)
        value.backward()
        last[:] = [p.grad for p in params]
        for p in params:
            p.data -= LEARNING_RATE * p.grad
        return value.item()

    return Workload(step, lambda: list(last))
