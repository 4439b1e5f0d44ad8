"""Convolution layers: `Conv1d` and `Conv2d`, with PyTorch's parameters, shapes and default init."""
from __future__ import annotations

import math

import numpy as np

from autograd import get_default_dtype

from .. import functional as F
from .. import init
from ..functional.conv import spatial_tuple
from ..module import Module, Parameter
from ..seeding import layer_generator


class _ConvNd(Module):
    """Shared by Conv1d and Conv2d: weight (out_channels, in_channels / groups, *kernel_size), bias (out,)."""

    spatial_rank = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, dilation=1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros", *, dtype=None, generator=None):
        super().__init__()
        layer, rank = type(self).__name__, self.spatial_rank
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{layer}: groups={groups} must divide in_channels ({in_channels}) and "
                             f"out_channels ({out_channels})")
        if padding_mode != "zeros":
            raise ValueError(f"{layer}: only padding_mode='zeros' is supported, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = spatial_tuple(kernel_size, rank, "kernel_size", layer)
        self.stride = spatial_tuple(stride, rank, "stride", layer)
        self.dilation = spatial_tuple(dilation, rank, "dilation", layer)
        self.padding = padding if isinstance(padding, str) else spatial_tuple(padding, rank, "padding", layer, 0)
        if self.padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError(f"{layer}: padding='same' needs stride 1 (as in PyTorch), got stride {self.stride}")
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.empty((out_channels, in_channels // groups) + self.kernel_size, dtype))
        self.bias = Parameter(np.empty(out_channels, dtype)) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """PyTorch's default: kaiming_uniform(a=√5) on the weight, U(±1/√fan_in) on the bias."""
        generator = layer_generator(generator, f"nn.{type(self).__name__}")  # one stream for weight and bias
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init.fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x):
        convolve = F.conv1d if self.spatial_rank == 1 else F.conv2d
        return convolve(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.spatial_rank:
            text += f", padding={self.padding!r}"
        if self.dilation != (1,) * self.spatial_rank:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """1-d convolution over (N, C, L): weight (out_channels, in_channels / groups, kernel_size)."""

    spatial_rank = 1


class Conv2d(_ConvNd):
    """2-d convolution over (N, C, H, W): weight (out_channels, in_channels / groups, kH, kW), as in PyTorch."""

    spatial_rank = 2
