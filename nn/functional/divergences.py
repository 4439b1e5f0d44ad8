"""Kullback-Leibler divergence between a target distribution and log-probabilities; the target
may broadcast over the input (as in PyTorch) but never widen it."""
from __future__ import annotations

import numpy as np

from autograd import Function, Tensor

from ._common import check_reduction, plain

_KL_REDUCTIONS = ("mean", "batchmean", "sum", "none")


def check_target_fits(x: np.ndarray, target: np.ndarray) -> None:
    """A target may broadcast over the input (one distribution for a whole batch) but not widen it:
    an (N, 1) input against an (N,) target would silently become (N, N)."""
    try:
        wide = np.broadcast_shapes(x.shape, target.shape)
    except ValueError:
        wide = None
    if wide != x.shape:
        spread = f" would widen it to {wide}" if wide is not None else " does not broadcast to it"
        raise ValueError(f"target of shape {target.shape} against input of shape {x.shape}{spread}; "
                         "give the target the input's shape (target.reshape(...) or input.squeeze(...))")


class KlDiv(Function):
    """Pointwise t (log t - x), or e^t (t - x) when the target t is itself a log-probability."""

    @staticmethod
    def forward(ctx, x, target, reduction="mean", log_target=False):
        check_reduction(reduction, "kl_div", _KL_REDUCTIONS)
        check_target_fits(x, target)
        if log_target:
            per_item = np.exp(target) * (target - x)
        else:
            # 0 log 0 = 0 (the limit), so zero-probability classes contribute nothing
            positive = target > 0
            per_item = np.where(positive, target * np.log(np.where(positive, target, 1)), 0) - target * x
        ctx.save_for_backward(x, target)
        ctx.shape = per_item.shape
        if reduction == "none":
            return per_item
        total = per_item.sum()
        if reduction == "sum":
            return total
        # 'batchmean' divides by the batch size (the first axis), 'mean' by the number of elements
        ctx.count = (x.shape[0] if x.ndim else 1) if reduction == "batchmean" else per_item.size
        return total * (1.0 / ctx.count)

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved
        xp = ctx.xp
        reduction = ctx.params.get("reduction", "mean")
        scale = grad * (1.0 / ctx.count) if reduction in ("mean", "batchmean") else grad
        need_x, need_target = ctx.needs_input_grad
        log_target = ctx.params.get("log_target", False)
        grad_x = grad_target = None
        if need_x:
            grad_x = -(xp.exp(target) if log_target else target) * scale
            if grad_x.shape != ctx.shape:  # a target smaller than x: its gradient spreads over x
                grad_x = xp.broadcast_to(grad_x, ctx.shape)
        if need_target and log_target:
            grad_target = xp.exp(target) * (target - x + 1) * scale  # d/dt e^t (t - x)
        elif need_target:
            positive = plain(target) > 0
            # d/dt t (log t - x) = log t + 1 - x; taken as 0 where t = 0 (the term is absent there)
            grad_target = xp.where(positive, xp.log(xp.where(positive, target, 1)) + 1 - x, 0) * scale
        return grad_x, grad_target


def kl_div(input, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target ‖ input-distribution) with `input` holding log-probabilities (torch's kl_div).

    reduction 'batchmean' (sum / batch size) gives the true KL divergence per item; 'mean'
    divides by the number of elements, as PyTorch does.
    """
    return KlDiv.apply(input, target, reduction=reduction, log_target=bool(log_target))
