"""The public op functions: NumPy's names and signatures, each a thin call of a registered op."""
from __future__ import annotations

import numpy as np

from ..errors import check_axis
from .compare import (
    argmax,
    argmin,
    equal,
    greater,
    greater_equal,
    isfinite,
    isnan,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    not_equal,
    sign,
)
from .elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Clone,
    Cos,
    Div,
    Exp,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sin,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .linalg import Einsum, Matmul
from .reduce import Logsumexp, Max, Mean, Min, Prod, Std, Sum, Var
from .shape import (
    BroadcastTo,
    Concatenate,
    ExpandDims,
    GetItem,
    IndexAdd,
    Pad,
    Reshape,
    Squeeze,
    Stack,
    Transpose,
)

__all__ = [
    "add", "sub", "mul", "div", "neg", "clone", "pow", "exp", "log", "sqrt", "abs", "sin", "cos", "tanh",
    "sigmoid", "relu", "maximum", "minimum", "clip", "where", "astype", "sum", "mean", "max", "min",
    "var", "std", "logsumexp", "prod", "argmax", "argmin", "reshape", "transpose", "swapaxes",
    "expand_dims", "squeeze", "flatten", "broadcast_to", "getitem", "index_add", "concatenate",
    "stack", "split", "pad", "matmul", "einsum", "less", "less_equal", "greater", "greater_equal",
    "equal", "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "isfinite",
    "isnan", "sign",
]


# ----- elementwise ------------------------------------------------------------------------
def add(a, b): return Add._apply2(a, b)
def sub(a, b): return Sub._apply2(a, b)
def mul(a, b): return Mul._apply2(a, b)
def div(a, b): return Div._apply2(a, b)
def neg(x): return Neg._apply1(x)
def clone(x): return Clone._apply1(x)
def pow(a, b): return Pow._apply2(a, b)
def exp(x): return Exp._apply1(x)
def log(x): return Log._apply1(x)
def sqrt(x): return Sqrt._apply1(x)
def abs(x): return Abs._apply1(x)
def sin(x): return Sin._apply1(x)
def cos(x): return Cos._apply1(x)
def tanh(x): return Tanh._apply1(x)
def sigmoid(x): return Sigmoid._apply1(x)
def relu(x): return Relu._apply1(x)
def maximum(a, b): return Maximum._apply2(a, b)
def minimum(a, b): return Minimum._apply2(a, b)
def clip(x, lo=None, hi=None):
    """x limited to [lo, hi] (None: unbounded); array or Tensor bounds broadcast and get gradients."""
    if lo is None and hi is None:
        raise ValueError("clip: at least one of lo and hi must be given (as np.clip)")
    dtype = np.asarray(x.data if hasattr(x, "data") else x).dtype
    low, high = _unbounded(dtype)
    return Clip.apply(x, low if lo is None else lo, high if hi is None else hi, lower=lo is not None,
                      upper=hi is not None)


