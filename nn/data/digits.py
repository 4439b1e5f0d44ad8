"""The 8×8 handwritten digits shipped inside the package (see nn/data/README.md for provenance)."""
from __future__ import annotations

import os

import numpy as np

from autograd import get_default_dtype

DIGITS_PATH = os.path.join(os.path.dirname(__file__), "digits.npz")


def load_digits(flatten: bool = True, scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """1,797 handwritten digits (UCI optical recognition data, as scikit-learn ships it).

    Returns (x, y): x of shape (1797, 64) (or (1797, 8, 8) with flatten=False), pixel counts
    0..16 divided by 16 when `scale` (default float dtype) or the raw uint8 counts otherwise;
    y the int64 labels 0..9 (about 180 of each).
    """
    with np.load(DIGITS_PATH, allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"]
    x = images.reshape(len(images), -1) if flatten else images
    if scale:
        x = x.astype(get_default_dtype()) / np.asarray(16, get_default_dtype())
    return x, labels.astype(np.int64)
