"""Comparisons and logical ops: bool tensors that carry no gradient."""
from __future__ import annotations

import numpy as np

from ..dtypes import as_operand
from ..errors import FORWARD_ERRORS, forward_error
from ._util import normalize_axis


def _values(*operands):
    from ..tensor import Tensor

    like = next((x.data.dtype for x in operands if isinstance(x, Tensor)), None)
    return [x.data if isinstance(x, Tensor) else as_operand(x, like) for x in operands]


def _no_grad(ufunc):
    def op(*operands):
        from ..tensor import Tensor

        values = _values(*operands)
        try:
            result = ufunc(*values)
        except FORWARD_ERRORS as error:  # the same error path as every op: name, shapes, dtypes
            raise forward_error(ufunc.__name__, error, values) from error
        return Tensor._make(np.asarray(result), None)

    op.__name__ = ufunc.__name__
    op.__doc__ = f"Elementwise {ufunc.__name__} (NumPy semantics); returns a bool Tensor with no gradient."
    return op


less = _no_grad(np.less)
less_equal = _no_grad(np.less_equal)
greater = _no_grad(np.greater)
greater_equal = _no_grad(np.greater_equal)
equal = _no_grad(np.equal)
not_equal = _no_grad(np.not_equal)
logical_and = _no_grad(np.logical_and)
logical_or = _no_grad(np.logical_or)
logical_xor = _no_grad(np.logical_xor)
logical_not = _no_grad(np.logical_not)
isfinite = _no_grad(np.isfinite)
isnan = _no_grad(np.isnan)
sign = _no_grad(np.sign)


def _index_function(reducer):
    def op(x, axis=None, keepdims=False):
        from ..tensor import Tensor

        (values,) = _values(x)
        if axis is not None:
            normalize_axis(axis, values.ndim, reducer.__name__, values.shape)  # an int: NumPy takes no tuple
        try:
            result = reducer(values, axis=axis, keepdims=keepdims)
        except FORWARD_ERRORS as error:
            raise forward_error(reducer.__name__, error, [values]) from error
        return Tensor._make(np.asarray(result), None)

    op.__name__ = reducer.__name__
    op.__doc__ = f"Indices of the {reducer.__name__[3:]} along `axis` (no gradient)."
    return op


argmax = _index_function(np.argmax)
argmin = _index_function(np.argmin)
