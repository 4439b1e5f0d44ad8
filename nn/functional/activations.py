"""Elementwise activations beyond the core's sigmoid, tanh and relu (which are re-exported).

Subgradients at kinks follow PyTorch: leaky_relu'(0) = negative_slope, prelu'(0) = weight,
relu'(0) = 0, elu'(0) = alpha (the negative branch, so selu'(0) = scale * alpha).
Branches are selected by multiplying with 0/1 masks rather than np.where, which is several
times slower on the unpredictable sign patterns of activations (docs/functional.md).
"""
from __future__ import annotations

import math

import numpy as np

from autograd import Function, Tensor, relu, sigmoid, tanh
from autograd.ops._util import constant

from ._common import recording, sigmoid_of, stable_sigmoid
from .special import erfc

__all__ = ["sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "softplus", "swish", "silu",
           "gelu", "normal_cdf"]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_GELU_CUBIC = 0.044715


class LeakyRelu(Function):
    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        slope = (x > 0).astype(x.dtype)  # 1 above 0, negative_slope at and below 0
        slope *= 1 - negative_slope
        slope += negative_slope
        ctx.slope = slope
        return x * slope

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.slope


class Prelu(Function):
    """leaky_relu with a learned slope per channel (axis 1), or one slope shared by all."""

    @staticmethod
    def forward(ctx, x, weight):
        channels = x.shape[1] if x.ndim >= 2 else 1
        if weight.ndim > 1 or weight.size not in (1, channels):
            raise ValueError(f"weight of shape {weight.shape} must be 0-d or 1-d and hold 1 or {channels} "
                             f"slopes (channels are axis 1 of the input of shape {x.shape})")
        ctx.positive = (x > 0).astype(x.dtype)
        ctx.save_for_backward(x, weight)
        return x * (ctx.positive + (1 - ctx.positive) * _per_channel(weight, x.ndim))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        need_x, need_weight = ctx.needs_input_grad
        positive = ctx.positive
        # x = 0 takes the slope (prelu'(0) = weight) as a constant: its derivatives in x and weight are 0
        # there, PyTorch's second-order convention at the kink
        negative = (~(constant(x) >= 0)).astype(positive.dtype)  # x < 0, and NaN as PyTorch
        at_zero = 1 - positive - negative
        slopes = _per_channel(weight, x.ndim)
        grad_x = grad * (positive + negative * slopes + at_zero * constant(slopes)) if need_x else None
        grad_weight = None
        if need_weight:
            on_slope = grad * x * negative  # d out / d slope = x where x < 0 (and 0 · slope at 0)
            other_axes = tuple(a for a in range(x.ndim) if a != 1 or weight.size == 1)
            grad_weight = on_slope.sum(axis=other_axes).reshape(weight.shape)
        return grad_x, grad_weight


def _per_channel(weight, ndim: int):
    """The slopes shaped to broadcast along axis 1 (PyTorch's channel axis)."""
    return weight.reshape((-1,) + (1,) * (ndim - 2)) if weight.size > 1 else weight.reshape(())


class Elu(Function):
    """scale * (x if x > 0 else alpha (e^x - 1)); selu is this with fixed alpha and scale."""

    @staticmethod
    def forward(ctx, x, alpha=1.0, scale=1.0):
        negative = (x <= 0).astype(x.dtype)
        ctx.negative_slope = negative * (scale * alpha)  # scale·alpha·e^x at and below 0
        ctx.positive_slope = (1 - negative) * scale  # scale above 0
        ctx.save_for_backward(x)
        # each branch is 0 on the other side, so their sum needs no selection
        out = np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0))
        if scale != 1.0:
            out *= scale
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        xp = ctx.xp
        # from the input, not the output: out + alpha cancels to 0 in float32 below x ≈ -17;
        # e^min(x, 0) never overflows, so x = +Inf gives no Inf·0 = NaN; a NaN input gets a NaN gradient
        # (PyTorch's vectorized kernel does the same; its scalar tail loop gives the positive slope)
        if not recording(ctx):
            return grad * (np.exp(np.minimum(x, 0)) * ctx.negative_slope + ctx.positive_slope)
        # second order: the branch x < 0 only, so elu''(0) = 0 as in PyTorch (elu'(0) stays alpha)
        negative_part = xp.where(~(constant(x) >= 0), x, 0)  # NaN stays NaN, as at first order
        return grad * (xp.exp(negative_part) * ctx.negative_slope + ctx.positive_slope)


class Selu(Elu):
    """Self-normalizing elu with Klambauer et al.'s alpha and scale."""


