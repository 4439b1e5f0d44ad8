"""`train_test_split`: split arrays into train and test parts, optionally stratified by label."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ..seeding import resolve_generator

if TYPE_CHECKING:
    from autograd import Tensor


def _test_count(n: int, test_size: float | int) -> int:
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        count = int(test_size)
    elif isinstance(test_size, float) and 0.0 < test_size < 1.0:
        count = math.ceil(test_size * n)
    else:
        raise ValueError(f"train_test_split: test_size must be a float in (0, 1) or an int, got {test_size!r}")
    if not 0 < count < n:
        raise ValueError(f"train_test_split: test_size={test_size!r} leaves an empty part of {n} samples")
    return count


def _stratified_test_rows(labels: np.ndarray, test_count: int, generator) -> np.ndarray:
    """Test rows holding each class in proportion (largest remainders get the leftover rows)."""
    classes, inverse = np.unique(labels, return_inverse=True)
    counts = np.bincount(inverse)
    exact = counts * test_count / len(labels)
    per_class = np.floor(exact).astype(int)
    leftover = test_count - per_class.sum()
    per_class[np.argsort(-(exact - per_class), kind="stable")[:leftover]] += 1
    rows = [generator.permutation(np.flatnonzero(inverse == k))[:per_class[k]] for k in range(len(classes))]
    return np.concatenate(rows)


def train_test_split(*arrays: Tensor | np.ndarray, test_size: float | int = 0.25,
                     seed: np.random.Generator | int | None = None, shuffle: bool = True,
                     stratify: Tensor | np.ndarray | None = None) -> list[np.ndarray]:
    """Split arrays (same first axis) into [a_train, a_test, b_train, b_test, ...], like scikit-learn.

    `test_size` is a fraction (rounded up) or a count; `seed` makes the shuffle repeatable;
    `stratify` (labels) keeps class proportions equal in both parts.
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    arrays = [np.asarray(getattr(a, "data", a)) for a in arrays]
    n = len(arrays[0])
    for a in arrays[1:]:
        if len(a) != n:
            raise ValueError(f"train_test_split: arrays have different lengths: {[len(a) for a in arrays]}")
    test_count = _test_count(n, test_size)
    if stratify is not None:
        if not shuffle:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        generator = resolve_generator(seed)
        test_rows = _stratified_test_rows(np.asarray(getattr(stratify, "data", stratify)), test_count, generator)
        test_rows = generator.permutation(test_rows)
        is_test = np.zeros(n, bool)
        is_test[test_rows] = True
        train_rows = generator.permutation(np.flatnonzero(~is_test))
    else:
        order = resolve_generator(seed).permutation(n) if shuffle else np.arange(n)
        train_rows, test_rows = order[:n - test_count], order[n - test_count:]
    result = []
    for a in arrays:
        result.extend([a[train_rows], a[test_rows]])
    return result
