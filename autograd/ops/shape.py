"""Shape ops: views, indexing, joining, padding (their backward only moves gradients around)."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ._util import normalize_axis


class Reshape(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x, shape=None):
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_meta[0][0])


class Transpose(Function):
    analytic = True

    inverse = None  # reversing the axes is its own inverse

    @staticmethod
    def forward(ctx, x, axes=None):
        if axes is None:
            return x.transpose()  # `W.T`, the common case: no permutation to check or invert
        axes = tuple(int(a) % max(x.ndim, 1) for a in axes)
        if sorted(axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {axes} are not a permutation of {x.ndim} dimensions")
        ctx.inverse = tuple(np.argsort(axes))
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.inverse)


class ExpandDims(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x, axis=0):
        return np.expand_dims(x, axis)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_meta[0][0])


class Squeeze(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x, axis=None):
        if axis is not None:
            for a in normalize_axis(axis, x.ndim, "squeeze", x.shape):
                if x.shape[a] != 1:
                    raise ValueError(f"squeeze: axis {a} has size {x.shape[a]}, not 1 (shape {x.shape})")
        return np.squeeze(x, axis)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_meta[0][0])


class BroadcastTo(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x, shape=None):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad  # the engine sums it back to the input's shape


def _is_basic(index) -> bool:
    """True when indexing cannot repeat an element (no integer arrays), so assignment suffices."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, np.integer, slice, type(None), type(Ellipsis)))
               or (isinstance(p, np.ndarray) and p.dtype == bool) for p in parts)


def scatter_add(grad, index, shape, xp):
    """Zeros of `shape` with `grad` added at `index` (repeated indices accumulate)."""
    if xp is np:
        out = np.zeros(shape, dtype=grad.dtype)
        if _is_basic(index):
            out[index] = grad
        else:
            # NumPy 2.4's add.at adds a broadcast value only once per row of a 2-d index: broadcast it first
            target = out[index].shape
            np.add.at(out, index, grad if grad.shape == target else np.broadcast_to(grad, target))
        return out
    return IndexAdd.apply(grad, index=index, shape=shape)


class GetItem(Function):
    name = "getitem"
    analytic = True

    @staticmethod
    def forward(ctx, x, index=None):
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        return scatter_add(grad, ctx.params["index"], ctx.input_meta[0][0], ctx.xp)


class IndexAdd(Function):
    """Zeros with `grad` added at `index`: the backward of getitem, so getitem is twice differentiable."""

    analytic = True

    @staticmethod
    def forward(ctx, grad, index=None, shape=None):
        return scatter_add(grad, index, shape, np)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.params["index"]]


class Concatenate(Function):
    analytic = True

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = normalize_axis(axis, arrays[0].ndim, "concatenate", arrays[0].shape)[0]
        return np.concatenate(arrays, axis=ctx.axis)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        lead = (slice(None),) * ctx.axis
        for (shape, _), need in zip(ctx.input_meta, ctx.needs_input_grad):
            stop = start + shape[ctx.axis]
            grads.append(grad[lead + (slice(start, stop),)] if need else None)
            start = stop
        return tuple(grads)


class Stack(Function):
    analytic = True

    @staticmethod
    def forward(ctx, *arrays, axis=0):
        ctx.axis = normalize_axis(axis, arrays[0].ndim + 1, "stack", arrays[0].shape)[0]
        return np.stack(arrays, axis=ctx.axis)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.axis
        return tuple(grad[lead + (i,)] if need else None for i, need in enumerate(ctx.needs_input_grad))


class Pad(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x, pad_width=0, constant_values=0):
        if x.ndim == 0:  # nothing to pad; NumPy returns the value unchanged
            ctx.inner = ()
            return x.copy()
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
        if (widths < 0).any():
            raise ValueError(f"pad: negative pad_width {pad_width}")
        ctx.inner = tuple(slice(before, before + n) for (before, _), n in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=constant_values)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inner]
