"""Normalization layers: `BatchNorm1d`, `BatchNorm2d` (with running statistics) and `LayerNorm`."""
from __future__ import annotations

import numpy as np

from autograd import get_default_dtype

from .. import functional as F
from ..module import Module, Parameter


class BatchNorm1d(Module):
    """Batch normalization (Ioffe & Szegedy 2015) over the channel axis of (N, C) or (N, C, L) inputs.

    Training: normalize with the batch's mean and biased variance, and fold them into the
    running statistics (running ← (1 − momentum)·running + momentum·batch; the running variance
    takes the unbiased batch variance, as in PyTorch). Evaluation: normalize with the running
    statistics. `momentum=None` gives the cumulative average over all batches seen. Parameters
    `weight` (γ) and `bias` (β) and buffers `running_mean`, `running_var`, `num_batches_tracked`
    have PyTorch's names, so a PyTorch state dict loads as is.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, *, dtype=None):
        super().__init__()
        if not isinstance(num_features, (int, np.integer)) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive integer, got {num_features!r}")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype))
            self.register_buffer("running_var", np.ones(num_features, dtype))
            self.register_buffer("num_batches_tracked", np.zeros((), np.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.data.fill(0)
            self.running_var.data.fill(1)
            self.num_batches_tracked.data.fill(0)

    layouts = {2: "(N, {C})", 3: "(N, {C}, L)"}  # input rank -> the layout named in errors

    def forward(self, x):
        if x.ndim not in self.layouts or x.shape[1] != self.num_features:
            expected = " or ".join(f.format(C=self.num_features) for f in self.layouts.values())
            raise ValueError(f"{type(self).__name__}: expected input of shape {expected}, got {x.shape}")
        momentum = 0.0 if self.momentum is None else self.momentum
        counting = self.training and self.track_running_stats
        if counting and self.momentum is None:  # cumulative moving average over the batches seen
            momentum = 1.0 / (float(self.num_batches_tracked.data) + 1)
        use_batch_stats = self.training or self.running_mean is None
        keep_running = not self.training or self.track_running_stats
        out = F.batch_norm(x, self.running_mean if keep_running else None,
                           self.running_var if keep_running else None,
                           self.weight, self.bias, use_batch_stats, momentum, self.eps)
        if use_batch_stats and keep_running and self.running_mean is not None:
            self.running_mean._bump_version()  # updated in place by batch_norm: a saved copy would be stale
            self.running_var._bump_version()
        if counting:  # counted only once batch_norm has accepted the batch (all or nothing)
            self.num_batches_tracked.data += 1
            self.num_batches_tracked._bump_version()
        return out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm2d(BatchNorm1d):
    """Batch normalization of (N, C, H, W) images: one mean and variance per channel, taken over the
    batch and every pixel (Ioffe & Szegedy 2015, section 3.2); otherwise exactly BatchNorm1d."""

    layouts = {4: "(N, {C}, H, W)"}


class LayerNorm(Module):
    """Layer normalization (Ba et al. 2016): normalize each sample over its last axes
    (`normalized_shape`), then scale by `weight` and shift by `bias` (elementwise)."""

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, *, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, (int, np.integer)) else normalized_shape
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        dtype = np.dtype(dtype or get_default_dtype())
        self.weight = Parameter(np.ones(self.normalized_shape, dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(self.normalized_shape, dtype)) if elementwise_affine and bias else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
