"""Activations over groups of features along an axis: softmax, log_softmax, maxout."""
from __future__ import annotations

import numpy as np

from autograd import Function, Tensor


def _scaled(ctx, x: np.ndarray, axis: int, temperature: float) -> np.ndarray:
    """x / temperature, after checking both arguments (where the two softmaxes start).

    Sets ctx.axes, the axes to normalize over: () for a 0-d input (its one element is its group,
    as PyTorch's dim 0 or -1 of a scalar), so the same sums work on 0-d Tensors under create_graph.
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    _check_axis(x, axis)
    ctx.axes = (axis % x.ndim,) if x.ndim else ()
    return x * (1.0 / temperature) if temperature != 1.0 else x


def _group_max(x: np.ndarray, axes: tuple) -> np.ndarray:
    """The shift of the log-sum-exp trick; -Inf (no shift) for an empty axis, which has no maximum."""
    return np.max(x, axis=axes, keepdims=True, initial=-np.inf)


def _check_axis(x: np.ndarray, axis: int) -> int:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer, got {axis!r} ({type(axis).__name__})")
    if not -max(x.ndim, 1) <= axis < max(x.ndim, 1):
        raise np.exceptions.AxisError(f"axis {axis} is out of range for an input of shape {x.shape}")
    return axis


class Softmax(Function):
    """e^(x/T) normalized along `axis`; saves its output, from which backward is cheapest."""

    @staticmethod
    def forward(ctx, x, axis=-1, temperature=1.0):
        scaled = _scaled(ctx, x, axis, temperature)
        out = np.exp(scaled - _group_max(scaled, ctx.axes))  # shifted: no overflow
        out /= out.sum(axis=ctx.axes, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        temperature = ctx.params.get("temperature", 1.0)
        # Jacobian-vector product of softmax: y (g - Σ g y), from the saved output alone
        return out * (grad - (grad * out).sum(axis=ctx.axes, keepdims=True)) * (1.0 / temperature)


class LogSoftmax(Function):
    """log softmax(x/T) along `axis`; saves its output (softmax = e^out in backward)."""

    @staticmethod
    def forward(ctx, x, axis=-1, temperature=1.0):
        scaled = _scaled(ctx, x, axis, temperature)
        out = scaled - _group_max(scaled, ctx.axes)
        if out.size:  # an empty axis has nothing to normalize (and log of its empty sum warns)
            out -= np.log(np.exp(out).sum(axis=ctx.axes, keepdims=True))  # the log-sum-exp trick
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        temperature = ctx.params.get("temperature", 1.0)
        # d log_softmax: g - softmax Σ g, and softmax = e^out
        return (grad - ctx.xp.exp(out) * grad.sum(axis=ctx.axes, keepdims=True)) * (1.0 / temperature)


class Maxout(Function):
    """Max over groups of `pieces` consecutive features along `axis` (Goodfellow et al. 2013)."""

    @staticmethod
    def forward(ctx, x, pieces=2, axis=-1):
        if x.ndim == 0:
            raise ValueError("maxout needs an input with at least one axis")
        axis = _check_axis(x, axis) % x.ndim
        features = x.shape[axis]
        if not isinstance(pieces, (int, np.integer)) or pieces < 1 or features % pieces:
            raise ValueError(f"axis {axis} of input of shape {x.shape} has {features} features, "
                             f"which do not split into groups of pieces={pieces}")
        grouped = x.reshape(x.shape[:axis] + (features // pieces, pieces) + x.shape[axis + 1:])
        # the pieces axis is short: a loop of elementwise maxima beats a reduction along it
        piece = [grouped[(slice(None),) * (axis + 1) + (k,)] for k in range(pieces)]
        out = piece[0].copy()
        for other in piece[1:]:
            np.maximum(out, other, out=out)
        winners = grouped == np.expand_dims(out, axis + 1)
        count = winners[(slice(None),) * (axis + 1) + (0,)].astype(x.dtype)
        for k in range(1, pieces):
            count += winners[(slice(None),) * (axis + 1) + (k,)]
        # ties split the gradient evenly, like max: a valid subgradient
        ctx.weights = winners / np.expand_dims(count, axis + 1)
        return out

    @staticmethod
    def backward(ctx, grad):
        weights = ctx.weights
        (shape, _), = ctx.input_meta
        axis = ctx.params.get("axis", -1) % len(shape)
        spread = grad.reshape(weights.shape[:axis + 1] + (1,) + weights.shape[axis + 2:]) * weights
        return spread.reshape(shape)


def softmax(input, axis: int = -1, temperature: float = 1.0) -> Tensor:
    """e^(x/T) normalized along `axis`; `temperature` T (not in PyTorch) flattens (T > 1) or sharpens."""
    return Softmax.apply(input, axis=axis, temperature=float(temperature))


def log_softmax(input, axis: int = -1, temperature: float = 1.0) -> Tensor:
    """log softmax(x / T) along `axis`, computed with the log-sum-exp trick."""
    return LogSoftmax.apply(input, axis=axis, temperature=float(temperature))


def maxout(input, pieces: int, axis: int = -1) -> Tensor:
    """Max over groups of `pieces` consecutive features along `axis` (not in PyTorch).

    Features ``[k*pieces, (k+1)*pieces)`` form group k, so axis size F becomes F // pieces.
    """
    return Maxout.apply(input, pieces=pieces, axis=axis)
