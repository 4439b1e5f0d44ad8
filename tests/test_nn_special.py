"""erf and erfc (nn/functional/special.py) against the C library's math.erf and math.erfc."""
import math

import numpy as np
import pytest

import nn.functional as F
from autograd import Tensor
from nn.functional.special import BLOCK, erf, erfc

# dense over every region of Cody's approximation and the underflow, then random points
POINTS = np.concatenate([np.linspace(-30.0, 30.0, 24001), np.random.default_rng(0).uniform(-7.0, 7.0, 6000),
                         np.geomspace(1e-300, 0.5, 400), -np.geomspace(1e-300, 0.5, 400)])


def _reference(function, x):
    return np.array([function(v) for v in x])


def test_erfc_relative_error_within_1e_14():
    assert POINTS.size > BLOCK  # several blocks, joined in order
    got, want = erfc(POINTS), _reference(math.erfc, POINTS)
    normal = want >= 1e-300
    relative = np.abs(got[normal] - want[normal]) / want[normal]
    assert relative.max() <= 1e-14, POINTS[normal][np.argmax(relative)]
    # below 1e-300 only the float64 grain of subnormals is left: absolute agreement
    assert np.abs(got[~normal] - want[~normal]).max() <= 1e-300


def test_erf_absolute_error():
    got, want = erf(POINTS), _reference(math.erf, POINTS)
    # 4e-16 is under 2 ulp of 1: near |x| = 0.5 ours and the C library's each err by up to an ulp
    assert np.abs(got - want).max() <= 4e-16
    tiny = np.abs(POINTS) < 0.46875  # and relative precision down to the smallest x
    assert (np.abs(got[tiny] - want[tiny]) <= 5e-16 * np.abs(want[tiny])).all()


def test_monotonic_and_symmetric():
    x = np.linspace(-8.0, 8.0, 20001)
    assert (np.diff(erf(x)) >= 0).all() and (np.diff(erfc(x)) <= 0).all()
    assert np.array_equal(erf(-x), -erf(x))
    assert np.abs(erfc(-x) + erfc(x) - 2).max() <= 4.5e-16


@pytest.mark.parametrize("value, erf_value, erfc_value", [
    (0.0, 0.0, 1.0), (np.inf, 1.0, 0.0), (-np.inf, -1.0, 2.0), (40.0, 1.0, 0.0), (-40.0, -1.0, 2.0)])
def test_special_values(value, erf_value, erfc_value):
    assert erf(value) == erf_value and erfc(value) == erfc_value


def test_nan_and_signed_zero():
    assert np.isnan(erf(np.nan)) and np.isnan(erfc(np.nan))
    assert np.signbit(erf(-0.0)) and not np.signbit(erf(0.0))


def test_dtype_and_shape_kept():
    x32 = np.linspace(-5, 5, 12, dtype=np.float32).reshape(3, 4)
    for function, reference in [(erf, math.erf), (erfc, math.erfc)]:
        out = function(x32)
        assert out.dtype == np.float32 and out.shape == (3, 4)
        want = _reference(reference, x32.astype(np.float64).ravel()).astype(np.float32).reshape(3, 4)
        assert np.array_equal(out, want)  # float64 inside, one rounding to float32
    assert erfc(np.arange(3)).dtype == np.float64
    assert erf(np.float32(0.5)).shape == () and erf(np.zeros((0, 3))).shape == (0, 3)


def test_gelu_left_tail_keeps_relative_precision():
    x = np.array([-8.0, -15.0, -25.0, -37.0])
    # Φ(x) = erfc(-x/√2)/2, with the argument rounded as gelu rounds it (x² amplifies that rounding)
    want = [v * math.erfc(v * -math.sqrt(0.5)) / 2 for v in x]
    np.testing.assert_allclose(F.gelu(Tensor(x)).data, want, rtol=1e-14)
