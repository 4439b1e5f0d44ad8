"""Utilities with `torch.nn.utils`' names: gradient clipping and parameter vectors."""
from __future__ import annotations

import numpy as np

from .optim.clip import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters",
           "count_parameters"]


def parameters_to_vector(parameters) -> np.ndarray:
    """All parameter values concatenated into one flat array (a copy)."""
    return np.concatenate([p.data.ravel() for p in parameters])


def vector_to_parameters(vector: np.ndarray, parameters) -> None:
    """Copy a flat array back into the parameters, in order (the inverse of parameters_to_vector)."""
    parameters = list(parameters)
    total = sum(p.data.size for p in parameters)
    vector = np.asarray(vector)
    if vector.ndim != 1 or vector.size != total:
        raise ValueError(f"vector_to_parameters: expected a flat vector of {total} values, got shape {vector.shape}")
    for i, p in enumerate(parameters):  # all checked before any is changed
        if not p.data.flags.writeable:
            raise ValueError(f"vector_to_parameters: parameter {i} (shape {p.shape}) is backed by a read-only "
                             "array; nothing was changed (give it a writable copy: `p.data = p.data.copy()`)")
    offset = 0
    for p in parameters:
        p.data[...] = vector[offset:offset + p.data.size].reshape(p.data.shape)
        p._bump_version()  # a backward through the old values must refuse, not use these
        offset += p.data.size


def count_parameters(module, trainable_only: bool = False) -> int:
    """The number of scalar parameters of a module (only those requiring grad, if asked)."""
    return sum(p.data.size for p in module.parameters() if p.requires_grad or not trainable_only)
