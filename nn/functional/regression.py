"""Regression losses on (input, target) pairs of the same shape: mse, l1, huber, smooth L1.

The target may carry a gradient too (its derivative is minus the input's), as in PyTorch. Unlike
PyTorch (which warns and broadcasts), shapes that differ are refused: an (N, 1) prediction against
an (N,) target would broadcast to (N, N) and compare every prediction with every target.
"""
from __future__ import annotations

import numpy as np

from autograd import Function, Tensor

from ._common import check_reduction, loss_scale, plain, reduce_loss


def check_matching_shapes(x: np.ndarray, target: np.ndarray, op: str = "") -> None:
    """Raise ValueError unless input and target have the same shape, naming both and the likely fix
    (`op` names the loss where Function.apply does not)."""
    if x.shape == target.shape:
        return
    problem = f"{op}{': ' * bool(op)}input of shape {x.shape} and target of shape {target.shape} differ"
    if target.size == 1 and x.size != 1:
        raise ValueError(f"{problem}; to compare every item with one value, say so: "
                         f"target.broadcast_to({x.shape})")
    try:
        wide = np.broadcast_shapes(x.shape, target.shape)
    except ValueError:
        wide = None
    if wide not in (None, x.shape, target.shape):
        problem += f"; they would broadcast to {wide}, pairing items that do not belong together"
    if x.size != target.size:
        raise ValueError(f"{problem}. They hold different numbers of items ({x.size} and {target.size}): "
                         "check that they are the prediction and the target of the same batch")
    raise ValueError(f"{problem}. Give them one shape, e.g. {_reshaped('input', x, target.shape)} "
                     f"or {_reshaped('target', target, x.shape)}")


def _reshaped(name: str, array: np.ndarray, shape: tuple) -> str:
    """The call that gives `array` the other's `shape`: squeeze for one dropped axis of size 1, else reshape."""
    ones = [axis for axis, n in enumerate(array.shape) if n == 1]
    if array.ndim == len(shape) + 1 and len(ones) == 1:
        return f"{name}.squeeze({ones[0]})"
    return f"{name}.reshape({', '.join(map(str, shape)) if shape else '()'})"


def _difference(ctx, x, target, reduction: str, op: str) -> np.ndarray:
    check_reduction(reduction, op)
    check_matching_shapes(x, target)
    difference = x - target
    ctx.count = difference.size
    return difference


def _opposite_pair(ctx, grad_x):
    """Gradients for (input, target) of a loss of input - target."""
    need_x, need_target = ctx.needs_input_grad
    return (grad_x if need_x else None), (-grad_x if need_target else None)


class MseLoss(Function):
    @staticmethod
    def forward(ctx, x, target, reduction="mean"):
        difference = _difference(ctx, x, target, reduction, "mse_loss")
        # saved, so backward frees it too; create_graph differentiates x - target again instead
        ctx.save_for_backward(x, target, difference)
        return reduce_loss(difference * difference, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, target, difference = ctx.saved
        if ctx.xp is not np:
            difference = x - target
        return _opposite_pair(ctx, difference * loss_scale(grad, ctx.params.get("reduction", "mean"), ctx.count, 2.0))


class L1Loss(Function):
    @staticmethod
    def forward(ctx, x, target, reduction="mean"):
        difference = _difference(ctx, x, target, reduction, "l1_loss")
        ctx.sign = np.sign(difference)  # sign(0) = 0: the subgradient at input == target
        return reduce_loss(np.abs(difference), reduction)

    @staticmethod
    def backward(ctx, grad):
        scale = loss_scale(grad, ctx.params.get("reduction", "mean"), ctx.count)
        return _opposite_pair(ctx, ctx.sign * scale)


class HuberLoss(Function):
    """Quadratic within delta of the target, linear beyond: 0.5 d² or delta (|d| - delta / 2)."""

    @staticmethod
    def forward(ctx, x, target, reduction="mean", delta=1.0):
        if not delta > 0:
            raise ValueError(f"delta must be positive, got {delta}")
        difference = _difference(ctx, x, target, reduction, "huber_loss")
        size = np.abs(difference)
        quadratic = np.minimum(size, delta)
        ctx.save_for_backward(x, target)
        # 0.5 min(|d|, delta)² + delta max(|d| - delta, 0): both pieces at once, no selection
        per_item = 0.5 * quadratic * quadratic + delta * np.maximum(size - delta, 0)
        return reduce_loss(per_item, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved
        delta = ctx.params.get("delta", 1.0)
        scale = loss_scale(grad, ctx.params.get("reduction", "mean"), ctx.count)
        # the derivative is d clipped to [-delta, delta] (|d| = delta: both pieces give ±delta)
        return _opposite_pair(ctx, ctx.xp.clip(x - target, -delta, delta) * scale)


def mse_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean (or summed, or per-element) squared error (input - target)²."""
    return MseLoss.apply(input, target, reduction=reduction)


def l1_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean (or summed, or per-element) absolute error |input - target|; gradient 0 where equal."""
    return L1Loss.apply(input, target, reduction=reduction)


def huber_loss(input, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss: 0.5 d² where |d| < delta, else delta (|d| - delta / 2), with d = input - target."""
    return HuberLoss.apply(input, target, reduction=reduction, delta=float(delta))


def smooth_l1_loss(input, target, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """Smooth L1 (PyTorch's): 0.5 d²/beta where |d| < beta, else |d| - beta/2; beta = 0 gives l1_loss.

    It is huber_loss with delta = beta, divided by beta, so it needs no op of its own."""
    if not beta >= 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    check_matching_shapes(plain(input), plain(target), "smooth_l1_loss")  # named here, not as huber_loss
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return huber_loss(input, target, reduction=reduction, delta=beta) * (1.0 / beta)
