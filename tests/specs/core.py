"""Specs of the core ops (autograd.ops): one or more per registered op, with domains and kinks.

Inputs come from the public strategies in ``autograd.testing.strategies``, the ones users get.
"""
import math

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import Case, OpSpec, register_spec
from autograd.testing import strategies as gst

TIE_MARGIN = 1e-2


def _untie(a: np.ndarray, b: np.ndarray, margin: float = TIE_MARGIN) -> np.ndarray:
    """`b` moved so no broadcast pair (a, b) is closer than `margin` (away from maximum's tie kink)."""
    b = np.array(b, dtype=np.float64)
    for _ in range(20):
        near = np.abs(np.broadcast_arrays(a, b)[0] - np.broadcast_arrays(a, b)[1]) < margin
        if not near.any():
            return b
        b = b + 2.5 * margin * ag.unbroadcast(near, b.shape).astype(bool)
    assume(False)  # pathological draw: let Hypothesis pick another
    return b


def _untie_from_all(b: np.ndarray, others) -> np.ndarray:
    """`b` moved until it is `TIE_MARGIN` apart from every array of `others` (moving it away from one
    can move it onto another)."""
    for _ in range(20):
        moved = b
        for a in others:
            moved = _untie(a, moved)
        if np.array_equal(moved, b):
            return b
        b = moved
    assume(False)  # pathological draw: let Hypothesis pick another
    return b


def _bools(draw, shape) -> np.ndarray:
    return np.array(draw(st.lists(st.booleans(), min_size=math.prod(shape), max_size=math.prod(shape))),
                    dtype=bool).reshape(shape)


# ----- elementwise, one input -------------------------------------------------------------
def unary(name, fn, reference, domain="real", kinks=(), label="", **options):
    def sample(draw):
        return Case((draw(gst.arrays(domain=domain, kinks=kinks)),))
    return register_spec(OpSpec(name, fn, sample, reference, kinks=kinks, label=label, **options))


unary("neg", ag.neg, np.negative)
unary("clone", ag.clone, np.copy)
unary("exp", ag.exp, np.exp)
unary("log", ag.log, np.log, domain="positive")
unary("sqrt", ag.sqrt, np.sqrt, domain="positive")
unary("abs", ag.abs, np.abs, kinks=(0.0,))
unary("sin", ag.sin, np.sin)
unary("cos", ag.cos, np.cos)
unary("tanh", ag.tanh, np.tanh)
unary("sigmoid", ag.sigmoid, lambda x: 1 / (1 + np.exp(-x)), domain=(-6.0, 6.0))
unary("relu", ag.relu, lambda x: np.maximum(x, 0), kinks=(0.0,))
unary("cast", lambda x: ag.astype(x, np.float32), lambda x: x.astype(np.float32),
      eps=1e-2, rtol=1e-3, atol=1e-5)  # the float32 result rounds: a larger step outruns the rounding


# ----- elementwise, two inputs with broadcasting ------------------------------------------
def binary(name, fn, reference, a_domain="real", b_domain="real", margin=TIE_MARGIN, untie=False, **options):
    def sample(draw):
        a_shape, b_shape = draw(gst.broadcastable_shapes(2))
        a = draw(gst.arrays(a_shape, domain=a_domain))
        b = draw(gst.arrays(b_shape, domain=b_domain, kink_margin=margin))
        return Case((a, _untie(a, b) if untie else b))
    return register_spec(OpSpec(name, fn, sample, reference, **options))


def _tied_pair(draw):
    """maximum/minimum on ties: b equals a wherever a drawn mask says so."""
    shape = draw(gst.shapes())
    a = draw(gst.arrays(shape, ties=True))
    b = np.where(_bools(draw, shape), a, draw(gst.arrays(shape)))
    return Case((a, b))


binary("add", ag.add, np.add)
binary("sub", ag.sub, np.subtract)
binary("mul", ag.mul, np.multiply)
binary("div", ag.div, np.divide, b_domain="nonzero", margin=0.5)
binary("pow", ag.pow, np.power, a_domain=(0.5, 2.5), b_domain=(-2.0, 2.0))
binary("maximum", ag.maximum, np.maximum, untie=True, at_kinks=_tied_pair)
binary("minimum", ag.minimum, np.minimum, untie=True, at_kinks=_tied_pair)


