"""Normalization layers' ops, each fused into one node: batch_norm and layer_norm.

Both backward passes are the analytic ones on arrays. Under create_graph=True the engine
differentiates ``composite`` instead: the same normalization built from core ops.
"""
from __future__ import annotations

import numpy as np

import autograd as ag
from autograd import Function, Tensor

from ._common import plain


def _channel_layout(x: np.ndarray) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Axes that batch norm reduces over, and the shape that broadcasts a (C,) vector over x."""
    if not 2 <= x.ndim <= 4:
        raise ValueError(f"batch_norm: expected an input of shape (N, C), (N, C, L) or (N, C, H, W), got {x.shape}")
    # every axis but the channels': the batch and, for images and sequences, every position
    return (0,) + tuple(range(2, x.ndim)), (x.shape[1],) + (1,) * (x.ndim - 2)


def _check_parameters(weight, bias, shape: tuple, what: str) -> None:
    for name, value in (("weight", weight), ("bias", bias)):
        if value.shape != shape:
            raise ValueError(f"{name} of shape {value.shape} does not fit {what}: expected {shape}")


def _check_running(running_mean, running_var, x_shape) -> None:
    for name, value in (("running_mean", running_mean), ("running_var", running_var)):
        if value is None:
            continue
        if value.shape != (x_shape[1],):
            raise ValueError(f"{name} of shape {value.shape} does not fit input of shape {x_shape}: expected "
                             f"({x_shape[1]},), one statistic per channel (axis 1)")
        if value.dtype.kind != "f":
            raise ValueError(f"{name} has dtype {value.dtype}; running statistics must be a float array "
                             "(they are updated in place)")


class BatchNorm(Function):
    """Normalize each channel by batch statistics (training) or running statistics (eval)."""

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean=None, running_var=None, training=False,
                momentum=0.1, eps=1e-5):
        axes, shape = _channel_layout(x)
        _check_parameters(weight, bias, (x.shape[1],), f"{x.shape[1]} channels")
        _check_running(running_mean, running_var, x.shape)  # all checks before any running statistic changes
        ctx.save_for_backward(x, weight, bias)
        if not training:
            if running_mean is None or running_var is None:
                raise ValueError("running_mean and running_var are required when training=False")
            # a copy: a later training step updates the running statistics in place
            ctx.mean = np.array(running_mean, dtype=x.dtype)
            ctx.inv_std = 1 / np.sqrt(running_var.astype(x.dtype, copy=False) + eps)
            ctx.xhat = None  # backward rebuilds it if the weight needs a gradient
            scale = weight * ctx.inv_std
            out = x * scale.reshape(shape)
            out += (bias - ctx.mean * scale).reshape(shape)  # the affine map folded into one scale and shift
            return out
        count = x.size // x.shape[1]
        if count <= 1:
            raise ValueError(f"expected more than 1 value per channel when training, got input of shape {x.shape}")
        mean = x.mean(axis=axes)
        xhat = x - mean.reshape(shape)
        var = np.square(xhat).mean(axis=axes)  # biased: the batch is the whole population here
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += (momentum * count / (count - 1)) * var  # PyTorch tracks the unbiased variance
        ctx.inv_std = 1 / np.sqrt(var + eps)
        xhat *= ctx.inv_std.reshape(shape)
        ctx.xhat = xhat
        out = xhat * weight.reshape(shape)
        out += bias.reshape(shape)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, _ = ctx.saved
        need_x, need_weight, need_bias = ctx.needs_input_grad
        axes, shape = _channel_layout(x)
        training = ctx.params.get("training", False)
        xhat = ctx.xhat
        if xhat is None:
            xhat = (x - ctx.mean.reshape(shape)) * ctx.inv_std.reshape(shape)
        grad_bias = grad.sum(axis=axes) if need_bias or (need_x and training) else None
        grad_weight = (grad * xhat).sum(axis=axes) if need_weight or (need_x and training) else None
        grad_x = None
        if need_x:
            scale = (weight * ctx.inv_std).reshape(shape)
            if training:
                # dx = w/σ (g - mean(g) - x̂ mean(g x̂)): the batch statistics depend on x too
                count = x.size // x.shape[1]
                grad_x = grad - (grad_bias / count).reshape(shape)
                grad_x -= xhat * (grad_weight / count).reshape(shape)
                grad_x *= scale
            else:
                grad_x = grad * scale
        return grad_x, (grad_weight if need_weight else None), (grad_bias if need_bias else None)

    @staticmethod
    def composite(x, weight, bias, running_mean=None, running_var=None, training=False,
                  momentum=0.1, eps=1e-5):
        """The same normalization from core ops (no running-statistics update), for create_graph."""
        axes, shape = _channel_layout(x.data)
        if training:
            centered = x - x.mean(axis=axes, keepdims=True)
            var = (centered * centered).mean(axis=axes, keepdims=True)
        else:
            centered = x - running_mean.astype(x.dtype).reshape(shape)
            var = running_var.astype(x.dtype).reshape(shape)
        return centered / ag.sqrt(var + eps) * weight.reshape(shape) + bias.reshape(shape)


class LayerNorm(Function):
    """Normalize over the trailing `normalized_shape` axes of each item."""

    @staticmethod
    def forward(ctx, x, weight, bias, normalized_shape=(), eps=1e-5):
        size = len(normalized_shape)
        if size == 0 or x.shape[x.ndim - size:] != tuple(normalized_shape) or x.ndim < size:
            raise ValueError(f"normalized_shape {tuple(normalized_shape)} does not match the trailing "
                             f"axes of input of shape {x.shape}")
        _check_parameters(weight, bias, tuple(normalized_shape), f"normalized_shape {tuple(normalized_shape)}")
        axes = tuple(range(x.ndim - size, x.ndim))
        xhat = x - x.mean(axis=axes, keepdims=True)
        inv_std = 1 / np.sqrt(np.square(xhat).mean(axis=axes, keepdims=True) + eps)
        xhat *= inv_std
        out = xhat * weight
        out += bias
        ctx.xhat, ctx.inv_std, ctx.axes = xhat, inv_std, axes
        ctx.save_for_backward(x, weight, bias)
        return out

    @staticmethod
    def backward(ctx, grad):
        _, weight, _ = ctx.saved
        need_x, need_weight, need_bias = ctx.needs_input_grad
        xhat, axes = ctx.xhat, ctx.axes
        batch_axes = tuple(range(xhat.ndim - len(axes)))
        grad_x = grad_weight = grad_bias = None
        if need_x:
            # dx = (g w - mean(g w) - x̂ mean(g w x̂)) / σ over the normalized axes
            scaled = grad * weight
            grad_x = scaled - scaled.mean(axis=axes, keepdims=True)
            grad_x -= xhat * (scaled * xhat).mean(axis=axes, keepdims=True)
            grad_x *= ctx.inv_std
        if need_weight:
            grad_weight = (grad * xhat).sum(axis=batch_axes)
        if need_bias:
            grad_bias = grad.sum(axis=batch_axes)
        return grad_x, grad_weight, grad_bias

    @staticmethod
    def composite(x, weight, bias, normalized_shape=(), eps=1e-5):
        """The same normalization from core ops, for create_graph."""
        axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))
        centered = x - x.mean(axis=axes, keepdims=True)
        var = (centered * centered).mean(axis=axes, keepdims=True)
        return centered / ag.sqrt(var + eps) * weight + bias


def _affine_or_identity(weight, bias, shape: tuple, dtype):
    """Missing affine parameters as constant ones and zeros (they then need no gradient)."""
    return (np.ones(shape, dtype) if weight is None else weight,
            np.zeros(shape, dtype) if bias is None else bias)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization of (N, C), (N, C, L) or (N, C, H, W) inputs, exactly as torch.nn.functional.batch_norm.

    Training normalizes with the biased batch variance and, when running_mean/running_var are
    given, updates them in place: ``running = (1 - momentum) * running + momentum * batch``, with
    the unbiased batch variance for running_var. Eval (training=False) uses the running statistics.
    """
    data = plain(input)
    weight, bias = _affine_or_identity(weight, bias, data.shape[1:2], data.dtype)
    return BatchNorm.apply(input, weight, bias, running_mean=plain(running_mean), running_var=plain(running_var),
                           training=bool(training), momentum=float(momentum), eps=float(eps))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Normalize each item over its trailing `normalized_shape` axes (torch.nn.functional.layer_norm)."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    weight, bias = _affine_or_identity(weight, bias, normalized_shape, plain(input).dtype)
    return LayerNorm.apply(input, weight, bias, normalized_shape=normalized_shape, eps=float(eps))
