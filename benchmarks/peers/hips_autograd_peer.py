"""HIPS autograd: functional style, value_and_grad of a loss written with autograd.numpy."""
from __future__ import annotations

import autograd.numpy as anp
import numpy as np
from autograd.tracer import getval
from cases import BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, LEARNING_RATE, Workload, fresh_copy

from autograd import make_vjp, value_and_grad


def network(problem, variant, activation: str, last_activation: bool, loss: str, batch_norm: bool) -> Workload:
    params = fresh_copy(problem["params"])
    norms = [{k: v.copy() for k, v in layer.items()} for layer in problem.get("bn", [])] if batch_norm else []
    trainable = params + [layer[k] for layer in norms for k in ("weight", "bias")]
    depth = len(params) // 2
    act = (lambda h: anp.maximum(h, 0.0)) if activation == "relu" else anp.tanh
    x, n = problem["x"], problem["x"].shape[0]
    rows = np.arange(n)
    batch_stats: list = []

    def loss_of(weights):
        h = x
        for i in range(depth):
            h = h @ weights[2 * i].T + weights[2 * i + 1]
            if i < depth - 1 or last_activation:
                if batch_norm:
                    mean, var = anp.mean(h, axis=0), anp.var(h, axis=0)
                    batch_stats.append((getval(mean), getval(var)))
                    gamma, beta = weights[2 * depth + 2 * i], weights[2 * depth + 2 * i + 1]
                    h = (h - mean) / anp.sqrt(var + BATCH_NORM_EPS) * gamma + beta
                h = act(h)
        if loss == "cross_entropy":
            shift = np.max(getval(h), axis=1, keepdims=True)  # the log-sum-exp trick (a constant)
            log_total = anp.log(anp.sum(anp.exp(h - shift), axis=1)) + shift[:, 0]
            return anp.mean(log_total - h[rows, problem["labels"]])
        diff = h - problem["target"]
        return anp.mean(diff * diff)

    loss_and_grads = value_and_grad(loss_of)
    last: list = []

    def step():
        batch_stats.clear()
        value, grads = loss_and_grads(trainable)
        for state, (mean, var) in zip(norms, batch_stats):
            state["running_mean"] *= 1 - BATCH_NORM_MOMENTUM
            state["running_mean"] += BATCH_NORM_MOMENTUM * mean
            state["running_var"] *= 1 - BATCH_NORM_MOMENTUM
            state["running_var"] += (BATCH_NORM_MOMENTUM * n / (n - 1)) * var
        for p, g in zip(trainable, grads):
            p -= LEARNING_RATE * g
        last[:] = grads
        return float(value)

    return Workload(step, lambda: list(last))


def add(problem, variant):
    a, b, grad = problem["a"], problem["b"], problem["grad"]
    last: list = []

    def step():
        vjp, _ = make_vjp(lambda a, b: a + b, argnum=(0, 1))(a, b)
        last[:] = vjp(grad)

    return Workload(step, lambda: list(last))


def chain(problem, variant):
    x, w, length = problem["x"], problem["w"], problem["length"]
    ones = np.ones_like(x)
    last: list = []

    def forward(y):
        for _ in range(length):
            y = y * w
        return y

    def step():
        vjp, _ = make_vjp(forward)(x)
        last[:] = [vjp(ones)]

    return Workload(step, lambda: list(last))

