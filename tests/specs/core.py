"""Specs of the core ops (autograd.ops)."""
import numpy as np
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import Case, OpSpec, register_spec


def _array(draw, shape, lo=-3.0, hi=3.0, avoid=(), margin=1e-2):
    values = draw(st.lists(st.floats(lo, hi, allow_nan=False, allow_infinity=False),
                           min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    array = np.array(values, dtype=np.float64).reshape(shape)
    for k in avoid:
        near = np.abs(array - k) < margin
        array[near] = k + margin * np.where(array[near] >= k, 1.5, -1.5)
    return array


def _shape(draw, min_dims=0, max_dims=3, max_side=4):
    return tuple(draw(st.lists(st.integers(1, max_side), min_size=min_dims, max_size=max_dims)))


def unary(name, fn, reference, lo=-3.0, hi=3.0, kinks=()):
    def sample(draw):
        return Case((_array(draw, _shape(draw), lo, hi, kinks),))
    return register_spec(OpSpec(name, fn, sample, reference, kinks=kinks))


unary("exp", ag.exp, np.exp)
unary("log", ag.log, np.log, lo=0.1, hi=5.0)
unary("relu", ag.relu, lambda x: np.maximum(x, 0), kinks=(0.0,))
