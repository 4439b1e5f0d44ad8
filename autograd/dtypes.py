"""Default floating dtype and the rules that turn user data into arrays."""
from __future__ import annotations

import numpy as np

_default_dtype = np.dtype(np.float32)


def get_default_dtype() -> np.dtype:
    """The dtype given to Python floats and lists of floats (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the default floating dtype; only float16, float32 and float64 are allowed."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}")
    _default_dtype = dtype


def as_array(data, dtype=None) -> np.ndarray:
    """Convert user data to an ndarray: NumPy arrays keep their dtype, Python floats get the default."""
    if dtype is not None:
        return _numeric(np.asarray(data, dtype=dtype), data)
    if isinstance(data, np.ndarray):
        return _numeric(data, data)
    array = _numeric(np.asarray(data), data)
    if array.dtype == np.float64 and not isinstance(data, np.generic):
        array = array.astype(_default_dtype)
    return array


def _numeric(array: np.ndarray, data) -> np.ndarray:
    """`array`, unless NumPy made it an object array (None, a dict, ragged lists): no op works on those."""
    if array.dtype.kind == "O":
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} {_short(data)}: it is not "
                        f"numeric (NumPy gives an object array); pass numbers, nested lists of equal "
                        f"lengths, or an ndarray")
    return array


def _short(data) -> str:
    text = repr(data)
    return text if len(text) <= 40 else text[:37] + "..."


def as_operand(value, like: np.dtype | None) -> np.ndarray:
    """Array for a non-Tensor operand: a Python scalar adopts the other operands' dtype when that
    loses nothing (no silent upcast of float32 work to float64)."""
    if isinstance(value, np.ndarray):
        return value
    if like is not None and type(value) in (bool, int, float):
        if like.kind in "fc" or (like.kind in "iu" and type(value) is not float):
            return np.asarray(value, dtype=like)
    return as_array(value)
