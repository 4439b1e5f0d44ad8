"""Seeded toy data sets for classification: two circles, spirals, moons and XOR.

Each returns (x, y): x of shape (n_samples, 2) in the default float dtype, y int64 labels.
`seed` (an int or numpy Generator) makes the draw repeatable; None uses the generator that
`nn.manual_seed` reseeds.
"""
from __future__ import annotations

import numpy as np

from autograd import get_default_dtype

from ..seeding import resolve_generator

__all__ = ["two_circles", "spirals", "moons", "xor"]


def _check(name: str, n_samples: int, noise: float, minimum: int = 2) -> None:
    if not isinstance(n_samples, (int, np.integer)) or n_samples < minimum:
        raise ValueError(f"{name}: n_samples must be an integer >= {minimum}, got {n_samples!r}")
    if noise < 0:
        raise ValueError(f"{name}: noise must be >= 0, got {noise}")


def _finish(x: np.ndarray, y: np.ndarray, generator, shuffle: bool):
    if shuffle:
        order = generator.permutation(len(y))
        x, y = x[order], y[order]
    return x.astype(get_default_dtype()), y.astype(np.int64)


def _split(n_samples: int, parts: int) -> list[int]:
    """Sizes of `parts` groups that differ by at most one and add up to n_samples."""
    return [n_samples // parts + (1 if k < n_samples % parts else 0) for k in range(parts)]


def two_circles(n_samples: int = 200, noise: float = 0.05, factor: float = 0.5,
                seed: np.random.Generator | int | None = None, shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: label 0 on the unit circle, label 1 on radius `factor` (not linearly separable)."""
    _check("two_circles", n_samples, noise)
    if not 0 < factor < 1:
        raise ValueError(f"two_circles: factor must be in (0, 1), got {factor}")
    generator = resolve_generator(seed)
    outer, inner = _split(n_samples, 2)
    angles = np.concatenate([np.linspace(0, 2 * np.pi, outer, endpoint=False),
                             np.linspace(0, 2 * np.pi, inner, endpoint=False)])
    radii = np.concatenate([np.ones(outer), np.full(inner, factor)])
    x = np.stack([radii * np.cos(angles), radii * np.sin(angles)], axis=1)
    x += generator.normal(0.0, noise, size=x.shape)
    y = np.concatenate([np.zeros(outer), np.ones(inner)])
    return _finish(x, y, generator, shuffle)


def moons(n_samples: int = 200, noise: float = 0.1, seed: np.random.Generator | int | None = None,
          shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (label 0 upper, label 1 lower)."""
    _check("moons", n_samples, noise)
    generator = resolve_generator(seed)
    upper, lower = _split(n_samples, 2)
    t_upper, t_lower = np.linspace(0, np.pi, upper), np.linspace(0, np.pi, lower)
    x = np.concatenate([np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1),
                        np.stack([1 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)])
    x += generator.normal(0.0, noise, size=x.shape)
    y = np.concatenate([np.zeros(upper), np.ones(lower)])
    return _finish(x, y, generator, shuffle)


def spirals(n_samples: int = 300, n_classes: int = 2, noise: float = 0.2, turns: float = 1.0,
            seed: np.random.Generator | int | None = None, shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """`n_classes` interleaved spiral arms from the origin outwards (radius up to 1); `noise`
    jitters the angle (in radians), `turns` sets how far each arm winds."""
    _check("spirals", n_samples, noise, minimum=n_classes)
    if n_classes < 2:
        raise ValueError(f"spirals: n_classes must be >= 2, got {n_classes}")
    generator = resolve_generator(seed)
    points, labels = [], []
    for k, count in enumerate(_split(n_samples, n_classes)):
        radius = np.linspace(0.05, 1.0, count)
        angle = (2 * np.pi * turns * radius + 2 * np.pi * k / n_classes
                 + generator.normal(0.0, noise, size=count))
        points.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1))
        labels.append(np.full(count, k))
    return _finish(np.concatenate(points), np.concatenate(labels), generator, shuffle)


def xor(n_samples: int = 200, noise: float = 0.1, seed: np.random.Generator | int | None = None,
        shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Points around the corners of the unit square labelled x1 XOR x2; with n_samples=4,
    noise=0 and shuffle=False this is exactly the truth table."""
    _check("xor", n_samples, noise, minimum=1)
    generator = resolve_generator(seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    which = np.arange(n_samples) % 4
    x = corners[which] + generator.normal(0.0, noise, size=(n_samples, 2))
    y = np.array([0, 1, 1, 0])[which]
    return _finish(x, y, generator, shuffle)
