"""gradsight's autograd: tensor-level reverse-mode automatic differentiation on NumPy.

Note: the HIPS `autograd` package uses the same top-level name; install gradsight in its own
virtual environment.
"""
from __future__ import annotations

from . import ops
from .creation import arange, eye, full, ones, ones_like, rand, randn, zeros, zeros_like
from .dtypes import get_default_dtype, set_default_dtype
from .engine import grad_of as grad
from .engine import topological_order, unbroadcast
from .function import REGISTRY, Function
from .grad_mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F403  (the op functions, NumPy-named)
from .tensor import Tensor, as_tensor, from_numpy, tensor
from .testing import gradcheck, gradgradcheck  # after Tensor: the checks build Tensors

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "as_tensor", "from_numpy", "Function", "REGISTRY", "grad", "no_grad", "enable_grad",
    "is_grad_enabled",
    "set_grad_enabled", "detect_anomaly", "get_default_dtype", "set_default_dtype",
    "topological_order", "unbroadcast", "zeros", "ones", "full", "zeros_like", "ones_like", "eye",
    "arange", "randn", "rand", "gradcheck", "gradgradcheck", *ops.__all__,
]
