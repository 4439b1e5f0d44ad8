"""The hand-written NumPy floor: forward and backward of each case by hand, float32, no graph.

It does the same math as the peers (same layers, same loss, same SGD update) with the obvious
in-place updates a careful NumPy programmer would write, and nothing cleverer.
"""
from __future__ import annotations

import numpy as np
from cases import BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, LEARNING_RATE, Workload, fresh_copy


def _batch_norm_forward(z, layer):
    n = z.shape[0]
    mean = z.mean(axis=0)
    centered = z - mean
    var = (centered * centered).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + np.float32(BATCH_NORM_EPS))
    normalized = centered * inv_std
    layer["running_mean"] *= 1 - BATCH_NORM_MOMENTUM
    layer["running_mean"] += BATCH_NORM_MOMENTUM * mean
    layer["running_var"] *= 1 - BATCH_NORM_MOMENTUM
    layer["running_var"] += (BATCH_NORM_MOMENTUM * n / (n - 1)) * var  # running variance is unbiased
    return normalized * layer["weight"] + layer["bias"], (normalized, inv_std)


def _batch_norm_backward(grad, layer, cache):
    normalized, inv_std = cache
    n = grad.shape[0]
    grad_weight = (grad * normalized).sum(axis=0)
    grad_bias = grad.sum(axis=0)
    grad_normalized = grad * layer["weight"]
    # d/dz of batch norm, with the batch mean and variance differentiated too
    grad_z = (inv_std / n) * (n * grad_normalized - grad_normalized.sum(axis=0)
                              - normalized * (grad_normalized * normalized).sum(axis=0))
    return grad_z, grad_weight, grad_bias


def network(problem, variant, activation: str, last_activation: bool, loss: str, batch_norm: bool) -> Workload:
    """Linear layers with `activation` (and batch norm before it), then `loss`, then SGD."""
    x = problem["x"]
    params = fresh_copy(problem["params"])
    norms = [{k: v.copy() for k, v in layer.items()} for layer in problem.get("bn", [])] if batch_norm else []
    depth = len(params) // 2
    n = x.shape[0]
    rows = np.arange(n)
    last_grads: list = []

    def step():
        # forward: keep each layer's input, and what its activation's derivative needs
        inputs, derivs, bn_caches = [], [], []
        h = x
        for i in range(depth):
            inputs.append(h)
            z = h @ params[2 * i].T
            z += params[2 * i + 1]
            if i < depth - 1 or last_activation:
                if batch_norm:
                    z, cache = _batch_norm_forward(z, norms[i])
                    bn_caches.append(cache)
                if activation == "relu":
                    mask = z > 0
                    z *= mask
                    derivs.append(mask)
                else:
                    np.tanh(z, out=z)
                    derivs.append(z)
            h = z
        # loss and its gradient with respect to the output
        if loss == "cross_entropy":
            shifted = h - h.max(axis=1, keepdims=True)
            exp = np.exp(shifted)
            total = exp.sum(axis=1, keepdims=True)
            value = np.log(total).mean() - shifted[rows, problem["labels"]].mean()
            grad = exp / total  # softmax - one_hot, over the batch
            grad[rows, problem["labels"]] -= 1
            grad /= n
        else:
            diff = h - problem["target"]
            value = (diff * diff).mean()
            grad = diff * np.float32(2.0 / diff.size)
        # backward, layer by layer
        grads = [None] * len(params)
        bn_grads = [None] * (2 * len(norms))
        for i in reversed(range(depth)):
            if i < depth - 1 or last_activation:
                if activation == "relu":
                    grad *= derivs[i]
                else:
                    grad *= 1 - derivs[i] * derivs[i]  # tanh' = 1 - tanh²
                if batch_norm:
                    grad, bn_grads[2 * i], bn_grads[2 * i + 1] = _batch_norm_backward(grad, norms[i], bn_caches[i])
            grads[2 * i] = grad.T @ inputs[i]
            grads[2 * i + 1] = grad.sum(axis=0)
            if i:
                grad = grad @ params[2 * i]
        # SGD
        for p, g in zip(params, grads):
            p -= LEARNING_RATE * g
        for i, layer in enumerate(norms):
            layer["weight"] -= LEARNING_RATE * bn_grads[2 * i]
            layer["bias"] -= LEARNING_RATE * bn_grads[2 * i + 1]
        last_grads[:] = grads + bn_grads
        return float(value)

    return Workload(step, lambda: list(last_grads))


def add(problem, variant):
    a, b, grad = problem["a"], problem["b"], problem["grad"]
    result: list = []

    def step():
        out = a + b
        result[:] = [grad, grad]  # d(a + b)/da = d(a + b)/db = identity
        return out

    return Workload(step, lambda: list(result))


def chain(problem, variant):
    x, w, length = problem["x"], problem["w"], problem["length"]
    result: list = []

    def step():
        y = x
        for _ in range(length):
            y = y * w
        grad = np.ones_like(y)
        for _ in range(length):
            grad = grad * w  # d(y * w)/dy = w
        result[:] = [grad]
        return y

    return Workload(step, lambda: list(result))


def chain_scalar(problem, variant):
    x, length = problem["x"], problem["length"]
    result: list = []

    def step():
        y = x
        for _ in range(length):
            y = y * np.float32(1.0001)
        grad = np.ones_like(y)
        for _ in range(length):
            grad = grad * np.float32(1.0001)
        result[:] = [grad]
        return y

    return Workload(step, lambda: list(result))
