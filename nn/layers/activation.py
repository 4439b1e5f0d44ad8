"""One module per activation function, each a thin wrapper of its `nn.functional` op."""
from __future__ import annotations

import numpy as np

from autograd import get_default_dtype

from .. import functional as F
from ..module import Module, Parameter


class Sigmoid(Module):
    """σ(x) = 1 / (1 + e^−x)."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x)."""

    def forward(self, x):
        return F.tanh(x)


class ReLU(Module):
    """max(0, x)."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x for x > 0, negative_slope·x otherwise."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class PReLU(Module):
    """Leaky ReLU whose slope is learned: one slope shared by all features (num_parameters=1)
    or one per feature (num_parameters = C, the input's axis 1); starts at `init`."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, *, dtype=None):
        super().__init__()
        self.num_parameters = num_parameters
        self.weight = Parameter(np.full(num_parameters, init, np.dtype(dtype or get_default_dtype())))

    def forward(self, x):
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x for x > 0, alpha·(e^x − 1) otherwise."""

    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(Module):
    """scale·ELU(x, alpha) with the self-normalizing constants of Klambauer et al. 2017."""

    def forward(self, x):
        return F.selu(x)


class Softplus(Module):
    """log(1 + e^(beta·x)) / beta, linear above `threshold` (as in PyTorch)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class SiLU(Module):
    """x·σ(x)."""

    def forward(self, x):
        return F.silu(x)


class Swish(Module):
    """x·σ(beta·x) (Ramachandran et al. 2017); beta = 1 is SiLU."""

    def __init__(self, beta: float = 1.0):
        super().__init__()
        self.beta = beta

    def forward(self, x):
        return F.swish(x, self.beta)

    def extra_repr(self) -> str:
        return f"beta={self.beta}"


class GELU(Module):
    """x·Φ(x) (exact), or its tanh approximation with approximate="tanh"."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class _AlongAxis(Module):
    """An activation over the features along `axis`, at temperature T (1 by default)."""

    def __init__(self, axis: int = -1, temperature: float = 1.0):
        super().__init__()
        self.axis, self.temperature = axis, temperature

    def extra_repr(self) -> str:
        return f"axis={self.axis}, temperature={self.temperature}"


class Softmax(_AlongAxis):
    """exp(x / T) normalized to sum 1 along `axis` (T = temperature; 1 by default)."""

    def forward(self, x):
        return F.softmax(x, self.axis, self.temperature)


class LogSoftmax(_AlongAxis):
    """log of Softmax along `axis`, computed stably."""

    def forward(self, x):
        return F.log_softmax(x, self.axis, self.temperature)
