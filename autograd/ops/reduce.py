"""Reductions over `axis` (None, int or tuple; negatives allowed) with `keepdims`."""
from __future__ import annotations

import math

import numpy as np

from ..function import Function
from ._util import constant, expand_reduced, normalize_axis, reduced_count


class Sum(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes = normalize_axis(axis, x.ndim, "sum", x.shape)
        return np.sum(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (shape, _), = ctx.input_meta
        return expand_reduced(grad, shape, ctx.axes, ctx.params.get("keepdims", False), ctx.xp)


class Mean(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes = normalize_axis(axis, x.ndim, "mean", x.shape)
        return np.mean(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (shape, _), = ctx.input_meta
        scale = 1.0 / (reduced_count(shape, ctx.axes) or 1)  # an empty reduction has an empty gradient
        return expand_reduced(grad * scale, shape, ctx.axes, ctx.params.get("keepdims", False), ctx.xp)


class _Extremum(Function):
    """max/min: the gradient is split evenly among tied extrema (a valid subgradient)."""

    register = False
    reduce = staticmethod(np.max)

    @classmethod
    def forward(cls, ctx, x, axis=None, keepdims=False):
        ctx.axes = normalize_axis(axis, x.ndim, cls.name, x.shape)
        if x.size == 0:
            raise ValueError(f"{cls.name}: zero-size input of shape {x.shape} has no {cls.name}")
        out = cls.reduce(x, axis=ctx.axes, keepdims=True)
        winners = x == out
        if x.dtype.kind in "fc" and np.isnan(out).any():  # a NaN maximum: the NaNs share the gradient (PyTorch's max)
            winners |= np.isnan(x) & np.isnan(out)
        ctx.weights = winners / winners.sum(axis=ctx.axes, keepdims=True, dtype=x.dtype)
        return out if keepdims else out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in ctx.axes))

    @staticmethod
    def backward(ctx, grad):
        (shape, _), = ctx.input_meta
        return expand_reduced(grad, shape, ctx.axes, ctx.params.get("keepdims", False), ctx.xp) * ctx.weights


class Max(_Extremum):
    reduce = staticmethod(np.max)


class Min(_Extremum):
    reduce = staticmethod(np.min)


class Var(Function):
    @staticmethod
    def forward(ctx, x, axis=None, ddof=0, keepdims=False):
        ctx.axes = normalize_axis(axis, x.ndim, "var", x.shape)
        ctx.save_for_backward(x)
        return np.var(x, axis=ctx.axes, ddof=ddof, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        (shape, _), = ctx.input_meta
        count = reduced_count(shape, ctx.axes) - ctx.params.get("ddof", 0)
        scale = 2.0 / count if count else math.inf  # n == ddof: Inf as torch's float division (NaN after × 0)
        centred = x - ctx.xp.mean(x, axis=ctx.axes, keepdims=True)
        return expand_reduced(grad, shape, ctx.axes, ctx.params.get("keepdims", False), ctx.xp) * centred * scale


class Std(Function):
    @staticmethod
    def forward(ctx, x, axis=None, ddof=0, keepdims=False):
        ctx.axes = normalize_axis(axis, x.ndim, "std", x.shape)
        out = np.std(x, axis=ctx.axes, ddof=ddof, keepdims=keepdims)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        (shape, _), = ctx.input_meta
        keepdims = ctx.params.get("keepdims", False)
        count = reduced_count(shape, ctx.axes) - ctx.params.get("ddof", 0)
        centred = x - ctx.xp.mean(x, axis=ctx.axes, keepdims=True)
        # d std = (x - mean) / ((n - ddof) std); 0 where std == 0, torch's choice among the subgradients
        zero = constant(out) == 0
        scale = expand_reduced(grad * ~zero / (ctx.xp.where(zero, 1, out) * count), shape, ctx.axes, keepdims, ctx.xp)
        return scale * centred


class Logsumexp(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes = normalize_axis(axis, x.ndim, "logsumexp", x.shape)
        shift = np.max(x, axis=ctx.axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        shift = np.where(np.isfinite(shift), shift, 0)  # the log-sum-exp trick; no overflow for 1e3
        out = np.log(np.sum(np.exp(x - shift), axis=ctx.axes, keepdims=True)) + shift
        if not keepdims:
            out = out.reshape(tuple(n for i, n in enumerate(x.shape) if i not in ctx.axes))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved
        (shape, _), = ctx.input_meta
        keepdims = ctx.params.get("keepdims", False)
        softmax = ctx.xp.exp(x - expand_reduced(out, shape, ctx.axes, keepdims, ctx.xp))
        return expand_reduced(grad, shape, ctx.axes, keepdims, ctx.xp) * softmax  # d logsumexp = softmax


class Prod(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axes = normalize_axis(axis, x.ndim, "prod", x.shape)
        ctx.save_for_backward(x)
        return np.prod(x, axis=ctx.axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        (shape, _), = ctx.input_meta
        axes = ctx.axes
        if x.size == 0:  # an empty input has an empty gradient (the cumulative products need an element)
            return np.zeros(shape, grad.dtype)
        # product of all the other elements, from exclusive cumulative products (safe with zeros)
        rest = [a for a in range(x.ndim) if a not in axes]
        moved = np.transpose(x, rest + list(axes)).reshape([x.shape[a] for a in rest] + [-1])
        ones = np.ones(moved.shape[:-1] + (1,), x.dtype)
        left = np.cumprod(np.concatenate([ones, moved[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, moved[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        others = (left * right).reshape([x.shape[a] for a in rest + list(axes)])
        others = np.transpose(others, np.argsort(rest + list(axes)))
        return expand_reduced(grad, shape, axes, ctx.params.get("keepdims", False), np) * others

    @staticmethod
    def composite(x, axis=None, keepdims=False):
        """The same product as a chain of multiplications, so it is differentiable twice."""
        from .. import ops

        axes = normalize_axis(axis, x.ndim, "prod", x.shape)
        rest = [a for a in range(x.ndim) if a not in axes]
        if reduced_count(x.shape, axes) == 0:  # the empty product is 1, still a node of the graph
            return ops.sum(x, axis=axes, keepdims=keepdims) * 0 + 1
        moved = ops.transpose(x, rest + list(axes)).reshape([x.shape[a] for a in rest] + [-1])
        out = moved[..., 0]
        for i in range(1, moved.shape[-1]):
            out = out * moved[..., i]
        if keepdims:
            out = out.reshape(tuple(1 if i in axes else n for i, n in enumerate(x.shape)))
        return out
