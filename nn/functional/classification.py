"""Multiclass losses on class scores: cross_entropy (softmax and NLL fused) and nll_loss.

Both write the loss of each item as ``-(Q * log p).sum(class axis)`` with a coefficient array Q:
a one-hot of the label scaled by its class weight, plus the label-smoothing share, or the class
probabilities of a soft target. The gradient of that form is ``p * Q.sum(axis) - Q`` for logits
(``d logsumexp = softmax``) and ``-Q`` for log-probabilities.
"""
from __future__ import annotations

import numpy as np

from autograd import Function, Tensor

from ._common import along_axis, check_reduction, class_axis, labels_kept_integer, plain, recording


def log_softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    """log softmax along `axis` with the log-sum-exp trick (no overflow for logits of 1e3)."""
    shifted = x - x.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def _class_weight(weight, classes: int, dtype):
    if weight is None:
        return None
    if weight.shape != (classes,):
        raise ValueError(f"class weight of shape {weight.shape} does not fit {classes} classes")
    return weight.astype(dtype, copy=False)


def label_coefficients(x, target, axis, weight, ignore_index):
    """Q for integer labels (class weight at each item's label, 0 for ignored items) and the
    items' label weights, whose sum is the denominator of PyTorch's weighted 'mean'."""
    expected = x.shape[:axis] + x.shape[axis + 1:]
    if target.shape != expected:
        raise ValueError(f"target of shape {target.shape} does not fit input of shape {x.shape}: "
                         f"expected labels of shape {expected} (classes along axis {axis})")
    if target.dtype.kind not in "iu":
        raise TypeError(f"class labels must be integers, got dtype {target.dtype}")
    classes = x.shape[axis]
    keep = target != ignore_index
    invalid = keep & ((target < 0) | (target >= classes))
    if invalid.any():
        raise IndexError(f"target label {target[invalid].flat[0]} is out of range for {classes} classes")
    labels = np.where(keep, target, 0)
    label_weight = keep.astype(x.dtype) if weight is None else weight[labels] * keep
    item_shape = x.shape[:axis] + (1,) + x.shape[axis + 1:]
    # a one-hot by comparison: half the time of np.put_along_axis on small batches
    one_hot = labels.reshape(item_shape) == along_axis(np.arange(classes), x.ndim, axis)
    return one_hot * label_weight.reshape(item_shape), label_weight


def _reduce(per_item, reduction: str, denominator: float):
    if reduction == "none":
        return per_item
    total = per_item.sum()
    return total * (1.0 / denominator if denominator else np.nan) if reduction == "mean" else total


def _item_scale(grad, reduction: str, denominator: float, shape: tuple, axis: int, kept=None):
    """Upstream gradient as a factor that broadcasts along the class axis of an input of `shape`."""
    if reduction == "none":
        return grad.reshape(shape[:axis] + (1,) + shape[axis + 1:])
    if reduction != "mean":
        return grad
    if denominator:
        return grad * (1.0 / denominator)
    # a 0/0 mean: NaN as in torch, except that ignored items keep the exact 0 gradient torch gives them
    nan = np.nan if kept is None else np.where(np.expand_dims(kept, axis), np.nan, 0).astype(grad.dtype)
    return grad * nan


def check_scores(x: np.ndarray, target: np.ndarray) -> None:
    """The input holds class scores: floating, with a class axis (integer scores mean swapped arguments)."""
    if x.dtype.kind not in "fc":
        swapped = " (are the arguments swapped? the scores come first: (input, target))" * (target.dtype.kind in "fc")
        raise TypeError(f"input must hold floating class scores, got dtype {x.dtype}{swapped}")
    if x.ndim == 0:
        raise ValueError("input must have a class axis: (C,) or (N, C, d1, ...)")


