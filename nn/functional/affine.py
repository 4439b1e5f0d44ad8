"""The fully connected layer's op: y = x Wᵀ + b, fused into one graph node."""
from __future__ import annotations

import numpy as np

from autograd import Function, Tensor


class Linear(Function):
    """x (..., in) @ weight (out, in)ᵀ + bias (out,): PyTorch's layout, any leading batch axes."""

    @staticmethod
    def forward(ctx, x, weight, *bias):
        if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ValueError(f"input of shape {x.shape} does not fit weight of shape {weight.shape}: "
                             "expected weight (out_features, in_features) and input (..., in_features)")
        if bias and bias[0].shape != (weight.shape[0],):
            raise ValueError(f"bias of shape {bias[0].shape} does not fit weight of shape {weight.shape}: "
                             f"expected ({weight.shape[0]},)")
        ctx.save_for_backward(x, weight)
        out = x @ weight.T  # BLAS reads the transposed view directly: no copy
        if bias:
            out += bias[0]  # in place: the product is a fresh array
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        need_x, need_weight, *need_bias = ctx.needs_input_grad
        grad_x = grad @ weight if need_x else None
        grad_weight = grad_bias = None
        if need_weight or any(need_bias):
            # leading batch axes flattened into one: the weight sees every row as one sample
            rows = grad if grad.ndim == 2 else grad.reshape((-1, grad.shape[-1]))
            if need_weight:
                grad_weight = rows.T @ (x if x.ndim == 2 else x.reshape((-1, x.shape[-1])))
            if any(need_bias):
                grad_bias = rows.sum(axis=0) if ctx.xp is not np else np.add.reduce(rows, axis=0)
        return (grad_x, grad_weight, grad_bias)[:len(ctx.parents)]


def linear(input, weight, bias=None) -> Tensor:
    """Apply y = input @ weight.T + bias over the last axis (weight (out, in), bias (out,))."""
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)
