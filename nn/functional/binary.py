"""Binary cross-entropy on probabilities and, stably, on logits."""
from __future__ import annotations

import numpy as np

from autograd import Function, Tensor

from ._common import check_reduction, check_same_shape, loss_scale, plain, recording, reduce_loss, sigmoid_of

_LOG_FLOOR = -100.0  # PyTorch clamps each log at -100, so a confident mistake costs 100, not inf
# and bounds x (1 - x) below in the gradient by 1e-12 rounded to float32, exactly as its backward does
_PRODUCT_FLOOR = float(np.float32(1e-12))


def _weighted(value, weight):
    return value if weight is None else value * weight


class BinaryCrossEntropy(Function):
    """-w [y log x + (1 - y) log(1 - x)] on probabilities x, each log clamped at -100."""

    @staticmethod
    def forward(ctx, x, target, weight=None, reduction="mean"):
        check_reduction(reduction, "binary_cross_entropy")
        check_same_shape(x, target)
        if np.any((x < 0) | (x > 1)):
            raise ValueError("input probabilities must lie in [0, 1]; for logits use "
                             "binary_cross_entropy_with_logits")
        ctx.weight = None if weight is None else weight.astype(x.dtype, copy=False)
        with np.errstate(divide="ignore"):  # log 0 = -inf, clamped just below
            log_x = np.maximum(np.log(x), _LOG_FLOOR)
            log_rest = np.maximum(np.log1p(-x), _LOG_FLOOR)
        per_item = _weighted(-(target * log_x + (1 - target) * log_rest), ctx.weight)
        ctx.count = per_item.size
        ctx.save_for_backward(x, target)
        return reduce_loss(per_item, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved
        xp = ctx.xp
        need_x, need_target = ctx.needs_input_grad
        scale = _weighted(loss_scale(grad, ctx.params.get("reduction", "mean"), ctx.count), ctx.weight)
        grad_x = grad_target = None
        if need_x:
            # PyTorch's derivative: (x - y) / max(x (1 - x), 1e-12), finite at x = 0 and 1
            grad_x = (x - target) / xp.maximum(x * (1 - x), _PRODUCT_FLOOR) * scale
        if need_target:
            grad_target = (xp.log(1 - x) - xp.log(x)) * scale  # -logit(x), unclamped as in PyTorch
        return grad_x, grad_target


class BinaryCrossEntropyWithLogits(Function):
    """-w [p y log σ(x) + (1 - y) log(1 - σ(x))] from logits x, with pos_weight p."""

    @staticmethod
    def forward(ctx, x, target, weight=None, pos_weight=None, reduction="mean"):
        check_reduction(reduction, "binary_cross_entropy_with_logits")
        check_same_shape(x, target)
        ctx.weight = None if weight is None else weight.astype(x.dtype, copy=False)
        ctx.pos_weight = None if pos_weight is None else pos_weight.astype(x.dtype, copy=False)
        # -log σ(x) = softplus(-x) and -log(1 - σ(x)) = x + softplus(-x): no exp of a large number
        softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
        per_item = (1 - target) * x + _positive_factor(target, ctx.pos_weight) * softplus_neg
        per_item = _weighted(per_item, ctx.weight)
        ctx.count = per_item.size
        ctx.save_for_backward(x, target, softplus_neg)
        return reduce_loss(per_item, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, target, softplus_neg = ctx.saved
        xp = ctx.xp
        need_x, need_target = ctx.needs_input_grad
        scale = _weighted(loss_scale(grad, ctx.params.get("reduction", "mean"), ctx.count), ctx.weight)
        factor = _positive_factor(target, ctx.pos_weight)
        grad_x = grad_target = None
        if need_x:
            # d/dx: (1 - y) - factor · (1 - σ(x))
            grad_x = ((1 - target) - factor * (1 - sigmoid_of(x, xp))) * scale
        if need_target:
            if recording(ctx):  # the saved softplus is a constant; recompute it to carry gradient
                softplus_neg = xp.maximum(-x, 0) + xp.log(1 + xp.exp(-xp.abs(x)))
            extra = 0 if ctx.pos_weight is None else (ctx.pos_weight - 1) * softplus_neg
            grad_target = (extra - x) * scale
        return grad_x, grad_target


def _positive_factor(target, pos_weight):
    """1 + (pos_weight - 1) y: how much the positive term weighs (1 without pos_weight)."""
    return 1 if pos_weight is None else 1 + (pos_weight - 1) * target


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities `input` in [0, 1]; each log is clamped at -100."""
    return BinaryCrossEntropy.apply(input, target, weight=plain(weight), reduction=reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean", pos_weight=None) -> Tensor:
    """Binary cross-entropy of sigmoid(input), computed stably from the logits.

    `weight` rescales each element; `pos_weight` (broadcast along the last axis, one per class)
    weighs the positive term, as in torch.nn.functional.binary_cross_entropy_with_logits.
    """
    return BinaryCrossEntropyWithLogits.apply(input, target, weight=plain(weight), pos_weight=plain(pos_weight),
                                              reduction=reduction)
