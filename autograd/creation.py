"""Tensor factories with NumPy's names (results are leaves; floats use the default dtype)."""
from __future__ import annotations

import numpy as np

from .dtypes import get_default_dtype
from .tensor import Tensor


def _leaf(array, requires_grad: bool) -> Tensor:
    return Tensor(array, requires_grad=requires_grad)


def zeros(shape, dtype=None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.zeros(shape, dtype or get_default_dtype()), requires_grad)


def ones(shape, dtype=None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.ones(shape, dtype or get_default_dtype()), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.full(shape, fill_value, dtype or get_default_dtype()), requires_grad)


def zeros_like(x, requires_grad: bool = False) -> Tensor:
    return _leaf(np.zeros_like(np.asarray(x)), requires_grad)


def ones_like(x, requires_grad: bool = False) -> Tensor:
    return _leaf(np.ones_like(np.asarray(x)), requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    return _leaf(np.eye(n, m, dtype=dtype or get_default_dtype()), requires_grad)


def arange(*args, dtype=None) -> Tensor:
    return Tensor(np.arange(*args, dtype=dtype))


def randn(*shape, rng: np.random.Generator | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples; pass `rng` (a numpy Generator) for reproducible draws."""
    rng = rng if rng is not None else np.random.default_rng()
    return _leaf(rng.standard_normal(shape).astype(dtype or get_default_dtype()), requires_grad)


def rand(*shape, rng: np.random.Generator | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples on [0, 1); pass `rng` for reproducible draws."""
    rng = rng if rng is not None else np.random.default_rng()
    return _leaf(rng.random(shape).astype(dtype or get_default_dtype()), requires_grad)