class Softplus(Function):
    """log(1 + e^(beta x)) / beta, and the identity where beta x > threshold (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        scaled = x * beta
        ctx.linear = scaled > threshold
        # log1p(e^-|z|) + max(z, 0) never overflows: softplus(1000) = 1000, softplus(-1000) = 0
        smooth = (np.log1p(np.exp(-np.abs(scaled))) + np.maximum(scaled, 0)) / beta
        ctx.save_for_backward(x)
        return np.where(ctx.linear, x, smooth)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        beta = ctx.params.get("beta", 1.0)
        return ctx.xp.where(ctx.linear, grad, grad * sigmoid_of(x * beta, ctx.xp))  # softplus' = sigmoid


class Swish(Function):
    """x * sigmoid(beta x) (Ramachandran et al.); silu is beta = 1."""

    @staticmethod
    def forward(ctx, x, beta=1.0):
        gate = stable_sigmoid(x * beta)
        ctx.save_for_backward(x, gate)
        return x * gate

    @staticmethod
    def backward(ctx, grad):
        x, gate = ctx.saved
        beta = ctx.params.get("beta", 1.0)
        if recording(ctx):
            gate = ctx.xp.sigmoid(x * beta)
        return grad * gate * (1 + beta * x * (1 - gate))  # σ + βxσ(1 - σ)


class Silu(Swish):
    """x * sigmoid(x) (Elfwing et al.), swish with beta = 1."""


class NormalCdf(Function):
    """Φ(x), the standard normal distribution function (exact gelu is x Φ(x))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _normal_cdf_array(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * ctx.xp.exp(x * x * -0.5) * _INV_SQRT_2PI  # Φ' = φ


def _normal_cdf_array(x: np.ndarray) -> np.ndarray:
    # Φ(x) = erfc(-x/√2)/2 keeps full relative precision in the far left tail
    return erfc(x * -math.sqrt(0.5)) * 0.5


class Gelu(Function):
    """x Φ(x) (exact), or Hendrycks and Gimpel's tanh approximation with approximate='tanh'."""

    @staticmethod
    def forward(ctx, x, approximate="none"):
        if approximate == "tanh":
            gate = np.tanh((x + _GELU_CUBIC * x * x * x) * _SQRT_2_OVER_PI)
            ctx.save_for_backward(x, gate)
            return x * 0.5 * (1 + gate)
        if approximate != "none":
            raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")
        cdf = _normal_cdf_array(x)
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    def backward(ctx, grad):
        x, gate = ctx.saved
        xp = ctx.xp
        if ctx.params.get("approximate", "none") == "tanh":
            if recording(ctx):
                gate = xp.tanh((x + _GELU_CUBIC * x * x * x) * _SQRT_2_OVER_PI)
            slope = (1 + 3 * _GELU_CUBIC * x * x) * _SQRT_2_OVER_PI
            return grad * (0.5 * (1 + gate) + 0.5 * x * (1 - gate * gate) * slope)
        if recording(ctx):
            gate = NormalCdf.apply(x)
        return grad * (gate + x * xp.exp(x * x * -0.5) * _INV_SQRT_2PI)  # (xΦ)' = Φ + xφ


def leaky_relu(input, negative_slope: float = 0.01) -> Tensor:
    """x if x > 0 else negative_slope * x; the gradient at 0 is negative_slope (PyTorch's choice)."""
    return LeakyRelu.apply(input, negative_slope=float(negative_slope))


def prelu(input, weight) -> Tensor:
    """leaky_relu with learned slopes `weight` (one, or one per channel on axis 1)."""
    return Prelu.apply(input, weight)


def elu(input, alpha: float = 1.0) -> Tensor:
    """x if x > 0 else alpha * (e^x - 1)."""
    return Elu.apply(input, alpha=float(alpha), scale=1.0)


def selu(input) -> Tensor:
    """SCALE * elu(x, ALPHA) with ALPHA ≈ 1.6733 and SCALE ≈ 1.0507 (self-normalizing networks)."""
    return Selu.apply(input, alpha=SELU_ALPHA, scale=SELU_SCALE)


def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, linear where beta x > threshold; stable for any x."""
    return Softplus.apply(input, beta=float(beta), threshold=float(threshold))


def swish(input, beta: float = 1.0) -> Tensor:
    """x * sigmoid(beta x). Not in PyTorch, which has only silu (beta = 1)."""
    return Swish.apply(input, beta=float(beta))


def silu(input) -> Tensor:
    """x * sigmoid(x)."""
    return Silu.apply(input, beta=1.0)


def gelu(input, approximate: str = "none") -> Tensor:
    """x Φ(x) with Φ the standard normal CDF; approximate='tanh' uses the tanh formula."""
    return Gelu.apply(input, approximate=approximate)


def normal_cdf(input) -> Tensor:
    """Φ(x), the standard normal CDF (torch.special.ndtr); exposed because exact gelu needs it."""
    return NormalCdf.apply(input)