def _scalar_operand(name, fn, reference, domain="real", constants=(0.5, 2.0, -1.5), label="scalar"):
    def sample(draw):
        return Case((draw(gst.arrays(domain=domain)),), {"constant": draw(st.sampled_from(constants))})
    return register_spec(OpSpec(name, fn, sample, reference, label=label))


_scalar_operand("sub", lambda x, constant: constant - x, lambda x, constant: constant - x)
_scalar_operand("div", lambda x, constant: constant / x, lambda x, constant: constant / x, domain=(0.5, 3.0))
_scalar_operand("pow", lambda x, constant: constant ** x, lambda x, constant: np.power(constant, x),
                constants=(0.5, 2.0, 3.0), label="rpow")


def _power_sample(draw):
    """tensor ** scalar: integer exponents on any real base, fractional ones on positive bases."""
    exponent = draw(st.sampled_from([2, 3, -1, 0.5, -1.5, 2.5]))
    domain = "positive" if exponent != int(exponent) or exponent < 0 else "real"
    return Case((draw(gst.arrays(domain=domain)),), {"exponent": exponent})


register_spec(OpSpec("pow", lambda x, exponent: x ** exponent, _power_sample,
                     lambda x, exponent: np.power(x, exponent), label="scalar"))


# ----- selection --------------------------------------------------------------------------
def _clip_sample(draw, on_bounds=False):
    lo = draw(st.one_of(st.none(), st.floats(-2.0, 0.0)))
    hi = draw(st.floats(0.5, 2.0)) if lo is None else draw(st.one_of(st.none(), st.floats(0.5, 2.0)))
    bounds = tuple(b for b in (lo, hi) if b is not None)
    x = draw(gst.arrays(kinks=bounds, hit_kinks=on_bounds))
    return Case((x,), {"lo": lo, "hi": hi})


register_spec(OpSpec("clip", lambda x, lo, hi: ag.clip(x, lo, hi), _clip_sample, lambda x, lo, hi: np.clip(x, lo, hi),
                     at_kinks=lambda draw: _clip_sample(draw, on_bounds=True)))


def _clip_tensor_bounds_sample(draw):
    """Array bounds that may widen the broadcast shape, apart from x and from each other (no kink)."""
    x_shape, lo_shape, hi_shape = draw(gst.broadcastable_shapes(3))
    x = draw(gst.arrays(x_shape))
    lo = _untie(x, draw(gst.arrays(lo_shape, domain=(-2.0, 0.0))))
    hi = _untie_from_all(draw(gst.arrays(hi_shape, domain=(-0.5, 2.0))), (x, lo))
    return Case((x, lo, hi))


register_spec(OpSpec("clip", ag.clip, _clip_tensor_bounds_sample, np.clip, label="tensor bounds"))


def _where_sample(draw):
    condition_shape, a_shape, b_shape = draw(gst.broadcastable_shapes(3))
    return Case((_bools(draw, condition_shape), draw(gst.arrays(a_shape)), draw(gst.arrays(b_shape))))


register_spec(OpSpec("where", ag.where, _where_sample, np.where, differentiable=(1, 2)))


# ----- linear algebra ---------------------------------------------------------------------
def _vector_matmul_sample(draw):
    k, n, batch = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["k,k", "k,kn", "nk,k", "k,bkn", "bnk,k"]))
    shapes = {"k,k": ((k,), (k,)), "k,kn": ((k,), (k, n)), "nk,k": ((n, k), (k,)),
              "k,bkn": ((k,), (batch, k, n)), "bnk,k": ((batch, n, k), (k,))}[kind]
    return Case(tuple(draw(gst.arrays(s)) for s in shapes))


def _batched_matmul_sample(draw):
    a_batch, b_batch = draw(gst.broadcastable_shapes(2, max_dims=2, max_side=3))
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    return Case((draw(gst.arrays(a_batch + (n, k))), draw(gst.arrays(b_batch + (k, m)))))


register_spec(OpSpec("matmul", ag.matmul, _vector_matmul_sample, np.matmul, label="vector"))
register_spec(OpSpec("matmul", ag.matmul, _batched_matmul_sample, np.matmul, label="batched"))

EINSUM_PATTERNS = ("ij,jk->ik", "ij,jk", "i,i->", "i,j->ij", "ii->i", "ii", "ij->", "ij->ji", "bij,bjk->bik",
                   "ij,ij->ij", "iij->j", "ijk,ik->j", "i,i,i->i", "...ij,...jk->...ik", "...i->...")


