"""Gradient clipping, applied between backward() and optimizer.step()."""
from __future__ import annotations

import math

import numpy as np

from autograd import Tensor

from .optimizer import parameters_of


def _gradients(parameters) -> list[Tensor]:
    return [p.grad for p in parameters_of(parameters) if p.grad is not None]


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Rescale gradients so their joint `norm_type`-norm is at most `max_norm` (as torch does:
    every gradient is multiplied by min(1, max_norm / (norm + 1e-6))). Returns the norm before
    clipping, as a 0-d Tensor."""
    if not (isinstance(max_norm, (int, float, np.floating, np.integer)) and max_norm >= 0):
        raise ValueError(f"clip_grad_norm_: max_norm must be a number >= 0, got {max_norm!r} "
                         "(a negative one would flip every gradient)")
    if not float(norm_type) > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 (or inf), got {norm_type!r}")
    grads = _gradients(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.asarray(0.0, dtype=np.float32))
    if math.isinf(norm_type):
        norms = [np.max(np.abs(g.data)) if g.data.size else np.float32(0) for g in grads]
        total = np.max(norms)
    else:
        norms = [np.linalg.norm(g.data.ravel(), norm_type) for g in grads]
        total = np.linalg.norm(np.asarray(norms), norm_type)
    total = np.asarray(total, dtype=grads[0].data.dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total {norm_type}-norm of the gradients is {float(total)}, "
                           "so they cannot be clipped; pass error_if_nonfinite=False to scale them anyway")
    # computed in the gradients' dtype, as torch does, so the clipped values match its bit for bit
    kind = total.dtype.type
    scale = np.minimum(kind(max_norm) / (total + kind(1e-6)), kind(1.0))
    for g in grads:
        g.data = g.data * scale
    return Tensor(total)


def clip_grad_value_(parameters, clip_value: float) -> None:
    """Clamp every gradient element to [-clip_value, clip_value]."""
    if not (isinstance(clip_value, (int, float, np.floating, np.integer)) and clip_value >= 0):
        raise ValueError(f"clip_grad_value_: clip_value must be a number >= 0, got {clip_value!r} "
                         "(a negative one would set every gradient to -clip_value)")
    for g in _gradients(parameters):
        g.data = np.clip(g.data, -clip_value, clip_value)
