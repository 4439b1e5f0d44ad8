"""Functional ops of `nn` (``import nn.functional as F``), named and defaulted as torch.nn.functional.

Every differentiable op here is one registered graph op with its own analytic backward; NumPy's
`axis` replaces PyTorch's `dim`. docs/functional.md lists conventions and the extensions
(maxout, softmax temperature, swish beta, multilabel_hinge_loss, normal_cdf).
"""
from .activations import (
    elu,
    gelu,
    leaky_relu,
    normal_cdf,
    prelu,
    relu,
    selu,
    sigmoid,
    silu,
    softplus,
    swish,
    tanh,
)
from .affine import linear, linear_activation
from .binary import binary_cross_entropy, binary_cross_entropy_with_logits
from .classification import cross_entropy, nll_loss
from .conv import conv1d, conv2d
from .divergences import kl_div
from .groupwise import log_softmax, maxout, softmax
from .linear_stack import linear_stack
from .margins import multi_margin_loss, multilabel_hinge_loss
from .metrics import accuracy, zero_one_loss
from .normalization import batch_norm, layer_norm
from .pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from .regression import huber_loss, l1_loss, mse_loss, smooth_l1_loss
from .stochastic import dropout

__all__ = [
    "linear", "linear_activation", "linear_stack", "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d",
    "avg_pool2d",
    "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "softplus", "swish", "silu", "gelu",
    "normal_cdf", "softmax", "log_softmax", "maxout",
    "batch_norm", "layer_norm",
    "dropout",
    "mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "nll_loss", "multi_margin_loss", "multilabel_hinge_loss", "kl_div",
    "accuracy", "zero_one_loss",
]
