"""NumPy functions called on Tensors: sent to the gradsight op of the same meaning, or refused.

NumPy hands a call such as ``np.tanh(t)`` or ``np.concatenate([t, t])`` to ``Tensor.__array_ufunc__``
or ``Tensor.__array_function__``; both delegate here. A function with a gradsight op of the same
meaning runs that op, so the result is a Tensor in the graph. Functions that return no floating
values (shape queries, comparisons of values such as ``np.allclose``) run on the data, as nothing
differentiable is lost. Every other function raises a TypeError that says what to call instead:
no NumPy call silently drops a graph. ``np.asarray(t)`` still returns the data; that is explicit.
"""
from __future__ import annotations

import numpy as np

from . import ops

# ufuncs called as np.<ufunc>(...): the op of the same meaning
UFUNC_OPS = {
    np.add: ops.add, np.subtract: ops.sub, np.multiply: ops.mul, np.true_divide: ops.div,
    np.negative: ops.neg, np.power: ops.pow, np.exp: ops.exp, np.log: ops.log, np.sqrt: ops.sqrt,
    np.absolute: ops.abs, np.sin: ops.sin, np.cos: ops.cos, np.tanh: ops.tanh,
    np.maximum: ops.maximum, np.minimum: ops.minimum, np.matmul: ops.matmul,
    np.positive: lambda x: x, np.square: lambda x: ops.mul(x, x),
    np.less: ops.less, np.less_equal: ops.less_equal, np.greater: ops.greater,
    np.greater_equal: ops.greater_equal, np.equal: ops.equal, np.not_equal: ops.not_equal,
    np.logical_and: ops.logical_and, np.logical_or: ops.logical_or, np.logical_xor: ops.logical_xor,
    np.logical_not: ops.logical_not, np.isfinite: ops.isfinite, np.isnan: ops.isnan, np.sign: ops.sign,
}

# ufuncs whose result carries no gradient (bool): run on the data, returned as a Tensor like ag.isnan's
BOOL_UFUNCS = {np.isinf, np.signbit}

# ufunc.reduce(x, axis, ..., keepdims): the reduction of the same meaning
REDUCE_OPS = {np.add: ops.sum, np.multiply: ops.prod, np.maximum: ops.max, np.minimum: ops.min}


def _reduction(op, with_ddof=False):
    """np.sum-like signature (a, axis, dtype, out, keepdims, ...) onto op(x, axis, keepdims)."""
    def call(a, axis=None, dtype=None, out=None, keepdims=False, ddof=0, **unsupported):
        _refuse_options(op.__name__, out=out, dtype=dtype, **unsupported)
        return op(a, axis, ddof, keepdims) if with_ddof else op(a, axis, keepdims)
    return call


def _extremum(op):
    def call(a, axis=None, out=None, keepdims=False, **unsupported):
        _refuse_options(op.__name__, out=out, **unsupported)
        return op(a, axis, keepdims)
    return call


def _join(op):
    def call(arrays, axis=0, out=None, **unsupported):
        _refuse_options(op.__name__, out=out, **unsupported)
        return op(list(arrays), axis)
    return call


def _dot(a, b, out=None):
    """np.dot: a product for a scalar operand, matmul up to a 2-d right operand (the same sums)."""
    _refuse_options("dot", out=out)
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return ops.mul(a, b)
    if np.ndim(b) > 2:
        raise TypeError("np.dot with a right operand of more than 2 dimensions has no gradsight op; "
                        "use autograd.einsum (np.dot sums over a's last and b's second-to-last axis)")
    return ops.matmul(a, b)


def _where(condition, *values):
    if len(values) != 2:
        raise TypeError("np.where(condition) (the indices of nonzero elements) has no gradient; "
                        "use np.where(t.data) or pass both values: np.where(condition, a, b)")
    return ops.where(condition, *values)


def _clip(a, a_min=None, a_max=None, out=None, min=None, max=None, **unsupported):
    _refuse_options("clip", out=out, **unsupported)
    return ops.clip(a, a_min if min is None else min, a_max if max is None else max)


def _pad(array, pad_width, mode="constant", constant_values=0, **unsupported):
    if mode != "constant":
        raise TypeError(f"np.pad with mode={mode!r} has no gradsight op; only mode='constant' is differentiable")
    _refuse_options("pad", **unsupported)
    return ops.pad(array, pad_width, constant_values)


def _squeeze(a, axis=None):
    return ops.squeeze(a, axis)


def _reshape(a, shape, order, newshape):
    if order != "C":
        raise TypeError(f"np.reshape with order={order!r} has no gradsight op; only C order (the default)")
    return ops.reshape(a, shape if newshape is None else newshape)


def _index_of(op):
    def call(a, axis=None, out=None, keepdims=False):
        _refuse_options(op.__name__, out=out)
        return op(a, axis, keepdims)
    return call


