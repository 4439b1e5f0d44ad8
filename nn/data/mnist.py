"""Readers for the IDX files of MNIST (and Fashion-MNIST), gzip-compressed or not."""
from __future__ import annotations

import gzip
import math
import os

import numpy as np

from autograd import get_default_dtype

# IDX type codes -> big-endian NumPy dtypes (LeCun's format description)
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (gzip detected from its first bytes) into an array of its shape."""
    path = os.fspath(path)
    with open(path, "rb") as file:
        raw = file.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as error:
            raise ValueError(f"read_idx: {path} is a damaged gzip file ({error})") from error
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file (bad magic number {raw[:4].hex()})")
    dtype, ndim = np.dtype(_IDX_TYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path} is truncated inside its header: {ndim} dimensions need a "
                         f"{header}-byte header, the file has {len(raw)} bytes")
    shape = tuple(int(n) for n in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = math.prod(shape) * dtype.itemsize  # Python ints: a damaged header cannot wrap around
    if expected > np.iinfo(np.int64).max:
        raise ValueError(f"read_idx: {path} has a damaged header: shape {shape} of {dtype.name} would be "
                         f"{expected} bytes, more than any array (or file) can hold")
    if len(raw) - header != expected:
        raise ValueError(f"read_idx: {path} holds {len(raw) - header} data bytes; its header "
                         f"(shape {shape}, {dtype.name}) needs {expected} (a truncated or damaged file)")
    return np.frombuffer(raw, dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def _find(directory: str, kind: str, part: str, rank: int) -> str:
    names = [f"{kind}-{part}-idx{rank}-ubyte", f"{kind}-{part}.idx{rank}-ubyte"]
    candidates = [os.path.join(directory, name + suffix) for name in names for suffix in ("", ".gz")]
    for candidate in candidates:
        if os.path.exists(candidate):
            return candidate
    raise FileNotFoundError(f"load_mnist: no {part} file for kind {kind!r} in {directory}; "
                            f"looked for {', '.join(os.path.basename(c) for c in candidates)}")


def load_mnist(directory: str | os.PathLike, kind: str = "train", flatten: bool = True,
               scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Load MNIST from the IDX files in `directory` (`train-images-idx3-ubyte[.gz]` and
    `train-labels-idx1-ubyte[.gz]` for kind="train", `t10k-...` for kind="t10k").

    Returns (x, y): x of shape (n, 784) (or (n, 28, 28) with flatten=False), scaled to [0, 1]
    in the default float dtype when `scale` (raw uint8 otherwise); y int64 labels.
    """
    if kind not in ("train", "t10k"):
        raise ValueError(f"load_mnist: kind must be 'train' or 't10k', got {kind!r}")
    directory = os.fspath(directory)
    images_path, labels_path = _find(directory, kind, "images", 3), _find(directory, kind, "labels", 1)
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1:
        raise ValueError(f"load_mnist: expected 3-d images and 1-d labels, got shapes {images.shape} "
                         f"({images_path}) and {labels.shape} ({labels_path})")
    if len(images) != len(labels):
        raise ValueError(f"load_mnist: {len(images)} images but {len(labels)} labels "
                         f"({images_path}, {labels_path})")
    x = images.reshape(len(images), -1) if flatten else images
    if scale:
        x = x.astype(get_default_dtype()) / np.asarray(255, get_default_dtype())
    return x, labels.astype(np.int64)
