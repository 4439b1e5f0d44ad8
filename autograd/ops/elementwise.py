"""Elementwise ops: arithmetic, transcendental functions, activations, selection."""
from __future__ import annotations

import numpy as np

from ..function import Function
from ._util import constant


def _shares(wins: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray, dtype) -> tuple:
    """The shares of a and b in the gradient of maximum/minimum: 1 to the winner, 0.5 each on ties
    (the even split that makes maximum(x, x)' = 1); b's share is None when it is 1 - a's. Where
    either side is NaN both get the whole gradient (PyTorch's convention); `wins` is where a wins."""
    share_a = np.array(wins, dtype=dtype)  # an array even for 0-d inputs, so ties can be assigned
    share_a[a == b] = 0.5
    if not np.isnan(out).any():  # the common case pays one scan for the NaN rule
        return share_a, None
    share_b = 1 - share_a
    either = np.isnan(a) | np.isnan(b)
    share_a[either] = 1
    share_b[either] = 1
    return share_a, share_b


# ----- arithmetic -------------------------------------------------------------------------
class Add(Function):
    analytic = True

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    analytic = True

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    analytic = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    analytic = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad / b if need_a else None
        grad_b = -grad * a / (b * b) if need_b else None  # d(a/b)/db = -a/b²
        return grad_a, grad_b


class Neg(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Clone(Function):
    """A copy of x that owns its memory (PyTorch's `clone`); the gradient passes through unchanged."""

    analytic = True

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


class Pow(Function):
    analytic = True

    @staticmethod
    def forward(ctx, a, b):
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved
        xp = ctx.xp
        need_a, need_b = ctx.needs_input_grad
        base, exponent = constant(a), constant(b)
        grad_a = grad_b = None
        if need_a:
            grad_a = grad * b * a ** (b - 1)
            undefined = (exponent == 0) & (base == 0)  # 0·0^-1 would be NaN; d(a^0)/da = 0, as torch masks it
            if undefined.any():  # mask only there: elsewhere b·a^(b-1) keeps its derivative in b for second order
                grad_a = xp.where(undefined, 0, grad_a)
        if need_b:
            # d(a^b)/db = a^b log a; 0 where a == 0 (the limit for b > 0), NaN for a < 0 as in PyTorch
            log_a = xp.log(xp.where(base > 0, a, 1))
            infinite = (base == 0) & (exponent < 0)
            if infinite.any():  # 0^b = ±Inf for b < 0 ((-0.0)^-1 = -Inf), and torch's ±Inf·log 0 gives ∓Inf
                log_a = xp.where(infinite, -np.inf, log_a)  # a factor, not a branch: no 0·Inf in second order
            grad_b = xp.where(base < 0, np.nan, grad * out * log_a)
        return grad_a, grad_b


# ----- transcendental ---------------------------------------------------------------------
class Exp(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * out


class Log(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad / x


class Sqrt(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad / (2 * out)


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        x = constant(x)
        # sign(0) = 0: the subgradient abs'(0) = 0; and 0 at NaN (not NaN), as PyTorch's sgn
        return grad * ((x > 0).astype(x.dtype) - (x < 0))


class Sin(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * ctx.xp.cos(x)


class Cos(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return -grad * ctx.xp.sin(x)


# ----- activations whose derivative comes cheapest from the output ------------------------
class Tanh(Function):
    analytic = True

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * (1 - out * out)  # tanh' = 1 - y²


def sigmoid_array(x: np.ndarray) -> np.ndarray:
    """The sigmoid op's forward on an array (nn's fused Linear + Sigmoid runs this very code)."""
    # e^min(x,0) / (1 + e^-|x|): exponents never positive, so ±1000 give exact 0 and 1 without
    # warnings, and no masks (np.where is slow on random masks)
    out = np.exp(np.minimum(x, 0))
    out /= 1 + np.exp(-np.abs(x))
    return out


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        out = sigmoid_array(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * out * (1 - out)  # sigmoid' = y(1 - y)


class Relu(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved
        return grad * (constant(out) != 0)  # relu'(0) = 0; 1 at NaN (out is NaN there), as PyTorch's


# ----- selection --------------------------------------------------------------------------
class Maximum(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = np.maximum(a, b)
        ctx.share_a, ctx.share_b = _shares(a > b, a, b, out, np.result_type(a, b))
        return out

    @staticmethod
    def backward(ctx, grad):
        return _shared(ctx, grad)


class Minimum(Function):
    @staticmethod
    def forward(ctx, a, b):
        out = np.minimum(a, b)
        ctx.share_a, ctx.share_b = _shares(a < b, a, b, out, np.result_type(a, b))
        return out

    @staticmethod
    def backward(ctx, grad):
        return _shared(ctx, grad)


def _shared(ctx, grad) -> tuple:
    """maximum/minimum's backward: the gradient split by the shares forward computed."""
    need_a, need_b = ctx.needs_input_grad
    share_b = 1 - ctx.share_a if ctx.share_b is None else ctx.share_b
    return (grad * ctx.share_a if need_a else None), (grad * share_b if need_b else None)


class Clip(Function):
    """min(max(x, lo), hi), differentiable in x and in array bounds, with PyTorch's clamp conventions."""

    @staticmethod
    def forward(ctx, x, lo, hi, lower=True, upper=True):
        # the gradient passes to x where lo <= x <= hi, bounds included; to lo where x < lo (and lo < hi
        # when there is an upper bound); to hi where x > hi (or hi < lo: the result is then hi), as
        # PyTorch's clamp, clamp_min and clamp_max. `lower`/`upper`: whether lo/hi were given (else ±Inf)
        ctx.inside = (x >= lo) & (x <= hi)
        ctx.below = (x < lo) & (lo < hi) if upper else x < lo
        ctx.above = (x > hi) | (hi < lo) if lower else x > hi
        return np.minimum(np.maximum(x, lo), hi)  # not np.clip: it keeps x's NaN only in some versions

    @staticmethod
    def backward(ctx, grad):
        need_x, need_lo, need_hi = ctx.needs_input_grad
        return (grad * ctx.inside if need_x else None, grad * ctx.below if need_lo else None,
                grad * ctx.above if need_hi else None)


class Where(Function):
    analytic = True
    differentiable_inputs = (1, 2)

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = condition.astype(bool, copy=False)
        return np.where(ctx.condition, a, b)

    @staticmethod
    def backward(ctx, grad):
        xp, condition = ctx.xp, ctx.condition
        _, need_a, need_b = ctx.needs_input_grad
        return (None,
                xp.where(condition, grad, 0) if need_a else None,
                xp.where(condition, 0, grad) if need_b else None)


class Cast(Function):
    @staticmethod
    def forward(ctx, x, dtype=None):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad  # the engine casts the gradient back to the input's dtype
