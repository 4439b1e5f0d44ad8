"""Layers that pass values through: `Identity` and `Flatten`."""
from __future__ import annotations

import autograd

from ..module import Module


class Identity(Module):
    """Returns its input unchanged (a placeholder; its arguments are ignored, as in PyTorch)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, x):
        return x


class Flatten(Module):
    """Merge axes start_axis..end_axis into one: (N, 8, 8) -> (N, 64) by default."""

    def __init__(self, start_axis: int = 1, end_axis: int = -1):
        super().__init__()
        self.start_axis, self.end_axis = start_axis, end_axis

    def forward(self, x):
        return autograd.flatten(x, self.start_axis, self.end_axis)

    def extra_repr(self) -> str:
        return f"start_axis={self.start_axis}, end_axis={self.end_axis}"
