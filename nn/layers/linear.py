"""Layers with weights: `Linear` (PyTorch's layout and default init) and `Maxout`."""
from __future__ import annotations

import math

import numpy as np

from autograd import get_default_dtype

from .. import functional as F
from .. import init
from ..module import Module, Parameter
from ..seeding import layer_generator


def _check_size(layer: str, **sizes: int) -> None:
    for name, value in sizes.items():
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
            raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")


def _reset_like_torch(weight: Parameter, bias: Parameter | None, generator) -> None:
    """PyTorch's default for Linear: kaiming_uniform(a=√5), i.e. W, b ~ U(−1/√fan_in, 1/√fan_in)."""
    init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if bias is not None:
        fan_in = weight.shape[1]
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound, generator=generator)


class Linear(Module):
    """y = x Wᵀ + b with weight (out_features, in_features) and bias (out_features,), as in PyTorch.

    Initialized as PyTorch does (uniform ±1/√in_features); `generator` (a numpy Generator shared by the
    model's layers; an int is refused, see nn.seeding.layer_generator) makes the draw reproducible, as does
    `nn.manual_seed`.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, dtype=None,
                 generator=None):
        super().__init__()
        _check_size("Linear", in_features=in_features, out_features=out_features)
        generator = layer_generator(generator, "nn.Linear")
        self.in_features, self.out_features = in_features, out_features
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.empty((out_features, in_features), dtype))
        self.bias = Parameter(np.empty(out_features, dtype)) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Draw the weights again as PyTorch does, from `generator` (or the default generator)."""
        _reset_like_torch(self.weight, self.bias, generator)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Maxout(Module):
    """Maxout units (Goodfellow et al. 2013): each of `out_features` outputs is the max of
    `pieces` affine functions of the input; weight (out_features·pieces, in_features)."""

    def __init__(self, in_features: int, out_features: int, pieces: int, bias: bool = True, *,
                 dtype=None, generator=None):
        super().__init__()
        _check_size("Maxout", in_features=in_features, out_features=out_features, pieces=pieces)
        generator = layer_generator(generator, "nn.Maxout")
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.empty((out_features * pieces, in_features), dtype))
        self.bias = Parameter(np.empty(out_features * pieces, dtype)) if bias else None
        self.reset_parameters(generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Draw the weights again as PyTorch does, from `generator` (or the default generator)."""
        _reset_like_torch(self.weight, self.bias, generator)

    def forward(self, x):
        return F.maxout(F.linear(x, self.weight, self.bias), self.pieces, axis=-1)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}, "
                f"bias={self.bias is not None}")
