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



# ----- convolutions: im2col by hand ---------------------------------------------------------------
def _conv_forward(x, weight, bias, padding):
    """Cross-correlation as one GEMM on the (N·H·W, C·k·k) patch matrix; returns the output and the patches."""
    n, c, h, w = x.shape
    o, _, k, _ = weight.shape
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding))) if padding else x
    out_h, out_w = padded.shape[2] - k + 1, padded.shape[3] - k + 1
    windows = np.lib.stride_tricks.sliding_window_view(padded, (k, k), axis=(2, 3))  # (N, C, H', W', k, k)
    patches = windows.transpose(0, 2, 3, 1, 4, 5).reshape(n * out_h * out_w, c * k * k)
    out = patches @ weight.reshape(o, -1).T
    out += bias
    return out.reshape(n, out_h, out_w, o).transpose(0, 3, 1, 2), patches


def _conv_backward(grad, x, weight, patches, padding):
    """Gradients of x, weight and bias; the patch gradients are added back one kernel offset at a time."""
    n, c, h, w = x.shape
    o, _, k, _ = weight.shape
    out_h, out_w = grad.shape[2:]
    rows = grad.transpose(0, 2, 3, 1).reshape(-1, o)
    grad_weight = (rows.T @ patches).reshape(weight.shape)
    grad_bias = rows.sum(axis=0)
    grad_patches = (rows @ weight.reshape(o, -1)).reshape(n, out_h, out_w, c, k, k)
    grad_padded = np.zeros((n, c, h + 2 * padding, w + 2 * padding), x.dtype)
    for i in range(k):
        for j in range(k):
            grad_padded[:, :, i:i + out_h, j:j + out_w] += grad_patches[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return grad_padded[:, :, padding:padding + h, padding:padding + w], grad_weight, grad_bias


def conv2d(problem, variant):
    x, (weight, bias), grad = problem["x"], problem["params"], problem["grad"]
    result: list = []

    def step():
        out, patches = _conv_forward(x, weight, bias, 1)
        result[:] = _conv_backward(grad, x, weight, patches, 1)
        return out

    return Workload(step, lambda: list(result))


def _max_pool_forward(x):
    """2x2 max pooling, stride 2; the mask marks each window's maximum (one per window)."""
    n, c, h, w = x.shape
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    out = blocks.max(axis=(3, 5))
    mask = blocks == out[:, :, :, None, :, None]
    return out, mask


def _max_pool_backward(grad, mask):
    spread = mask * grad[:, :, :, None, :, None]
    n, c, h, _, w, _ = mask.shape
    return spread.reshape(n, c, 2 * h, 2 * w)


def lenet(problem, variant):
    """LeNet-5: conv(pad 2)-ReLU-pool, conv-ReLU-pool, Linear-ReLU, Linear-ReLU, Linear; CE; SGD."""
    x, labels = problem["x"], problem["labels"]
    params = fresh_copy(problem["params"])
    n = x.shape[0]
    rows = np.arange(n)
    last_grads: list = []

    def step():
        conv_inputs, patches, relus, masks = [], [], [], []
        h = x
        for layer, padding in ((0, 2), (1, 0)):
            conv_inputs.append(h)
            z, cols = _conv_forward(h, params[2 * layer], params[2 * layer + 1], padding)
            patches.append(cols)
            relu = z > 0
            z = z * relu
            relus.append(relu)
            h, mask = _max_pool_forward(z)
            masks.append(mask)
        pooled_shape = h.shape
        h = h.reshape(n, -1)
        dense_inputs, dense_relus = [], []
        for layer in (2, 3, 4):
            dense_inputs.append(h)
            h = h @ params[2 * layer].T
            h += params[2 * layer + 1]
            if layer < 4:
                relu = h > 0
                h *= relu
                dense_relus.append(relu)
        shifted = h - h.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        value = np.log(total).mean() - shifted[rows, labels].mean()
        grad = exp / total
        grad[rows, labels] -= 1
        grad /= n
        grads = [None] * len(params)
        for layer in (4, 3, 2):
            if layer < 4:
                grad *= dense_relus[layer - 2]
            grads[2 * layer] = grad.T @ dense_inputs[layer - 2]
            grads[2 * layer + 1] = grad.sum(axis=0)
            grad = grad @ params[2 * layer]
        grad = grad.reshape(pooled_shape)
        for layer, padding in ((1, 0), (0, 2)):
            grad = _max_pool_backward(grad, masks[layer]) * relus[layer]
            grad_x, grads[2 * layer], grads[2 * layer + 1] = _conv_backward(
                grad, conv_inputs[layer], params[2 * layer], patches[layer], padding)
            grad = grad_x
        for p, g in zip(params, grads):
            p -= LEARNING_RATE * g
        last_grads[:] = grads
        return float(value)

    return Workload(step, lambda: list(last_grads))


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
