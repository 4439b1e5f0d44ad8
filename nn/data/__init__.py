"""Data for training: a seeded mini-batch iterator, a train/test split, toy 2-D sets, the
shipped 8×8 digits and a reader for the full MNIST IDX files."""
from __future__ import annotations

from .digits import load_digits
from .loader import DataLoader
from .mnist import load_mnist, read_idx
from .mnist_subset import load_mnist_subset
from .split import train_test_split
from .synthetic import moons, spirals, two_circles, xor

__all__ = ["DataLoader", "train_test_split", "two_circles", "spirals", "moons", "xor", "load_digits",
           "load_mnist", "read_idx", "load_mnist_subset"]
