"""Weight initializers with `torch.nn.init`'s names and formulas; each fills a tensor in place.

Every function takes a Tensor (or Parameter, or ndarray), overwrites its values without changing
its shape or dtype, and returns it. Random ones take `generator` (a numpy Generator or an int
seed); left as None they draw from the default generator that `nn.manual_seed` reseeds.
"""
from __future__ import annotations

import math

import numpy as np

from autograd import Tensor

from .seeding import resolve_generator

__all__ = [
    "calculate_gain", "zeros_", "ones_", "constant_", "uniform_", "normal_", "small_random_",
    "large_random_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "fan_in_and_fan_out", "init_biases_", "zeros", "ones", "constant", "uniform", "normal", "small_random",
    "large_random",
    "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "init_biases",
]

_LINEAR_GAIN_NAMES = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                      "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """PyTorch's recommended gain for a nonlinearity (tanh 5/3, relu √2, leaky_relu √(2/(1+a²)), selu 3/4)."""
    if nonlinearity in _LINEAR_GAIN_NAMES:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4  # the value PyTorch chose for self-normalizing networks
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _array(tensor) -> np.ndarray:
    array = tensor.data if isinstance(tensor, Tensor) else tensor
    if not isinstance(array, np.ndarray):
        raise TypeError(f"nn.init: expected a Tensor or ndarray to fill in place, got {type(tensor).__name__}")
    return array


def fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight laid out (out, in, *kernel) as in PyTorch."""
    shape = _array(tensor).shape
    if len(shape) < 2:
        raise ValueError(f"nn.init: fan in and fan out need a tensor of 2 or more dimensions, got shape {shape}")
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _fan(tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"nn.init: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


# ----- constants --------------------------------------------------------------------------
def constant_(tensor, val: float) -> Tensor | np.ndarray:
    """Fill with `val`."""
    _array(tensor).fill(val)
    return tensor


def zeros_(tensor) -> Tensor | np.ndarray:
    """Fill with 0."""
    return constant_(tensor, 0.0)


def ones_(tensor) -> Tensor | np.ndarray:
    """Fill with 1."""
    return constant_(tensor, 1.0)


# ----- plain random -----------------------------------------------------------------------
def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor | np.ndarray:
    """Fill with samples of U(a, b)."""
    array = _array(tensor)
    array[...] = resolve_generator(generator).uniform(a, b, size=array.shape)
    return tensor


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor | np.ndarray:
    """Fill with samples of N(mean, std²)."""
    array = _array(tensor)
    array[...] = resolve_generator(generator).normal(mean, std, size=array.shape)
    return tensor


def small_random_(tensor, scale: float = 0.01, generator=None) -> Tensor | np.ndarray:
    """The lectures' "small random" init: N(0, 1) × 0.01 (symmetric, but signals shrink layer by layer)."""
    return normal_(tensor, 0.0, scale, generator)


def large_random_(tensor, scale: float = 1.0, generator=None) -> Tensor | np.ndarray:
    """The lectures' "large random" init: N(0, 1) × 1 (saturates tanh/sigmoid units in wide layers)."""
    return normal_(tensor, 0.0, scale, generator)


# ----- scaled by fan (Glorot & Bengio 2010; He et al. 2015) -------------------------------
def xavier_uniform_(tensor, gain: float = 1.0, generator=None) -> Tensor | np.ndarray:
    """Glorot uniform: U(-a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None) -> Tensor | np.ndarray:
    """Glorot normal: N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor | np.ndarray:
    """He uniform: U(-b, b) with b = gain·√(3 / fan), gain = calculate_gain(nonlinearity, a)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std  # a uniform on [-b, b] has std b/√3
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor | np.ndarray:
    """He normal: N(0, std²) with std = gain / √fan."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


# ----- whole models -----------------------------------------------------------------------
def init_biases_(model, value: float = 0.01) -> Tensor | np.ndarray:
    """Set every bias of `model` (parameters named `bias`) to `value`; a small positive bias keeps
    ReLU units active at the start of training. Returns the model."""
    found = False
    for name, parameter in model.named_parameters():
        if name == "bias" or name.endswith(".bias"):
            constant_(parameter, value)
            found = True
    if not found:
        raise ValueError(f"init_biases_: {type(model).__name__} has no parameter named 'bias'")
    return model


# Aliases without the trailing underscore (the old PyTorch names).
zeros, ones, constant, uniform, normal = zeros_, ones_, constant_, uniform_, normal_
small_random, large_random = small_random_, large_random_
xavier_uniform, xavier_normal = xavier_uniform_, xavier_normal_
kaiming_uniform, kaiming_normal = kaiming_uniform_, kaiming_normal_
init_biases = init_biases_
