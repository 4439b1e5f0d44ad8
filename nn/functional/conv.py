"""Convolutions with PyTorch's layouts: conv1d on (N, C, L) and conv2d on (N, C, H, W).

One implementation serves every spatial rank. Forward is im2col: a strided view of the padded
input (``sliding_window_view``, no copy) is gathered once into columns and multiplied by the
weight in one batched matmul. Backward multiplies by the transposed weight and folds the
columns back with one strided add per kernel offset (no ``np.add.at``). Under create_graph the
engine differentiates ``composite``: the same convolution from pad, slicing and einsum.
"""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import autograd as ag
from autograd import Function, Tensor


def spatial_tuple(value, rank: int, what: str, op: str, minimum: int = 1) -> tuple[int, ...]:
    """An int or a tuple of `rank` ints, each >= minimum, as a tuple (PyTorch's int-or-tuple arguments)."""
    values = (value,) * rank if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != rank or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{op}: {what} must be an int or a tuple of {rank} ints, got {value!r}")
    if min(values) < minimum:
        raise ValueError(f"{op}: {what} must be at least {minimum}, got {value!r}")
    return tuple(int(v) for v in values)


def window_slices(offsets, dilation, stride, out_size) -> tuple[slice, ...]:
    """The strided slice of the padded input that kernel offset `offsets` reads for every output pixel."""
    return tuple(slice(k * d, k * d + s * (n - 1) + 1, s) for k, d, s, n in zip(offsets, dilation, stride, out_size))


class Geometry(NamedTuple):
    """A convolution's resolved settings: per-axis (before, after) padding and the output size."""

    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int
    kernel: tuple[int, ...]
    out_size: tuple[int, ...]


def _padding_pairs(padding, kernel, dilation, stride, op) -> tuple[tuple[int, int], ...]:
    rank = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * rank
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a tuple, 'valid' or 'same', got {padding!r}")
        if any(s != 1 for s in stride):
            raise ValueError(f"{op}: padding='same' needs stride 1 (as in PyTorch), got stride {stride}")
        # PyTorch's 'same': the total padding d (k - 1), the odd pixel on the far side
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    return tuple((p, p) for p in spatial_tuple(padding, rank, "padding", op, minimum=0))


