"""Pooling with PyTorch's layouts and defaults: max_pool1d/2d and avg_pool1d/2d.

Each op loops over the kernel's taps (never over samples or output pixels): tap (i, j) reads
the strided slice of the padded input that sits at offset (i, j) in every window. Ties in max
pooling split the gradient evenly among the tied entries of a window, like the `max` reduction
(docs/subgradients.md). Under create_graph the engine differentiates ``composite``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

import autograd as ag
from autograd import Function, Tensor

from .conv import spatial_tuple, window_slices


class PoolGeometry(NamedTuple):
    """A pooling's resolved settings."""

    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: tuple[int, ...]
    dilation: tuple[int, ...]
    out_size: tuple[int, ...]

    def taps(self):
        """Per kernel tap, the index of the padded input it reads for every output pixel."""
        for offsets in np.ndindex(*self.kernel):
            yield (slice(None), slice(None)) + window_slices(offsets, self.dilation, self.stride, self.out_size)

    def pad_width(self) -> tuple[tuple[int, int], ...]:
        return ((0, 0), (0, 0)) + tuple((p, p) for p in self.padding)

    def inner(self, spatial_shape) -> tuple[slice, ...]:
        """The index of the unpadded input inside the padded one."""
        return (slice(None), slice(None)) + tuple(slice(p, p + n) for p, n in zip(self.padding, spatial_shape))