def _unbounded(dtype: np.dtype) -> tuple:
    """The bounds that clip nothing, in `dtype` (so an integer tensor stays integer)."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return np.asarray(info.min, dtype), np.asarray(info.max, dtype)
    if dtype.kind == "b":
        return np.asarray(False), np.asarray(True)
    return -np.inf, np.inf
def where(condition, a, b): return Where.apply(condition, a, b)
def astype(x, dtype): return Cast.apply(x, dtype=dtype)


# ----- reductions -------------------------------------------------------------------------
def sum(x, axis=None, keepdims=False): return Sum.apply(x, axis=axis, keepdims=keepdims)
def mean(x, axis=None, keepdims=False): return Mean.apply(x, axis=axis, keepdims=keepdims)
def max(x, axis=None, keepdims=False): return Max.apply(x, axis=axis, keepdims=keepdims)
def min(x, axis=None, keepdims=False): return Min.apply(x, axis=axis, keepdims=keepdims)
def var(x, axis=None, ddof=0, keepdims=False): return Var.apply(x, axis=axis, ddof=ddof, keepdims=keepdims)
def std(x, axis=None, ddof=0, keepdims=False): return Std.apply(x, axis=axis, ddof=ddof, keepdims=keepdims)
def logsumexp(x, axis=None, keepdims=False): return Logsumexp.apply(x, axis=axis, keepdims=keepdims)
def prod(x, axis=None, keepdims=False): return Prod.apply(x, axis=axis, keepdims=keepdims)


# ----- shape ------------------------------------------------------------------------------
def reshape(x, shape): return Reshape.apply(x, shape=shape)
def transpose(x, axes=None): return Transpose.apply(x, axes=axes)
def expand_dims(x, axis): return ExpandDims.apply(x, axis=axis)
def squeeze(x, axis=None): return Squeeze.apply(x, axis=axis)
def broadcast_to(x, shape): return BroadcastTo.apply(x, shape=tuple(shape))
def index_add(grad, index, shape): return IndexAdd.apply(grad, index=_plain_index(index), shape=shape)
def concatenate(tensors, axis=0): return Concatenate.apply(*_some("concatenate", tensors), axis=axis)
def stack(tensors, axis=0): return Stack.apply(*_some("stack", tensors), axis=axis)
def pad(x, pad_width, constant_values=0): return Pad.apply(x, pad_width=pad_width, constant_values=constant_values)


def getitem(x, index):
    """x[index] with NumPy's basic, integer-array and boolean-mask indexing."""
    return GetItem.apply(x, index=_plain_index(index))


def _plain_index(index):
    """Replace Tensors and lists inside an index by arrays (so backward can reuse it)."""
    from ..tensor import Tensor

    def plain(part):
        if isinstance(part, Tensor):
            return part.data
        if isinstance(part, list):
            return np.asarray(part)
        return part

    return tuple(plain(p) for p in index) if isinstance(index, tuple) else plain(index)


def _some(op: str, tensors) -> list:
    """The tensors to join, refusing an empty sequence as NumPy does (ValueError)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{op}: need at least one tensor to {op}, got an empty sequence")
    return tensors


def swapaxes(x, axis1, axis2):
    """Exchange two axes (a transpose)."""
    axis1, axis2 = check_axis("swapaxes", axis1, x.ndim, x.shape), check_axis("swapaxes", axis2, x.ndim, x.shape)
    axes = list(range(x.ndim))
    axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return transpose(x, axes)


def flatten(x, start_axis=0, end_axis=-1):
    """Merge axes start_axis..end_axis into one (all of them by default, like ndarray.flatten)."""
    if x.ndim == 0:
        return reshape(x, (1,))
    start = check_axis("flatten", start_axis, x.ndim, x.shape)  # no silent wrap-around of flatten(1, 4)
    end = check_axis("flatten", end_axis, x.ndim, x.shape)
    if start > end:
        raise ValueError(f"flatten: start_axis {start_axis} comes after end_axis {end_axis} (shape {x.shape})")
    merged = 1
    for n in x.shape[start:end + 1]:
        merged *= n
    return reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def split(x, indices_or_sections, axis=0):
    """Split along `axis` into equal sections or at the given indices (NumPy's semantics)."""
    axis = check_axis("split", axis, x.ndim, x.shape)
    size = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        if indices_or_sections <= 0:
            raise ValueError(f"split: the number of sections must be positive, got {indices_or_sections}")
        if size % indices_or_sections:
            raise ValueError(f"split: axis {axis} of size {size} does not divide into "
                             f"{indices_or_sections} equal sections")
        step = size // indices_or_sections
        bounds = list(range(0, size + 1, step)) if step else [0] * (indices_or_sections + 1)
    else:
        bounds = [0, *indices_or_sections, size]  # plain slice bounds: negatives count from the end, as in NumPy
    lead = (slice(None),) * axis
    return [getitem(x, lead + (slice(start, stop),)) for start, stop in zip(bounds[:-1], bounds[1:])]


# ----- linear algebra ---------------------------------------------------------------------
def matmul(a, b): return Matmul._apply2(a, b)
def einsum(subscripts, *operands): return Einsum.apply(*operands, subscripts=subscripts)
