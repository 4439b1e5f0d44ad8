"""Helpers shared by the functional ops: argument checks, loss reductions, graph-mode tests."""
from __future__ import annotations

import numpy as np

REDUCTIONS = ("mean", "sum", "none")


def recording(ctx) -> bool:
    """True when backward runs under create_graph=True (saved values and grad are Tensors).

    Ops use it for one thing only: an intermediate saved by forward to make first-order backward
    cheap (a softmax, a sigmoid) is a constant, so under create_graph it is recomputed from the
    inputs to carry its own gradient.
    """
    return ctx.xp is not np


def plain(value):
    """The ndarray behind a Tensor (or None, or an array-like), for non-differentiable arguments."""
    from autograd import Tensor

    if value is None or isinstance(value, np.ndarray):
        return value
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def labels_kept_integer(target):
    """A Python int label stays an integer array (as an op operand it would take the input's float dtype)."""
    return np.asarray(target) if isinstance(target, (int, np.integer)) else target


def check_reduction(reduction: str, op: str, allowed=REDUCTIONS) -> None:
    """Raise ValueError naming `op` unless `reduction` is one of `allowed`."""
    if reduction not in allowed:
        raise ValueError(f"{op}: reduction must be one of {allowed}, got {reduction!r}")


def reduce_loss(per_item: np.ndarray, reduction: str) -> np.ndarray:
    """Apply a loss `reduction` to the per-item losses."""
    # np.add.reduce: the same pairwise sum as .sum()/.mean() without their Python-level wrappers
    if reduction == "mean":
        return np.add.reduce(per_item, axis=None) / per_item.size if per_item.size else per_item.mean()
    if reduction == "sum":
        return np.add.reduce(per_item, axis=None)
    return per_item


def loss_scale(grad, reduction: str, count: int, factor: float = 1.0):
    """The upstream gradient of a reduced loss, as the factor on each item's derivative (times `factor`,
    a constant of that derivative: one product of the 0-d gradient instead of one per item)."""
    if reduction == "mean":
        return grad * (factor / count)
    return grad * factor if factor != 1.0 else grad


def stable_sigmoid(z: np.ndarray) -> np.ndarray:
    """e^min(z, 0) / (1 + e^-|z|) = 1 / (1 + e^-z) on arrays: no exponent is positive, so ±1000
    give exactly 1 and 0 without overflow (and no np.where, which is slow on random masks)."""
    # in place after the first allocation of each: large temporaries cost page faults
    denominator = np.abs(z, out=np.empty_like(z))
    np.exp(np.negative(denominator, out=denominator), out=denominator)
    denominator += 1
    out = np.minimum(z, 0, out=np.empty_like(z))
    np.exp(out, out=out)
    out /= denominator
    return out


def sigmoid_of(z, xp):
    """Sigmoid of an array (first-order backward) or of a Tensor (graph mode)."""
    return stable_sigmoid(z) if xp is np else xp.sigmoid(z)


def check_same_shape(a: np.ndarray, b: np.ndarray, what: str = "target") -> None:
    """Raise ValueError unless input `a` and `what` `b` have the same shape (apply adds the op's name)."""
    if a.shape != b.shape:
        raise ValueError(f"input of shape {a.shape} and {what} of shape {b.shape} must have the same shape")


def class_axis(ndim: int) -> int:
    """PyTorch's class axis: 0 for an unbatched (C,) input, else 1 for (N, C, d1, ...)."""
    return 0 if ndim == 1 else 1


def along_axis(vector: np.ndarray, ndim: int, axis: int):
    """Reshape a per-class (C,) vector to broadcast along `axis` of an `ndim`-d array."""
    return vector.reshape((-1,) + (1,) * (ndim - axis - 1))
