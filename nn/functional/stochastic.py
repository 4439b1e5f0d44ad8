"""Inverted dropout: a random mask drawn from a seeded NumPy generator."""
from __future__ import annotations

import numpy as np

from autograd import Function, Tensor

from ..seeding import resolve_generator


class Dropout(Function):
    """Zero each element with probability p and scale the survivors by 1 / (1 - p)."""

    @staticmethod
    def forward(ctx, x, p=0.5, generator=None):
        dtype = x.dtype if x.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        if p == 1:
            ctx.mask = np.zeros(x.shape, dtype)  # everything dropped (and no 0 · inf)
        else:
            ctx.mask = (generator.random(x.shape, dtype=dtype) >= p) * np.asarray(1 / (1 - p), dtype)
        return x * ctx.mask

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.mask  # the same kept-and-scaled mask: dropout is linear in x


def dropout(input, p: float = 0.5, training: bool = True, generator=None) -> Tensor:
    """Inverted dropout: in training, zero each element with probability p and scale the rest by
    1 / (1 - p), so evaluation needs no rescaling; with training=False (or p = 0) return the input.

    Masks come from `generator`: a ``numpy.random.Generator``, an int seed, or None for nn's
    default generator, which ``nn.manual_seed(seed)`` makes reproducible.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return input if isinstance(input, Tensor) else Tensor(input)
    return Dropout.apply(input, p=float(p), generator=resolve_generator(generator))