def _einsum_sample(draw):
    subscripts = draw(st.sampled_from(EINSUM_PATTERNS))
    sizes = {letter: draw(st.integers(1, 3)) for letter in sorted(set(subscripts) - set(",->."))}
    terms = subscripts.split("->")[0].split(",")
    batches = draw(gst.broadcastable_shapes(len(terms), max_dims=2, max_side=3))
    shared = {c for c in sizes if sum(c in t for t in terms) > 1}  # such axes may broadcast from size 1
    shapes = [(batch if "..." in t else ()) + tuple(1 if c in shared and draw(st.booleans()) else sizes[c]
                                                    for c in t.replace("...", ""))
              for t, batch in zip(terms, batches)]
    return Case(tuple(draw(gst.arrays(s)) for s in shapes), {"subscripts": subscripts})


register_spec(OpSpec("einsum", lambda *operands, subscripts: ag.einsum(subscripts, *operands), _einsum_sample,
                     lambda *operands, subscripts: np.einsum(subscripts, *operands)))


# ----- reductions -------------------------------------------------------------------------
def reduction(name, fn, reference, domain="real", min_gap=0.0, ddof=False, min_count=1, max_side=4, **options):
    def sample(draw, ties=False):
        shape = draw(gst.shapes(max_side=max_side))
        axis = draw(gst.axes(len(shape)))
        axes = range(len(shape)) if axis is None else [axis] if isinstance(axis, int) else axis
        count = math.prod(shape[a] for a in axes)
        assume(count >= min_count)
        x = draw(gst.arrays(shape, domain=domain, min_gap=0.0 if ties else min_gap, ties=ties))
        params = {"axis": axis, "keepdims": draw(st.booleans())}
        if ddof:
            params["ddof"] = draw(st.integers(0, 1)) if count > 1 else 0
        return Case((x,), params)
    at_kinks = (lambda draw: sample(draw, ties=True)) if name in ("max", "min") else None
    return register_spec(OpSpec(name, fn, sample, reference, at_kinks=at_kinks, **options))


reduction("sum", ag.sum, np.sum)
reduction("mean", ag.mean, np.mean)
reduction("max", ag.max, np.max, min_gap=TIE_MARGIN)
reduction("min", ag.min, np.min, min_gap=TIE_MARGIN)
reduction("prod", ag.prod, np.prod, domain=(-1.5, 1.5), max_side=3)
reduction("logsumexp", ag.logsumexp,
          lambda x, axis, keepdims: np.log(np.sum(np.exp(x), axis=axis, keepdims=keepdims)))
reduction("var", ag.var, np.var, ddof=True)
reduction("std", ag.std, np.std, ddof=True, min_gap=0.05, min_count=2)  # std is not differentiable at 0


# ----- shape ------------------------------------------------------------------------------
def _factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


