"""The 5,000-image MNIST subset shipped inside the package (provenance: nn/data/MNIST_SUBSET.md)."""
from __future__ import annotations

import os

import numpy as np

from autograd import get_default_dtype

MNIST_SUBSET_PATH = os.path.join(os.path.dirname(__file__), "mnist_5k.npz")
SPLITS = ("train", "test")


def load_mnist_subset(split: str = "train", flatten: bool = False, scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """28×28 MNIST digits that work offline: 4,000 for training, 1,000 for testing (400 / 100 per digit).

    Returns (x, y): x of shape (N, 1, 28, 28), PyTorch's image layout (or (N, 784) with flatten=True),
    pixel values 0..255 divided by 255 when `scale` (default float dtype) or the raw uint8 values
    otherwise; y the int64 labels 0..9, grouped by digit (shuffle when you batch).
    """
    if split not in SPLITS:
        raise ValueError(f"load_mnist_subset: split must be 'train' or 'test', got {split!r}")
    with np.load(MNIST_SUBSET_PATH, allow_pickle=False) as archive:
        images, labels = archive[f"{split}_images"], archive[f"{split}_labels"]
    x = images.reshape(len(images), -1) if flatten else images[:, None]
    if scale:
        x = x.astype(get_default_dtype()) / np.asarray(255, get_default_dtype())
    return x, labels.astype(np.int64)
