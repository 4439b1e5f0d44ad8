"""Helpers shared by op implementations (axis checks, constants in backward)."""
from __future__ import annotations

import numpy as np


def constant(value) -> np.ndarray:
    """The array behind a saved value, for masks that carry no gradient in either backward mode."""
    return value if type(value) is np.ndarray else value.data


def normalize_axis(axis, ndim: int, op: str, shape=None) -> tuple[int, ...]:
    """`axis` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
            where = f"shape {shape}" if shape is not None else f"{ndim} dimensions"
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of {where}")
        normalized.append(int(a) % ndim)
    if len(set(normalized)) != len(normalized):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(normalized))


def expand_reduced(grad, shape: tuple, axes: tuple[int, ...], keepdims: bool, xp):
    """Broadcast the gradient of a reduction back over the reduced axes of an input of `shape`."""
    if not keepdims:
        grad = grad.reshape(tuple(1 if i in axes else n for i, n in enumerate(shape)))
    return xp.broadcast_to(grad, shape)


def reduced_count(shape: tuple, axes: tuple[int, ...]) -> int:
    count = 1
    for a in axes:
        count *= shape[a]
    return count