def _reshape_sample(draw):
    shape = draw(gst.shapes())
    factors = draw(st.permutations(_factors(math.prod(shape)))) if math.prod(shape) > 1 else []
    cuts = sorted(draw(st.lists(st.integers(0, len(factors)), max_size=3)))
    bounds = [0, *cuts, len(factors)]
    target = [math.prod(factors[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return Case((draw(gst.arrays(shape)),), {"shape": tuple(target)})


register_spec(OpSpec("reshape", lambda x, shape: ag.reshape(x, shape), _reshape_sample,
                     lambda x, shape: np.reshape(x, shape)))


def _transpose_sample(draw):
    shape = draw(gst.shapes(max_dims=4))
    axes = draw(st.one_of(st.none(), st.permutations(range(len(shape)))))
    if axes is not None:
        axes = tuple(a - len(shape) if draw(st.booleans()) else a for a in axes)
    return Case((draw(gst.arrays(shape)),), {"axes": axes})


register_spec(OpSpec("transpose", lambda x, axes: ag.transpose(x, axes), _transpose_sample,
                     lambda x, axes: np.transpose(x, axes)))


def _expand_dims_sample(draw):
    shape = draw(gst.shapes())
    ndim = len(shape) + 1
    axis = draw(st.integers(-ndim, ndim - 1))
    return Case((draw(gst.arrays(shape)),), {"axis": axis})


register_spec(OpSpec("expand_dims", lambda x, axis: ag.expand_dims(x, axis), _expand_dims_sample,
                     lambda x, axis: np.expand_dims(x, axis)))


def _squeeze_sample(draw):
    shape = draw(gst.shapes(max_side=2))
    ones = [i for i, n in enumerate(shape) if n == 1]
    axis = None
    if ones and draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(ones), min_size=1, unique=True))
        axis = chosen[0] if len(chosen) == 1 else tuple(chosen)
    return Case((draw(gst.arrays(shape)),), {"axis": axis})


register_spec(OpSpec("squeeze", lambda x, axis: ag.squeeze(x, axis), _squeeze_sample,
                     lambda x, axis: np.squeeze(x, axis)))


def _broadcast_to_sample(draw):
    target = draw(gst.shapes(max_dims=4))
    kept = draw(st.integers(0, len(target)))
    shape = tuple(1 if draw(st.booleans()) else n for n in target[len(target) - kept:])
    return Case((draw(gst.arrays(shape)),), {"shape": target})


register_spec(OpSpec("broadcast_to", lambda x, shape: ag.broadcast_to(x, shape), _broadcast_to_sample,
                     lambda x, shape: np.broadcast_to(x, shape)))


def _getitem_sample(kind):
    def sample(draw):
        shape = draw(gst.shapes(min_dims=0 if kind == "basic" else 1))
        index = draw(gst.index_expressions(shape, kinds=(kind,)))
        return Case((draw(gst.arrays(shape)),), {"index": index})
    return sample


for _kind in ("basic", "integer", "boolean"):
    register_spec(OpSpec("getitem", lambda x, index: x[index], _getitem_sample(_kind),
                         lambda x, index: x[index], label=_kind))


def _index_add_reference(grad, index, shape):
    out = np.zeros(shape)
    np.add.at(out, index, np.broadcast_to(grad, out[index].shape))  # add.at mis-broadcasts in NumPy 2.4
    return out


def _index_add_sample(draw):
    shape = draw(gst.shapes(min_dims=1))
    index = draw(gst.index_expressions(shape))
    target = np.zeros(shape)[index].shape
    kept = draw(st.integers(0, len(target)))  # a smaller grad broadcasts into the indexed places
    grad_shape = tuple(1 if draw(st.booleans()) else n for n in target[len(target) - kept:])
    return Case((draw(gst.arrays(grad_shape)),), {"index": index, "shape": shape})


register_spec(OpSpec("index_add", lambda grad, index, shape: ag.index_add(grad, index, shape), _index_add_sample,
                     _index_add_reference))


def _join_sample(stack):
    def sample(draw):
        count = draw(st.integers(1, 3))
        shape = draw(gst.shapes(min_dims=0 if stack else 1))
        ndim = len(shape) + (1 if stack else 0)
        axis = draw(st.integers(-ndim, ndim - 1))
        shapes = [shape] * count
        if not stack:  # concatenated arrays may differ along the axis
            shapes = [shape[:axis % ndim] + (draw(st.integers(1, 3)),) + shape[axis % ndim + 1:] for _ in shapes]
        return Case(tuple(draw(gst.arrays(s)) for s in shapes), {"axis": axis})
    return sample


register_spec(OpSpec("concatenate", lambda *xs, axis: ag.concatenate(xs, axis), _join_sample(stack=False),
                     lambda *xs, axis: np.concatenate(xs, axis)))
register_spec(OpSpec("stack", lambda *xs, axis: ag.stack(xs, axis), _join_sample(stack=True),
                     lambda *xs, axis: np.stack(xs, axis)))


def _pad_sample(draw):
    shape = draw(gst.shapes())
    width = st.integers(0, 2)
    form = draw(st.sampled_from(["int", "pair", "per-axis"] if shape else ["int", "pair"]))  # NumPy rejects ()
    if form == "int":
        pad_width = draw(width)
    elif form == "pair":
        pad_width = (draw(width), draw(width))
    else:
        pad_width = tuple((draw(width), draw(width)) for _ in shape)
    return Case((draw(gst.arrays(shape)),), {"pad_width": pad_width, "constant_values": draw(st.floats(-2, 2))})


register_spec(OpSpec("pad", lambda x, pad_width, constant_values: ag.pad(x, pad_width, constant_values), _pad_sample,
                     lambda x, pad_width, constant_values: np.pad(x, pad_width, constant_values=constant_values)))
