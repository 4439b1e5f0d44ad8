"""`Dropout`: inverted dropout in training mode, the identity in evaluation mode."""
from __future__ import annotations

from .. import functional as F
from ..module import Module
from ..seeding import layer_generator, resolve_generator


class Dropout(Module):
    """Zero each input with probability `p` and scale the rest by 1/(1 − p), only while training.

    Masks come from `generator` (a numpy Generator; an int is refused, as for every layer) or, by
    default, from the generator that `nn.manual_seed` reseeds.
    """

    def __init__(self, p: float = 0.5, *, generator=None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability p must be in [0, 1], got {p}")
        self.p = p
        self.generator = None if generator is None else layer_generator(generator, "nn.Dropout")

    def forward(self, x):
        return F.dropout(x, self.p, self.training, resolve_generator(self.generator))

    def extra_repr(self) -> str:
        return f"p={self.p}"
