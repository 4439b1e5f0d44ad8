"""`DataLoader`: mini-batches of arrays, optionally shuffled with a seed."""
from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from autograd import Tensor

from ..seeding import resolve_generator


def _as_array(values, name: str) -> np.ndarray:
    array = values.data if isinstance(values, Tensor) else np.asarray(values)
    if array.ndim == 0:
        raise ValueError(f"DataLoader: {name} must have a sample axis, got a scalar")
    return array


class DataLoader:
    """Iterate over (x, y) mini-batches as Tensors (or x batches alone when y is None).

    Each pass over the loader is one epoch. With `shuffle=True` every epoch takes a new
    permutation from a generator seeded by `seed` (the whole sequence of epochs repeats for the
    same seed; `seed=None` draws from the generator that `nn.manual_seed` reseeds).
    `drop_last=True` skips a final batch smaller than `batch_size`.
    """

    def __init__(self, x: Tensor | np.ndarray, y: Tensor | np.ndarray | None = None, batch_size: int = 32,
                 shuffle: bool = False, seed: np.random.Generator | int | None = None,
                 drop_last: bool = False) -> None:
        self.x = _as_array(x, "x")
        self.y = None if y is None else _as_array(y, "y")
        if self.y is not None and len(self.y) != len(self.x):
            raise ValueError(f"DataLoader: x has {len(self.x)} samples but y has {len(self.y)} "
                             f"(shapes {self.x.shape} and {self.y.shape})")
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size, self.shuffle, self.drop_last = int(batch_size), shuffle, drop_last
        self.generator = resolve_generator(seed) if shuffle else None

    def __len__(self) -> int:
        """The number of batches per epoch."""
        count = len(self.x) / self.batch_size
        return math.floor(count) if self.drop_last else math.ceil(count)

    def __iter__(self) -> Iterator[Tensor | tuple[Tensor, Tensor]]:
        n = len(self.x)
        order = self.generator.permutation(n) if self.shuffle else None
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            # contiguous slices are views; shuffled batches gather their rows
            rows = slice(start, start + self.batch_size) if order is None else order[start:start + self.batch_size]
            x_batch = Tensor(self.x[rows])
            if self.y is None:
                yield x_batch
            else:
                yield x_batch, Tensor(self.y[rows])