def pool_geometry(x_shape, rank: int, kernel_size, stride, padding, dilation, op: str) -> PoolGeometry:
    """Check a pooling's input and settings, naming the op; return its resolved geometry."""
    if len(x_shape) != rank + 2:
        layout = "(N, C, L)" if rank == 1 else "(N, C, H, W)"
        raise ValueError(f"{op}: expected an input of shape {layout} ({rank + 2} axes), got shape {x_shape}; "
                         "add the batch axis with x[None] for a single sample")
    kernel = spatial_tuple(kernel_size, rank, "kernel_size", op)
    stride = kernel if stride is None else spatial_tuple(stride, rank, "stride", op)
    padding = spatial_tuple(padding, rank, "padding", op, minimum=0)
    dilation = spatial_tuple(dilation, rank, "dilation", op)
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size {kernel} "
                         "(as in PyTorch: a window must never lie wholly in the padding)")
    padded = tuple(n + 2 * p for n, p in zip(x_shape[2:], padding))
    if any(e > n for e, n in zip(extent, padded)):
        raise ValueError(f"{op}: kernel of size {kernel} (extent {extent}) is larger than the padded input "
                         f"{padded} (input shape {x_shape}, padding {padding}); use a smaller kernel")
    out_size = tuple((n - e) // s + 1 for n, e, s in zip(padded, extent, stride))
    return PoolGeometry(kernel, stride, padding, dilation, out_size)


def _lowest(dtype) -> float | int:
    """The padding value no entry can lose to in a max: -inf, or an integer type's minimum."""
    return -np.inf if np.dtype(dtype).kind in "fc" else np.iinfo(dtype).min


class _MaxPool(Function):
    """The maximum of each window; the gradient goes to the window's maximum (split among ties)."""

    register = False
    spatial_rank = 2

    @staticmethod
    def forward(ctx, x, kernel_size=2, stride=None, padding=0, dilation=1):
        geo = pool_geometry(x.shape, ctx.spatial_rank, kernel_size, stride, padding, dilation, ctx.name)
        padded = np.pad(x, geo.pad_width(), constant_values=_lowest(x.dtype)) if any(geo.padding) else x
        out = None
        for tap in geo.taps():
            out = padded[tap].copy() if out is None else np.maximum(out, padded[tap], out=out)
        ctx.geometry, ctx.padded, ctx.out = geo, padded, out
        ctx.save_for_backward(x)
        return out

    @staticmethod
    def backward(ctx, grad):
        geo, padded, out = ctx.geometry, ctx.padded, ctx.out
        winners = [padded[tap] == out for tap in geo.taps()]
        ties = np.add.reduce(winners, axis=0, dtype=grad.dtype) if len(winners) > 1 else winners[0]
        share = grad / ties  # every window has at least one winner: its maximum
        grad_padded = np.zeros(padded.shape, grad.dtype)
        for tap, won in zip(geo.taps(), winners):
            grad_padded[tap] += won * share
        if not any(geo.padding):
            return grad_padded
        (shape, _), = ctx.input_meta
        return grad_padded[geo.inner(shape[2:])]

    @staticmethod
    def composite(x, kernel_size=2, stride=None, padding=0, dilation=1):
        """The same pooling as a max over stacked taps (the max reduction splits ties evenly too)."""
        geo = pool_geometry(x.shape, x.ndim - 2, kernel_size, stride, padding, dilation, "max_pool")
        padded = ag.pad(x, geo.pad_width(), constant_values=_lowest(x.dtype)) if any(geo.padding) else x
        return ag.max(ag.stack([ag.getitem(padded, tap) for tap in geo.taps()], axis=-1), axis=-1)


class MaxPool1d(_MaxPool):
    """max_pool1d on (N, C, L)."""

    spatial_rank = 1


class MaxPool2d(_MaxPool):
    """max_pool2d on (N, C, H, W)."""

    spatial_rank = 2


def _average_divisor(x_shape, geo: PoolGeometry, count_include_pad: bool, dtype):
    """What each window's sum is divided by: the kernel's size, or only its taps inside the input."""
    size = float(np.prod(geo.kernel))
    if count_include_pad or not any(geo.padding):
        return np.asarray(size, dtype)
    inside = np.pad(np.ones((1, 1) + tuple(x_shape[2:]), dtype), geo.pad_width())
    return sum(inside[tap] for tap in geo.taps())


class _AvgPool(Function):
    """The mean of each window; each tap gets grad / divisor."""

    register = False
    spatial_rank = 2

    @staticmethod
    def forward(ctx, x, kernel_size=2, stride=None, padding=0, count_include_pad=True):
        geo = pool_geometry(x.shape, ctx.spatial_rank, kernel_size, stride, padding, 1, ctx.name)
        padded = np.pad(x, geo.pad_width()) if any(geo.padding) else x
        out = None
        for tap in geo.taps():
            out = padded[tap].copy() if out is None else np.add(out, padded[tap], out=out)
        ctx.divisor = _average_divisor(x.shape, geo, count_include_pad, x.dtype)
        ctx.geometry = geo
        ctx.save_for_backward(x)  # only for create_graph: the composite takes the input
        out /= ctx.divisor
        return out

    @staticmethod
    def backward(ctx, grad):
        geo = ctx.geometry
        (shape, _), = ctx.input_meta
        share = grad / ctx.divisor
        grad_padded = np.zeros(shape[:2] + tuple(n + 2 * p for n, p in zip(shape[2:], geo.padding)), grad.dtype)
        for tap in geo.taps():
            grad_padded[tap] += share
        return grad_padded[geo.inner(shape[2:])]

    @staticmethod
    def composite(x, kernel_size=2, stride=None, padding=0, count_include_pad=True):
        """The same average from pad, strided slices and a sum."""
        geo = pool_geometry(x.shape, x.ndim - 2, kernel_size, stride, padding, 1, "avg_pool")
        padded = ag.pad(x, geo.pad_width()) if any(geo.padding) else x
        total = None
        for tap in geo.taps():
            total = ag.getitem(padded, tap) if total is None else total + ag.getitem(padded, tap)
        return total / _average_divisor(x.shape, geo, count_include_pad, x.dtype)


class AvgPool1d(_AvgPool):
    """avg_pool1d on (N, C, L)."""

    spatial_rank = 1


class AvgPool2d(_AvgPool):
    """avg_pool2d on (N, C, H, W)."""

    spatial_rank = 2


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1) -> Tensor:
    """Max over windows of (N, C, L), as torch.nn.functional.max_pool1d (stride defaults to kernel_size)."""
    return MaxPool1d.apply(input, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1) -> Tensor:
    """Max over windows of (N, C, H, W), as torch.nn.functional.max_pool2d; ties split the gradient evenly."""
    return MaxPool2d.apply(input, kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation)


def avg_pool1d(input, kernel_size, stride=None, padding=0, count_include_pad: bool = True) -> Tensor:
    """Mean over windows of (N, C, L), as torch.nn.functional.avg_pool1d (zero padding counted by default)."""
    return AvgPool1d.apply(input, kernel_size=kernel_size, stride=stride, padding=padding,
                           count_include_pad=bool(count_include_pad))


def avg_pool2d(input, kernel_size, stride=None, padding=0, count_include_pad: bool = True) -> Tensor:
    """Mean over windows of (N, C, H, W), as torch.nn.functional.avg_pool2d (zero padding counted by default)."""
    return AvgPool2d.apply(input, kernel_size=kernel_size, stride=stride, padding=padding,
                           count_include_pad=bool(count_include_pad))
