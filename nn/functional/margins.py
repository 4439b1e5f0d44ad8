"""Hinge losses: the multiclass hinge (multi_margin_loss) and a ±1 multilabel hinge."""
from __future__ import annotations

import numpy as np

from autograd import Function, Tensor

from ._common import check_reduction, check_same_shape, labels_kept_integer, loss_scale, plain, reduce_loss


class MultiMarginLoss(Function):
    """Σ_{j≠y} w_y max(0, margin - x_y + x_j)^p / C per item (torch's multi_margin_loss)."""

    @staticmethod
    def forward(ctx, x, target, p=1, margin=1.0, weight=None, reduction="mean"):
        check_reduction(reduction, "multi_margin_loss")
        if p not in (1, 2):
            raise ValueError(f"only p = 1 and p = 2 are supported, got p={p}")
        layout = x.shape or (1,)  # a 0-d input is one score of one class, as in PyTorch
        # PyTorch also takes a (1,) target for a (C,) input: one item, kept as a batch of one
        one_item = x.ndim == 1 and target.shape == (1,)
        if x.ndim > 2 or (target.shape != layout[:-1] and not one_item):
            raise ValueError(f"expected input (N, C) with target (N,), or input (C,) or () with a scalar target; "
                             f"got input {x.shape} and target {target.shape}")
        if target.dtype.kind not in "iu":
            raise TypeError(f"class labels must be integers, got dtype {target.dtype}")
        classes = layout[-1]
        if np.any((target < 0) | (target >= classes)):
            raise IndexError(f"target labels must lie in [0, {classes}), got {target.min()}..{target.max()}")
        rows = np.arange(target.size)
        labels = target.reshape(-1)
        scores = x.reshape(-1, classes)
        excess = margin - scores[rows, labels][:, None] + scores  # how far each rival is inside the margin
        active = excess > 0
        active[rows, labels] = False  # the label itself is no rival
        label_weight = 1 if weight is None else weight.astype(x.dtype, copy=False)[labels][:, None]
        ctx.active_weight = active * label_weight if weight is not None else active.astype(x.dtype)
        ctx.rows, ctx.labels = rows, labels
        ctx.save_for_backward(x)
        hinge = excess * active
        per_item = (ctx.active_weight * (hinge if p == 1 else hinge * hinge)).sum(axis=1) * (1.0 / classes)
        ctx.count = per_item.size
        return reduce_loss(per_item.reshape(target.shape), reduction)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        params = ctx.params
        classes = (x.shape or (1,))[-1]
        rows, labels = ctx.rows, ctx.labels
        scale = loss_scale(grad, params.get("reduction", "mean"), ctx.count).reshape((-1, 1))
        slope = ctx.active_weight * (scale * (1.0 / classes))
        if params.get("p", 1) == 2:
            scores = x.reshape((-1, classes))
            slope = slope * ((params.get("margin", 1.0) - scores[rows, labels].reshape((-1, 1)) + scores) * 2.0)
        # each active rival pushes its own score up and the label's score down (slope is 0 there)
        is_label = np.zeros(ctx.active_weight.shape, dtype=x.dtype)
        is_label[rows, labels] = 1
        grad_x = slope - is_label * slope.sum(axis=1, keepdims=True)
        return grad_x.reshape(x.shape), None


class MultilabelHingeLoss(Function):
    """Per item, the mean over labels of max(0, margin - y s) with targets y = ±1."""

    @staticmethod
    def forward(ctx, x, target, margin=1.0, reduction="mean"):
        check_reduction(reduction, "multilabel_hinge_loss")
        check_same_shape(x, target)
        if x.ndim == 0:
            raise ValueError("input must have a label axis: (L,) or (N, L)")
        if not np.all((target == 1) | (target == -1)):
            raise ValueError("targets must be +1 or -1 for every label")
        signs = target.astype(x.dtype, copy=False)
        excess = margin - signs * x
        ctx.slope = (excess > 0) * signs * (-1.0 / x.shape[-1])
        per_item = np.maximum(excess, 0).mean(axis=-1)
        ctx.count = per_item.size
        return reduce_loss(per_item, reduction)

    @staticmethod
    def backward(ctx, grad):
        scale = loss_scale(grad, ctx.params.get("reduction", "mean"), ctx.count)
        return ctx.slope * scale.reshape(scale.shape + (1,)), None


def multi_margin_loss(input, target, p: int = 1, margin: float = 1.0, weight=None, reduction: str = "mean") -> Tensor:
    """Multiclass hinge loss of scores (N, C) against integer labels, as torch's multi_margin_loss.

    Per item: Σ over classes j ≠ y of w[y] · max(0, margin - x[y] + x[j])^p, divided by C.
    """
    return MultiMarginLoss.apply(input, labels_kept_integer(target), p=p, margin=float(margin), weight=plain(weight),
                                 reduction=reduction)


def multilabel_hinge_loss(input, target, margin: float = 1.0, reduction: str = "mean") -> Tensor:
    """Hinge loss for independent labels with targets ±1 (not in PyTorch).

    Per item (a row of L label scores s with targets y): (1/L) Σ_j max(0, margin - y_j s_j).
    PyTorch's multilabel_margin_loss is a different loss (it ranks label indices).
    """
    return MultilabelHingeLoss.apply(input, target, margin=float(margin), reduction=reduction)