def conv_geometry(x_shape, weight_shape, stride, padding, dilation, groups, op: str) -> Geometry:
    """Check a convolution's shapes and settings, naming the op; return its resolved geometry."""
    rank = len(weight_shape) - 2
    layout = "(N, C, L)" if rank == 1 else "(N, C, H, W)"
    if len(x_shape) != rank + 2:
        raise ValueError(f"{op}: expected an input of shape {layout} ({rank + 2} axes), got shape {x_shape}; "
                         "add the batch axis with x[None] for a single sample")
    if not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
    out_channels, in_per_group, kernel = weight_shape[0], weight_shape[1], tuple(weight_shape[2:])
    channels = x_shape[1]
    if channels % groups or out_channels % groups:
        raise ValueError(f"{op}: groups={groups} must divide both the input channels ({channels}) and the "
                         f"output channels ({out_channels}) (weight shape {weight_shape})")
    if in_per_group * groups != channels:
        raise ValueError(f"{op}: input of shape {x_shape} has {channels} channels, but weight of shape "
                         f"{weight_shape} expects {in_per_group * groups} (= weight.shape[1] {in_per_group} "
                         f"x groups {groups}); the weight's layout is (out_channels, in_channels / groups, *kernel)")
    stride = spatial_tuple(stride, rank, "stride", op)
    dilation = spatial_tuple(dilation, rank, "dilation", op)
    if min(kernel) < 1:
        raise ValueError(f"{op}: weight of shape {weight_shape} has an empty kernel")
    pairs = _padding_pairs(padding, kernel, dilation, stride, op)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(x_shape[2:], pairs))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(e > p for e, p in zip(extent, padded)):
        raise ValueError(f"{op}: kernel of size {kernel} (dilated extent {extent}) is larger than the padded "
                         f"input {padded} (input shape {x_shape}, padding {pairs}); pad more or use a "
                         "smaller kernel")
    out_size = tuple((p - e) // s + 1 for p, e, s in zip(padded, extent, stride))
    return Geometry(stride, pairs, dilation, int(groups), kernel, out_size)


def _columns(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """im2col: (N, groups, C/groups · prod(kernel), prod(out_size)), one copy of the padded input's windows."""
    if any(lo or hi for lo, hi in geo.padding):
        x = np.pad(x, ((0, 0), (0, 0)) + geo.padding)
    rank = len(geo.kernel)
    extent = tuple(d * (k - 1) + 1 for k, d in zip(geo.kernel, geo.dilation))
    windows = sliding_window_view(x, extent, axis=tuple(range(2, 2 + rank)))
    # every stride-th window, every dilation-th tap of it: still a view
    windows = windows[(slice(None), slice(None)) + tuple(slice(None, None, s) for s in geo.stride)
                      + tuple(slice(None, None, d) for d in geo.dilation)]
    # (N, C, *out, *kernel) -> (N, C, *kernel, *out): channels and taps become the contraction axis
    order = (0, 1) + tuple(range(2 + rank, 2 + 2 * rank)) + tuple(range(2, 2 + rank))
    n, c = x.shape[:2]
    return windows.transpose(order).reshape(n, geo.groups, c // geo.groups * math.prod(geo.kernel),
                                            math.prod(geo.out_size))


def _fold(columns: np.ndarray, x_shape, geo: Geometry) -> np.ndarray:
    """col2im, the adjoint of _columns: add each kernel tap's column back where it was read."""
    n, c = x_shape[:2]
    columns = columns.reshape((n, c) + geo.kernel + geo.out_size)
    padded = np.zeros((n, c) + tuple(size + lo + hi for size, (lo, hi) in zip(x_shape[2:], geo.padding)),
                      columns.dtype)
    for offsets in np.ndindex(*geo.kernel):  # a loop over kernel taps only, each a strided add
        target = (slice(None), slice(None)) + window_slices(offsets, geo.dilation, geo.stride, geo.out_size)
        padded[target] += columns[(slice(None), slice(None)) + offsets]
    inner = (slice(None), slice(None)) + tuple(slice(lo, lo + size) for size, (lo, _) in zip(x_shape[2:], geo.padding))
    return padded[inner]


def _fold_stride_one(weight: np.ndarray, grad: np.ndarray, x_shape, geo: Geometry) -> np.ndarray:
    """The input's gradient for stride 1: one GEMM, then one contiguous add per kernel tap.

    The gradient is laid out (groups, O/groups, N, rows, padded width), zero beyond the output's
    width. In the flattened padded input the positions tap (i, j) reads then form one run starting
    at i d Wp + j d, and the zero columns fall on (and add nothing to) the positions between rows,
    so every tap's add is a single contiguous slice (short rows would cost NumPy a loop per row).
    """
    n, c = x_shape[:2]
    groups, taps = geo.groups, math.prod(geo.kernel)
    per_group, out_per_group = c // groups, weight.shape[0] // groups
    padded = tuple(size + lo + hi for size, (lo, hi) in zip(x_shape[2:], geo.padding))
    wide = np.zeros((groups, out_per_group, n, geo.out_size[0]) + padded[1:], grad.dtype)
    moved = grad.reshape((n, groups, out_per_group) + geo.out_size)
    wide[(Ellipsis,) + tuple(slice(0, size) for size in geo.out_size[1:])] = np.moveaxis(moved, 0, 2)
    run = math.prod(wide.shape[3:])
    # weight rows ordered (tap, channel), so each tap's block of the product is contiguous
    kernels = weight.reshape(groups, out_per_group, per_group, taps).transpose(0, 3, 2, 1).reshape(
        groups, taps * per_group, out_per_group)
    columns = np.matmul(kernels, wide.reshape(groups, out_per_group, n * run)).reshape(
        groups, taps, per_group, n, run)
    flat_strides = [math.prod(padded[a + 1:]) for a in range(len(padded))]
    starts = [sum(k * d * f for k, d, f in zip(offsets, geo.dilation, flat_strides))
              for offsets in np.ndindex(*geo.kernel)]
    flat = np.zeros((groups, per_group, n, max(math.prod(padded), max(starts) + run)), grad.dtype)
    for tap, start in enumerate(starts):
        flat[..., start:start + run] += columns[:, tap]
    inner = tuple(slice(lo, lo + size) for size, (lo, _) in zip(x_shape[2:], geo.padding))
    image = flat[..., :math.prod(padded)].reshape((groups, per_group, n) + padded)[(Ellipsis,) + inner]
    return np.moveaxis(image, 2, 0).reshape(x_shape)


class _Convolution(Function):
    """Cross-correlation of x (N, C, *spatial) with weight (O, C/groups, *kernel), plus bias (O,)."""

    register = False
    spatial_rank = 2

    @staticmethod
    def forward(ctx, x, weight, *bias, stride=1, padding=0, dilation=1, groups=1):
        if weight.ndim != ctx.spatial_rank + 2:
            raise ValueError(f"{ctx.name}: expected a weight of shape (out_channels, in_channels / groups, "
                             f"{'K' if ctx.spatial_rank == 1 else 'kH, kW'}), got shape {weight.shape}")
        geo = conv_geometry(x.shape, weight.shape, stride, padding, dilation, groups, ctx.name)
        out_channels = weight.shape[0]
        if bias and bias[0].shape != (out_channels,):
            raise ValueError(f"{ctx.name}: bias of shape {bias[0].shape} does not fit weight of shape "
                             f"{weight.shape}: expected ({out_channels},)")
        columns = _columns(x, geo)
        kernels = weight.reshape(geo.groups, out_channels // geo.groups, -1)
        out = np.matmul(kernels, columns)  # (N, groups, O/groups, pixels): one batched GEMM
        out = out.reshape((x.shape[0], out_channels) + geo.out_size)
        if bias:
            out += bias[0].reshape((-1,) + (1,) * len(geo.out_size))
        ctx.geometry, ctx.columns = geo, columns
        ctx.save_for_backward(x, weight, *bias)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved[:2]
        geo, columns = ctx.geometry, ctx.columns
        need_x, need_weight, *need_bias = ctx.needs_input_grad
        n, out_channels = grad.shape[:2]
        grad_rows = grad.reshape(n, geo.groups, out_channels // geo.groups, -1)
        grad_x = grad_weight = grad_bias = None
        if need_x:
            if all(s == 1 for s in geo.stride):
                grad_x = _fold_stride_one(weight, grad, x.shape, geo)
            else:
                kernels_t = weight.reshape(geo.groups, out_channels // geo.groups, -1).transpose(0, 2, 1)
                grad_x = _fold(np.matmul(kernels_t, grad_rows), x.shape, geo)
        if need_weight:
            # Σ over samples of grad rows · columnsᵀ, summed in one reduction after the batched GEMM
            grad_weight = np.add.reduce(np.matmul(grad_rows, columns.transpose(0, 1, 3, 2)), axis=0)
            grad_weight = grad_weight.reshape(weight.shape)
        if any(need_bias):
            grad_bias = np.add.reduce(grad.reshape(n, out_channels, -1), axis=(0, 2))
        return (grad_x, grad_weight, grad_bias)[:len(ctx.parents)]

    @staticmethod
    def composite(x, weight, *bias, stride=1, padding=0, dilation=1, groups=1):
        """The same convolution from pad, strided slices and einsum (differentiable to any order)."""
        geo = conv_geometry(x.shape, weight.shape, stride, padding, dilation, groups, "conv")
        if any(lo or hi for lo, hi in geo.padding):
            x = ag.pad(x, ((0, 0), (0, 0)) + geo.padding)
        n, c = x.shape[:2]
        o = weight.shape[0]
        rank = len(geo.kernel)
        grouped = ag.reshape(x, (n, geo.groups, c // geo.groups) + x.shape[2:])
        kernels = ag.reshape(weight, (geo.groups, o // geo.groups, c // geo.groups) + geo.kernel)
        spatial = "hwd"[:rank]
        out = None
        for offsets in np.ndindex(*geo.kernel):
            taps = ag.getitem(grouped, (slice(None),) * 3 + window_slices(offsets, geo.dilation, geo.stride,
                                                                          geo.out_size))
            tap_weight = ag.getitem(kernels, (slice(None),) * 3 + offsets)
            term = ag.einsum(f"ngc{spatial},goc->ngo{spatial}", taps, tap_weight)
            out = term if out is None else out + term
        out = ag.reshape(out, (n, o) + geo.out_size)
        if bias:
            out = out + ag.reshape(bias[0], (-1,) + (1,) * rank)
        return out


class Conv1d(_Convolution):
    """conv1d: (N, C, L) input, (O, C/groups, K) weight."""

    spatial_rank = 1


class Conv2d(_Convolution):
    """conv2d: (N, C, H, W) input, (O, C/groups, kH, kW) weight."""

    spatial_rank = 2


def _convolve(op, input, weight, bias, stride, padding, dilation, groups) -> Tensor:
    params = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if bias is None:
        return op.apply(input, weight, **params)
    return op.apply(input, weight, bias, **params)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-d cross-correlation as torch.nn.functional.conv1d: (N, C, L) * (O, C/groups, K) -> (N, O, L_out).

    padding: an int, a 1-tuple, 'valid' (none) or 'same' (output length = input length; stride 1).
    """
    return _convolve(Conv1d, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-d cross-correlation as torch.nn.functional.conv2d: (N, C, H, W) * (O, C/groups, kH, kW).

    stride, padding and dilation: an int or a pair; padding may be 'valid' or 'same' (stride 1;
    an odd total pads one more pixel at the bottom/right, as PyTorch does).
    """
    return _convolve(Conv2d, input, weight, bias, stride, padding, dilation, groups)