class CrossEntropy(Function):
    """Softmax and negative log-likelihood in one node; labels or class probabilities as target."""

    @staticmethod
    def forward(ctx, x, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        check_reduction(reduction, "cross_entropy")
        check_scores(x, target)
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
        axis = class_axis(x.ndim)
        classes = x.shape[axis]
        weight = _class_weight(weight, classes, x.dtype)
        smoothing = float(label_smoothing)
        logp = log_softmax_array(x, axis)
        if target.dtype.kind in "fc":
            if target.shape != x.shape:
                labels = target.shape == x.shape[:axis] + x.shape[axis + 1:]
                raise ValueError(f"probability target of shape {target.shape} must have the input's shape {x.shape}"
                                 + ("; class labels must be integers: target.astype(np.int64)" if labels else ""))
            coefficients = kept = None
            q = _soft_coefficients(target, weight, smoothing, classes, axis)
            denominator = x.size // classes
        else:
            q, label_weight = label_coefficients(x, target, axis, weight, ignore_index)
            if smoothing:
                # every kept item also spreads `smoothing` evenly over all classes (PyTorch's form)
                uniform = np.expand_dims(target != ignore_index, axis).astype(x.dtype) * (smoothing / classes)
                q = q * (1 - smoothing) + (uniform if weight is None else uniform * along_axis(weight, x.ndim, axis))
            coefficients, kept = q, target != ignore_index
            denominator = float(label_weight.sum())
        ctx.axis, ctx.denominator, ctx.smoothing, ctx.weight = axis, denominator, smoothing, weight
        ctx.kept = kept
        ctx.coefficients = coefficients
        ctx.save_for_backward(x, target, logp)
        return _reduce(-(q * logp).sum(axis=axis), reduction, denominator)

    @staticmethod
    def backward(ctx, grad):
        x, target, logp = ctx.saved
        xp, axis, weight = ctx.xp, ctx.axis, ctx.weight
        need_x, need_target = ctx.needs_input_grad
        if recording(ctx):
            logp = x - xp.logsumexp(x, axis=axis, keepdims=True)  # so the softmax carries gradient
        scale = _item_scale(grad, ctx.params.get("reduction", "mean"), ctx.denominator, x.shape, axis, ctx.kept)
        q = ctx.coefficients
        if q is None:
            q = _soft_coefficients(target, weight, ctx.smoothing, x.shape[axis], axis)
        grad_x = grad_target = None
        if need_x:
            grad_x = (xp.exp(logp) * q.sum(axis=axis, keepdims=True) - q) * scale
        if need_target:
            d_target = logp * (-(1 - ctx.smoothing))
            if weight is not None:
                d_target = d_target * along_axis(weight, x.ndim, axis)
            grad_target = d_target * scale
        return grad_x, grad_target


def _soft_coefficients(target, weight, smoothing: float, classes: int, axis: int):
    q = target * (1 - smoothing) + smoothing / classes if smoothing else target
    return q if weight is None else q * along_axis(weight, target.ndim, axis)


class NllLoss(Function):
    """Negative log-likelihood of integer labels given log-probabilities."""

    @staticmethod
    def forward(ctx, x, target, weight=None, ignore_index=-100, reduction="mean"):
        check_reduction(reduction, "nll_loss")
        check_scores(x, target)
        axis = class_axis(x.ndim)
        weight = _class_weight(weight, x.shape[axis], x.dtype)
        q, label_weight = label_coefficients(x, target, axis, weight, ignore_index)
        ctx.axis, ctx.coefficients, ctx.denominator = axis, q, float(label_weight.sum())
        ctx.kept = target != ignore_index
        return _reduce(-(q * x).sum(axis=axis), reduction, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        (shape, _), _ = ctx.input_meta
        scale = _item_scale(grad, ctx.params.get("reduction", "mean"), ctx.denominator, shape, ctx.axis, ctx.kept)
        return -ctx.coefficients * scale, None


def cross_entropy(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C, d1, ...) or (C,) against integer labels or class probabilities.

    Same results as ``torch.nn.functional.cross_entropy``: a float target of the input's shape is
    read as probabilities, an integer one as labels; 'mean' divides by the summed weights of the
    kept labels (by the number of items for probability targets); the softmax is fused in.
    """
    return CrossEntropy.apply(input, labels_kept_integer(target), weight=plain(weight), ignore_index=ignore_index,
                              reduction=reduction, label_smoothing=label_smoothing)


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of integer labels given log-probabilities (torch's nll_loss)."""
    return NllLoss.apply(input, labels_kept_integer(target), weight=plain(weight), ignore_index=ignore_index,
                         reduction=reduction)