FUNCTION_OPS = {
    np.sum: _reduction(ops.sum), np.mean: _reduction(ops.mean), np.prod: _reduction(ops.prod),
    np.var: _reduction(ops.var, with_ddof=True), np.std: _reduction(ops.std, with_ddof=True),
    np.max: _extremum(ops.max), np.min: _extremum(ops.min), np.amax: _extremum(ops.max),
    np.amin: _extremum(ops.min), np.argmax: _index_of(ops.argmax), np.argmin: _index_of(ops.argmin),
    np.concatenate: _join(ops.concatenate), np.stack: _join(ops.stack),
    np.dot: _dot, np.where: _where, np.clip: _clip, np.pad: _pad, np.squeeze: _squeeze,
    np.reshape: lambda a, shape=None, order="C", newshape=None, copy=None: _reshape(a, shape, order, newshape),
    np.transpose: lambda a, axes=None: ops.transpose(a, axes),
    np.swapaxes: ops.swapaxes, np.expand_dims: ops.expand_dims, np.broadcast_to: ops.broadcast_to,
    np.split: ops.split, np.einsum: ops.einsum, np.copy: lambda a, order="K", subok=False: ops.clone(a),
}

# functions that return no floating values derived from a Tensor (or only save or print them):
# safe to run on the data, nothing differentiable is lost
ON_DATA = {
    np.shape, np.ndim, np.size, np.result_type, np.allclose, np.isclose, np.array_equal,
    np.array_equiv, np.count_nonzero, np.nonzero, np.flatnonzero, np.argwhere, np.any, np.all,
    np.isneginf, np.isposinf, np.iscomplexobj, np.isrealobj, np.may_share_memory, np.shares_memory,
    np.argsort, np.searchsorted, np.array_repr, np.array_str, np.array2string, np.save, np.savez,
    np.savez_compressed, np.savetxt,
}


def _refuse_options(name: str, **options) -> None:
    """Options gradsight's op cannot honour (out=, dtype=, where=, ...) raise instead of being ignored."""
    given = sorted(k for k, v in options.items() if v is not None)
    if given:
        raise TypeError(f"np.{name} on a Tensor: the option(s) {', '.join(given)} are not supported "
                        f"(out= would write outside the graph); call autograd.{name} without them")


def _unwrap(value):
    """Tensors inside (nested lists and tuples of) arguments replaced by their data."""
    from .tensor import Tensor

    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    return value


def _public_name(func) -> str:
    module = getattr(func, "__module__", "numpy") or "numpy"
    module = "np" + module.removeprefix("numpy")
    for private in (".core", "._core", ".lib"):
        if module.startswith("np" + private):
            module = "np"
    module = ".".join(part for part in module.split(".") if not part.startswith("_"))
    return f"{module}.{getattr(func, '__name__', func)}"


def array_ufunc(ufunc, method: str, *inputs, **kwargs):
    """Tensor.__array_ufunc__: the op of the same meaning, or a TypeError saying what to call."""
    if kwargs.get("out") is not None:
        raise TypeError(f"np.{ufunc.__name__}(..., out=...) with a Tensor operand would write values "
                        f"outside the graph; write `result = a {_operator(ufunc)} b` (a new Tensor), "
                        f"or use t.data for a plain array without gradient")
    unsupported = sorted(k for k in kwargs if k != "out")
    if method == "__call__" and ufunc in UFUNC_OPS and not unsupported:
        return UFUNC_OPS[ufunc](*inputs)
    if method == "__call__" and ufunc in BOOL_UFUNCS and not unsupported:
        from .tensor import Tensor

        return Tensor._make(np.asarray(ufunc(*_unwrap(inputs))), None)
    if method == "reduce" and ufunc in REDUCE_OPS:
        axis, keepdims = kwargs.get("axis", 0), kwargs.get("keepdims", False)
        _refuse_options(f"{ufunc.__name__}.reduce", dtype=kwargs.get("dtype"), initial=kwargs.get("initial"),
                        where=kwargs.get("where"))
        return REDUCE_OPS[ufunc](inputs[0], axis, keepdims)
    call = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    extra = f" with {', '.join(unsupported)}=" if unsupported else ""
    raise TypeError(f"{call}{extra} on a Tensor has no gradsight op; use t.data (no gradient) or write "
                    f"a Function (docs/verify_your_own_op.md)")


def _operator(ufunc) -> str:
    return {np.add: "+", np.subtract: "-", np.multiply: "*", np.true_divide: "/", np.matmul: "@",
            np.power: "**"}.get(ufunc, "op")


def array_function(func, types, args, kwargs):
    """Tensor.__array_function__: the op of the same meaning, or a TypeError saying what to call."""
    from .tensor import Tensor

    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented  # another array type is involved: let NumPy ask it
    if func in FUNCTION_OPS:
        return FUNCTION_OPS[func](*args, **kwargs)
    if func in ON_DATA:
        return func(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
    name = _public_name(func)
    own = getattr(ops, func.__name__, None) if func.__name__ in ops.__all__ else None
    hint = f"autograd.{func.__name__}" if own is not None else "a Function (docs/verify_your_own_op.md)"
    raise TypeError(f"{name} has no gradsight op taking these arguments; use t.data (no gradient) or "
                    f"write {hint}")
