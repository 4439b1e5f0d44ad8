"""Numerical derivative oracles, each returning a value and an estimate of its own error.

Both oracles compute a directional derivative ``J @ direction`` of ``evaluate`` (arrays -> flat
output vector) with respect to one input array:

- central differences in float64, Richardson-extrapolated from two step sizes ``h`` and ``2h``;
  the difference between the two estimates bounds the truncation and rounding error;
- the complex step ``Im f(x + ih) / h``, exact to machine precision for functions whose forward
  is holomorphic (ops that declare ``analytic = True``), since no subtraction cancels digits.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

MACHINE_EPSILON = float(np.finfo(np.float64).eps)
COMPLEX_STEP = 1e-20  # far below any float64 digit of x: the step never rounds into the real part
COMPLEX_CHECK_STEP = 1e-8  # a second, still tiny step whose estimate should agree to rounding


def _step(array: np.ndarray, direction: np.ndarray, eps: float) -> float:
    """A step of size `eps` relative to the largest entry of `array` that `direction` moves."""
    moved = np.abs(array[direction != 0]) if array.ndim else np.abs(array)
    scale = max(1.0, float(moved.max())) if moved.size else 1.0
    return eps * scale


def _moved(arrays: Sequence[np.ndarray], index: int, delta: np.ndarray) -> list[np.ndarray]:
    moved = list(arrays)
    moved[index] = np.asarray(arrays[index] + delta)  # 0-d + 0-d gives a NumPy scalar, not an array
    return moved


def central_difference(evaluate: Callable, arrays: Sequence[np.ndarray], index: int,
                       direction: np.ndarray, eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Derivative of `evaluate` along `direction` in input `index`, and its estimated error."""
    h = _step(arrays[index], direction, eps)
    plus, minus, plus2, minus2 = (evaluate(_moved(arrays, index, t * h * direction)) for t in (1, -1, 2, -2))
    near = (plus - minus) / (2 * h)
    far = (plus2 - minus2) / (4 * h)
    value = (4 * near - far) / 3  # Richardson: the h² terms cancel
    # |near - far| is 3x near's h² error (and includes rounding noise); the extrapolated value is better
    scale = np.maximum(np.maximum(np.abs(plus), np.abs(minus)), np.maximum(np.abs(plus2), np.abs(minus2)))
    error = np.abs(near - far) + 16 * MACHINE_EPSILON * scale / h
    return value, error


def complex_step(evaluate: Callable, arrays: Sequence[np.ndarray], index: int,
                 direction: np.ndarray, eps: float = COMPLEX_STEP) -> tuple[np.ndarray, np.ndarray]:
    """Complex-step derivative along `direction` in input `index`, and its estimated error.

    `evaluate` receives complex128 arrays (all inputs, so no gradient path casts the imaginary
    part away) and must return the complex output; only holomorphic forwards give the derivative.
    """
    complex_arrays = [np.asarray(a, dtype=np.complex128) for a in arrays]
    estimates = []
    for step in (eps, COMPLEX_CHECK_STEP):
        h = _step(arrays[index], direction, step)
        estimates.append(np.imag(evaluate(_moved(complex_arrays, index, 1j * h * direction))) / h)
    value, check = estimates
    error = np.abs(value - check) + 8 * MACHINE_EPSILON * np.abs(value)
    return value, error


def one_sided_differences(evaluate: Callable, arrays: Sequence[np.ndarray], index: int,
                          direction: np.ndarray, eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Derivatives from the left and from the right along `direction`, and their estimated error.

    Each side is extrapolated from steps h and 2h (the O(h) terms cancel); the gap between the
    plain and the extrapolated estimates is the error estimate.
    """
    h = _step(arrays[index], direction, eps)
    centre = evaluate(list(arrays))
    sides, errors = [], []
    for sign in (-1.0, 1.0):
        near = sign * (evaluate(_moved(arrays, index, sign * h * direction)) - centre) / h
        far = sign * (evaluate(_moved(arrays, index, 2 * sign * h * direction)) - centre) / (2 * h)
        sides.append(2 * near - far)
        errors.append(np.abs(near - far) + 16 * MACHINE_EPSILON * np.abs(centre) / h)
    left, right = sides
    return left, right, np.maximum(*errors)


ORACLES = {"central": central_difference, "complex": complex_step}


def numerical_gradient(fn: Callable, arrays: Sequence[ArrayLike], weights: np.ndarray,
                       eps: float = 1e-6) -> list[np.ndarray]:
    """Plain central-difference gradient of sum(weights * fn(*arrays)) w.r.t. every array (float64).

    Two evaluations per element and no error estimate: the textbook method (gradcheck is the
    careful one)."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    grads = []
    for a in arrays:
        grad = np.zeros_like(a)
        flat, grad_flat = a.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + eps
            plus = np.sum(weights * fn(*arrays))
            flat[i] = original - eps
            minus = np.sum(weights * fn(*arrays))
            flat[i] = original
            grad_flat[i] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads
