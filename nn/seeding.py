"""The one default random generator behind nn's initializers, dropout and data shuffling."""
from __future__ import annotations

import numpy as np

_default_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default generator so that default init, dropout and shuffling repeat exactly."""
    global _default_generator
    _default_generator = np.random.default_rng(seed)
    return _default_generator


def default_generator() -> np.random.Generator:
    """The generator used wherever a `generator` argument is left as None."""
    return _default_generator


def resolve_generator(generator: np.random.Generator | int | None) -> np.random.Generator:
    """A Generator from `generator`: itself, a new one seeded by an int, or the default one."""
    if generator is None:
        return _default_generator
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(f"expected a numpy Generator, an int seed or None, got {type(generator).__name__}")


def layer_generator(generator: np.random.Generator | None, layer: str) -> np.random.Generator:
    """The generator a layer draws from: a shared numpy Generator, or the default one when None.

    An int is refused: each layer would seed its own fresh stream, so every same-shaped layer built
    with the same int would get the same weights (or the same dropout masks)."""
    if generator is None or isinstance(generator, np.random.Generator):
        return resolve_generator(generator)
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        raise TypeError(
            f"{layer}: generator={generator!r} is an int; a layer does not take an int seed, because every layer "
            f"given the same int would draw identical weights. Share one stream across the model instead: "
            f"g = np.random.default_rng({generator}) and pass generator=g to each layer, or call "
            f"nn.manual_seed({generator}) once before building the model.")
    raise TypeError(f"{layer}: generator must be a numpy Generator (np.random.default_rng(seed)) or None, "
                    f"got {type(generator).__name__}")
