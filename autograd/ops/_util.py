"""Helpers shared by op implementations (axis checks, constants in backward)."""
from __future__ import annotations

import numpy as np

from ..errors import axis_error


def constant(value) -> np.ndarray:
    """The array behind a saved value, for masks that carry no gradient in either backward mode."""
    return value if type(value) is np.ndarray else value.data


def normalize_axis(axis, ndim: int, op: str, shape=None) -> tuple[int, ...]:
    """`axis` (None, int or tuple, negatives allowed) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    normalized = []
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not -ndim <= a < ndim:
            raise axis_error(op, a, ndim, shape)
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
