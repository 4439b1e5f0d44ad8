"""Run PyTorch's own OpInfo sample inputs through gradsight: forward, first order and second order.

How to run (PyTorch lives in its own virtual environment, made by `python benchmarks/setup_envs.py torch`,
which also installs `expecttest`, a module torch's test helpers import; gradsight never imports torch)::

    PYTHONPATH=. benchmarks/.envs/torch/bin/python tools/opinfo_check.py            # every mapped op
    PYTHONPATH=. benchmarks/.envs/torch/bin/python tools/opinfo_check.py -k softmax # names containing it
    PYTHONPATH=. benchmarks/.envs/torch/bin/python tools/opinfo_check.py -v         # print each disagreement

For every OpInfo in ``torch.testing._internal.common_methods_invocations.op_db`` that has a gradsight
counterpart (the table ADAPTERS below), each float64 reference input (``op.reference_inputs``: the
sample inputs plus PyTorch's edge cases) is run by both libraries:
- forward: the values agree (NaN and ±Inf at the same places);
- first order: the vector-Jacobian product for a seeded random cotangent, for every floating input;
- second order: the gradient of (first-order gradients · seeded random weights), through
  create_graph=True in both libraries.
Samples that rely on a documented NumPy-over-PyTorch difference (axis 0 of a 0-d tensor, squeeze of an
axis whose size is not 1, negative padding, torch.cat's legacy skipping of 1-d empty tensors, sign(NaN)) are
counted as 'numpy semantics', not run.
Prints a per-op table and a summary; exits 1 when any sample disagrees or gradsight raises.
"""
from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
import torch
from torch.testing._internal.common_methods_invocations import op_db

import autograd as ag
import nn.functional as F

RTOL, ATOL = 1e-7, 1e-9


class NumpySemantics(Exception):
    """The sample relies on a PyTorch rule that gradsight replaces with NumPy's (documented)."""


def _has_nan(values) -> bool:
    return any(np.isnan(v).any() for v in values)


def _pow_second_order_undefined(values) -> bool:
    base, exponent = np.broadcast_arrays(*values[:2]) if len(values) > 1 else (values[0], None)
    return exponent is not None and bool(((exponent == 0) | (base <= 0)).any())


# deliberate differences documented in docs/subgradients.md: (op, failing order) -> (test on inputs, reason)
DOCUMENTED = {
    ("nn.functional.elu", "first order"): (_has_nan, "elu at NaN: NaN (torch's vector and scalar kernels differ)"),
    ("nn.functional.selu", "first order"): (_has_nan, "selu at NaN: NaN (torch's vector and scalar kernels differ)"),
    ("pow", "second order"): (_pow_second_order_undefined,
                              "pow's second order at b = 0 (torch masks to 0) or a <= 0 (first order NaN/Inf)"),
}


# ----- argument translation (PyTorch names and conventions -> NumPy's) -------------------------------
def _axes(dim, ndim=None):
    """torch's dim (None, int, or a list where [] means every axis) as a NumPy axis."""
    if dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0):
        return None
    if ndim == 0:
        raise NumpySemantics("axis 0 (or -1) of a 0-d tensor")
    return tuple(dim) if isinstance(dim, (list, tuple)) else dim


def _reduction(op):
    def call(x, dim=None, keepdim=False, dtype=None):
        return op(x, axis=_axes(dim, x.ndim), keepdims=keepdim)
    return call


def _dispersion(op):
    def call(x, *args, dim=None, unbiased=None, correction=None, keepdim=False):
        for a in args:  # var(x, unbiased) or var(x, dim, unbiased, keepdim) in old-style samples
            if isinstance(a, bool):
                unbiased = a
            elif dim is None:
                dim = a
        ddof = correction if correction is not None else (0 if unbiased is False else 1)
        return op(x, axis=_axes(dim, x.ndim), ddof=ddof, keepdims=keepdim)
    return call


def _with_dim(op):
    def call(x, dim=None, keepdim=False):
        return op(x, axis=_axes(dim, x.ndim), keepdims=keepdim)
    return call


def _transpose(x, dim0, dim1):
    if x.ndim == 0:
        raise NumpySemantics("axis 0 of a 0-d tensor")
    return ag.swapaxes(x, dim0, dim1)


def _permute(x, *dims):
    dims = dims[0] if len(dims) == 1 and isinstance(dims[0], (list, tuple)) else dims
    if x.ndim == 0 and len(dims):
        raise NumpySemantics("axis 0 of a 0-d tensor")
    return ag.transpose(x, tuple(dims))


def _squeeze(x, dim=None):
    if dim is None:
        return ag.squeeze(x)
    dims = tuple(dim) if isinstance(dim, (list, tuple)) else (dim,)
    if x.ndim == 0:
        raise NumpySemantics("axis 0 of a 0-d tensor")
    if any(x.shape[d] != 1 for d in dims):
        raise NumpySemantics("squeeze of an axis whose size is not 1")
    return ag.squeeze(x, dims)


def _unsqueeze(x, dim):
    return ag.expand_dims(x, dim)


def _flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return ag.reshape(x, (1,))
    return ag.flatten(x, start_dim, end_dim)


def _expand(x, *sizes):
    sizes = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (list, tuple, torch.Size)) else sizes
    lead = len(sizes) - x.ndim
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    return ag.broadcast_to(x, shape)


def _split(x, split_size_or_sections, dim=0):
    size = x.shape[dim]
    if isinstance(split_size_or_sections, int):  # torch: a chunk size; NumPy: a number of sections
        bounds = list(range(split_size_or_sections, size, split_size_or_sections)) if split_size_or_sections else []
    else:
        bounds = list(np.cumsum(split_size_or_sections)[:-1])
    return tuple(ag.split(x, bounds, axis=dim))


def _pad_constant(x, pad, mode="constant", value=0.0):
    if any(p < 0 for p in pad):
        raise NumpySemantics("negative padding")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):  # torch lists (before, after) pairs from the last axis backwards
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return ag.pad(x, widths, constant_values=value or 0.0)


def _softmax(op):
    def call(x, dim, dtype=None, **unused):
        if dtype is not None and dtype != torch.float64:
            return op(ag.astype(x, np.dtype(str(dtype).removeprefix("torch."))), axis=dim)
        return op(x, axis=dim)
    return call


def _binary(op):
    def call(x, y, alpha=None, rounding_mode=None):
        if alpha is not None:
            y = y * alpha
        return op(x, y)
    return call


def _no_legacy_empty(tensors):
    if len({t.ndim for t in tensors}) > 1 and any(t.shape == (0,) for t in tensors):
        raise NumpySemantics("torch.cat skips 1-d empty tensors of any other rank (a legacy rule)")
    return tensors


def _no_nan(name: str, x) -> None:
    if np.isnan(x.data).any():
        raise NumpySemantics(f"{name}(NaN) is NaN, as in NumPy (torch gives 0)")


def _clamp(x, min=None, max=None):
    return ag.clip(x, min, max)


def _where(x, condition, other):
    return ag.where(condition, x, other)


class UnsupportedOption(Exception):
    """The sample uses an option gradsight's op does not have (counted, not run)."""


def _without(name: str, **options) -> None:
    used = sorted(k for k, v in options.items() if v is not None and v is not False and v != 0.0)
    if used:
        raise UnsupportedOption(f"{name}: {', '.join(used)}")


def _index(x, index):
    return ag.getitem(x, index)


def _chunk(x, chunks, dim=0):
    size = x.shape[dim]
    step = -(-size // chunks) if chunks else size
    return tuple(ag.split(x, list(range(step, size, step)) if step else [], axis=dim))


def _tensor_split(x, indices_or_sections, dim=0):
    if isinstance(indices_or_sections, int):  # sections of sizes differing by at most one (NumPy's array_split)
        size, sections = x.shape[dim], indices_or_sections
        sizes = [size // sections + (1 if i < size % sections else 0) for i in range(sections)]
        return tuple(ag.split(x, list(np.cumsum(sizes)[:-1]), axis=dim))
    if isinstance(indices_or_sections, ag.Tensor):
        indices_or_sections = indices_or_sections.data.tolist()
        if isinstance(indices_or_sections, int):  # a 0-d tensor: a number of sections
            return _tensor_split(x, indices_or_sections, dim)
    return tuple(ag.split(x, list(indices_or_sections), axis=dim))


def _side_split(axis):
    def call(x, indices_or_sections):
        split_axis = 0 if (axis == 1 and x.ndim == 1) else axis
        if isinstance(indices_or_sections, int):
            return tuple(ag.split(x, indices_or_sections, axis=split_axis))
        return tuple(ag.split(x, list(indices_or_sections), axis=split_axis))
    return call


def _movedim(x, source, destination):
    source = [source] if isinstance(source, int) else list(source)
    destination = [destination] if isinstance(destination, int) else list(destination)
    if x.ndim == 0:
        raise NumpySemantics("axis 0 of a 0-d tensor")
    source = [s % x.ndim for s in source]
    destination = [d % x.ndim for d in destination]
    order = [a for a in range(x.ndim) if a not in source]
    for d, s in sorted(zip(destination, source)):
        order.insert(d, s)
    return ag.transpose(x, tuple(order))


def _flip(x, dims):
    dims = [dims] if isinstance(dims, int) else dims
    if x.ndim == 0:
        raise NumpySemantics("axis 0 of a 0-d tensor") if dims else None
    index = [slice(None)] * x.ndim
    for d in dims:
        index[d] = slice(None, None, -1)
    return ag.getitem(x, tuple(index))


def _narrow(x, dim, start, length):
    start = int(start.item()) if isinstance(start, ag.Tensor) else start
    start %= max(x.shape[dim], 1)  # torch counts a negative start from the end
    index = [slice(None)] * x.ndim
    index[dim] = slice(start, start + length)
    return ag.getitem(x, tuple(index))


def _select(x, dim, index):
    where = [slice(None)] * x.ndim
    where[dim] = index
    return ag.getitem(x, tuple(where))


def _index_select(x, dim, index):
    if x.ndim == 0:
        raise NumpySemantics("axis 0 of a 0-d tensor")
    where = [slice(None)] * x.ndim
    where[dim] = index.data
    return ag.getitem(x, tuple(where))


def _loss(op, *names):
    """A loss taking (input, target, <names>..., reduction=); torch's deprecated size_average/reduce refused."""
    def call(input, target, *args, reduction="mean", size_average=None, reduce=None, **options):
        _without(op.__name__, size_average=size_average, reduce=reduce)
        known = {k: options.pop(k) for k in list(options) if k in names}
        _without(op.__name__, **options)
        return op(input, target, *args, reduction=reduction, **known)
    return call


def _cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0, **options):
    _without("cross_entropy", label_smoothing=label_smoothing, **options)
    return F.cross_entropy(input, target, weight=weight, ignore_index=ignore_index, reduction=reduction)


def _nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean", **options):
    _without("nll_loss", **options)
    return F.nll_loss(input, target, weight=weight, ignore_index=ignore_index, reduction=reduction)


def _batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
                eps=1e-5):
    if input.ndim not in (2, 3):
        raise UnsupportedOption(f"batch_norm of a {input.ndim}-d input (gradsight: (N, C) and (N, C, L))")
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def _inner(a, b):
    """torch.inner: the sum over the last axis of both (a product for a 0-d operand)."""
    if a.ndim == 0 or b.ndim == 0:
        return ag.mul(a, b)
    letters_a, letters_b = "abcdefgh"[:a.ndim - 1], "mnopqrst"[:b.ndim - 1]
    return ag.einsum(f"{letters_a}z,{letters_b}z->{letters_a}{letters_b}", a, b)


def _values_only(op):
    """Ops returning (values, indices) in torch: compare the values."""
    def call(x, dim=None, keepdim=False):
        if dim is None:
            return op(x)
        return (op(x, axis=_axes(dim, x.ndim), keepdims=keepdim),)
    return call


# OpInfo name (with variant) -> gradsight call on the sample (tensors already gradsight Tensors)
ADAPTERS = {
    "abs": ag.abs, "exp": ag.exp, "log": ag.log, "sqrt": ag.sqrt, "sin": ag.sin, "cos": ag.cos,
    "tanh": ag.tanh, "sigmoid": ag.sigmoid, "neg": ag.neg,
    "add": _binary(ag.add), "sub": _binary(ag.sub), "mul": _binary(ag.mul),
    "div.no_rounding_mode": _binary(ag.div), "pow": _binary(ag.pow),
    "maximum": ag.maximum, "minimum": ag.minimum, "max.binary": ag.maximum, "min.binary": ag.minimum,
    "clamp": _clamp, "where": _where,
    "sum": _reduction(ag.sum), "mean": _reduction(ag.mean), "prod": _reduction(ag.prod),
    "amax": _reduction(ag.max), "amin": _reduction(ag.min),
    "max.reduction_no_dim": ag.max, "min.reduction_no_dim": ag.min,
    "max.reduction_with_dim": _values_only(ag.max), "min.reduction_with_dim": _values_only(ag.min),
    "var": _dispersion(ag.var), "var.unbiased": _dispersion(ag.var),
    "std": _dispersion(ag.std), "std.unbiased": _dispersion(ag.std),
    "logsumexp": _with_dim(ag.logsumexp),
    "reshape": lambda x, *shape: ag.reshape(x, shape[0] if len(shape) == 1 else shape),
    "transpose": _transpose, "permute": _permute, "squeeze": _squeeze, "squeeze.multiple": _squeeze,
    "unsqueeze": _unsqueeze, "flatten": _flatten, "expand": _expand,
    "broadcast_to": lambda x, shape: ag.broadcast_to(x, shape),
    "cat": lambda tensors, dim=0: ag.concatenate(_no_legacy_empty(tensors), axis=dim),
    "stack": lambda tensors, dim=0: ag.stack(tensors, axis=dim),
    "split": _split, "split.list_args": _split,
    "matmul": ag.matmul, "mm": ag.matmul, "mv": ag.matmul, "dot": ag.matmul,
    "einsum": lambda operands, equation: ag.einsum(equation, *operands),
    "softmax": _softmax(F.softmax), "log_softmax": _softmax(F.log_softmax),
    "softmax.with_dtype": _softmax(F.softmax), "log_softmax.with_dtype": _softmax(F.log_softmax),
    "nn.functional.relu": lambda x, inplace=False: F.relu(x),
    "nn.functional.elu": lambda x, alpha=1.0, inplace=False: F.elu(x, alpha),
    "nn.functional.selu": lambda x, inplace=False: F.selu(x),
    "nn.functional.prelu": F.prelu,
    "nn.functional.leaky_relu": lambda x, negative_slope=0.01, inplace=False: F.leaky_relu(x, negative_slope),
    "nn.functional.silu": lambda x, inplace=False: F.silu(x),
    "nn.functional.gelu": lambda x, approximate="none": F.gelu(x, approximate),
    "nn.functional.softplus": lambda x, beta=1.0, threshold=20.0: F.softplus(x, beta, threshold),
    "nn.functional.pad.constant": _pad_constant,
    "sign": lambda x: _no_nan("sign", x) or ag.sign(x), "isnan": ag.isnan, "eq": ag.equal, "lt": ag.less,
    "logical_and": ag.logical_and,
    "T": lambda x: ag.transpose(x), "mT": lambda x: ag.swapaxes(x, -1, -2),
    "__getitem__": _index, "rsub": lambda x, y, alpha=None: ag.sub(y, x if alpha is None else x * alpha),
    "__rsub__": lambda x, y: ag.sub(y, x), "bmm": ag.matmul, "chunk": _chunk,
    "clamp_min": lambda x, lo: ag.clip(x, lo, None), "clamp_max": lambda x, hi: ag.clip(x, None, hi),
    "expand_as": lambda x, other: ag.broadcast_to(x, other.shape),
    "reshape_as": lambda x, other: ag.reshape(x, other.shape), "view_as": lambda x, other: ag.reshape(x, other.shape),
    "view": lambda x, *shape: ag.reshape(x, shape[0] if len(shape) == 1 else shape),
    "ravel": lambda x: ag.reshape(x, (-1,)), "flip": _flip,
    "fliplr": lambda x: _flip(x, [1]), "flipud": lambda x: _flip(x, [0]),
    "hsplit": _side_split(1), "vsplit": _side_split(0), "dsplit": _side_split(2),
    "tensor_split": _tensor_split, "movedim": _movedim, "narrow": _narrow, "select": _select,
    "index_select": _index_select, "square": lambda x: ag.mul(x, x), "true_divide": ag.div,
    "positive": lambda x: x, "special.ndtr": F.normal_cdf,
    "inner": _inner,
    "outer": lambda a, b: ag.einsum("i,j->ij", a, b),
    "nn.functional.linear": F.linear,
    "nn.functional.mse_loss": _loss(F.mse_loss), "nn.functional.l1_loss": _loss(F.l1_loss),
    "nn.functional.huber_loss": _loss(F.huber_loss, "delta"),
    "nn.functional.binary_cross_entropy": _loss(F.binary_cross_entropy, "weight"),
    "nn.functional.binary_cross_entropy_with_logits": _loss(F.binary_cross_entropy_with_logits, "weight",
                                                             "pos_weight"),
    "nn.functional.cross_entropy": _cross_entropy, "nn.functional.nll_loss": _nll_loss,
    "nn.functional.kl_div": _loss(F.kl_div, "log_target"),
    "nn.functional.multi_margin_loss": _loss(F.multi_margin_loss, "p", "margin", "weight"),
    "nn.functional.layer_norm": F.layer_norm, "nn.functional.batch_norm": _batch_norm,
    "argmax": lambda x, dim=None, keepdim=False: ag.argmax(x, _axes(dim, x.ndim), keepdim),
    "argmin": lambda x, dim=None, keepdim=False: ag.argmin(x, _axes(dim, x.ndim), keepdim),
}


# ----- running one sample ----------------------------------------------------------------------------
def _map(value, leaf):
    """The sample's structure with every torch tensor replaced by leaf(tensor)."""
    if isinstance(value, torch.Tensor):
        return leaf(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_map(v, leaf) for v in value)
    if isinstance(value, dict):
        return {k: _map(v, leaf) for k, v in value.items()}
    return value


def _outputs(result) -> list:
    return list(result) if isinstance(result, (list, tuple)) else [result]


def _differs(got, want) -> str | None:
    got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return f"shape {got.shape} vs torch {want.shape}"
    if not np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True):
        with np.errstate(invalid="ignore"):
            error = np.nanmax(np.abs(got - want)) if got.size else 0.0
        return f"max error {error:.3g}"
    return None


def samples_of(op) -> tuple[list, bool]:
    """The op's float64 reference inputs, and whether the sample marks its differentiable tensors itself
    (some generators cannot mark requires_grad, e.g. with integer tensors: then every float tensor is)."""
    try:
        return list(op.reference_inputs("cpu", torch.float64, requires_grad=True)), True
    except (ValueError, RuntimeError):
        return list(op.reference_inputs("cpu", torch.float64, requires_grad=False)), False


def run_sample(name: str, op, sample, rng, marked: bool = True) -> tuple[str, str]:
    """('agree' | 'agree, torch has no 2nd order' | 'numpy semantics' | 'documented' | 'unsupported option'
    | 'forward' | 'first order' | 'second order' | 'error' | 'torch refuses', detail)."""
    torch_leaves, gs_leaves = [], []

    def is_leaf(t) -> bool:  # the sample's own choice (not running stats, not labels) where it made one
        return t.requires_grad if marked else t.dtype.is_floating_point

    def torch_leaf(t):
        if is_leaf(t):
            t = t.detach().clone().requires_grad_(True)
            torch_leaves.append(t)
            return t
        return t.detach().clone()

    def gs_leaf(t):
        leaf = ag.tensor(t.detach().numpy().copy(), requires_grad=is_leaf(t))
        if is_leaf(t):
            gs_leaves.append(leaf)
        return leaf

    t_input, t_args, t_kwargs = _map(sample.input, torch_leaf), _map(sample.args, torch_leaf), _map(
        sample.kwargs, torch_leaf)
    g_input, g_args, g_kwargs = _map(sample.input, gs_leaf), _map(sample.args, gs_leaf), _map(sample.kwargs, gs_leaf)
    try:
        t_out = _outputs(op.op(t_input, *t_args, **t_kwargs))
    except Exception as error:  # torch refuses the sample itself (an error-input case)
        return "torch refuses", f"{type(error).__name__}"
    if any(o is NotImplemented for o in t_out):
        return "torch refuses", "NotImplemented"
    t_out = [o if isinstance(o, torch.Tensor) else torch.as_tensor(o) for o in t_out]
    try:
        g_out = _outputs(ADAPTERS[name](g_input, *g_args, **g_kwargs))
    except NumpySemantics as reason:
        return "numpy semantics", str(reason)
    except UnsupportedOption as reason:
        return "unsupported option", str(reason)
    except Exception as error:
        if "does not differentiate complex values" in str(error):
            return "documented", "a complex result of an input that requires grad is refused (docs/design.md)"
        return "error", f"{type(error).__name__}: {str(error)[:160]}"
    t_out = t_out[:len(g_out)]  # (values, indices): the values
    for got, want in zip(g_out, t_out):
        problem = _differs(got.data, want.detach().numpy())
        if problem:
            return "forward", problem
    differentiable = [i for i, o in enumerate(t_out) if o.requires_grad and o.dtype.is_floating_point]
    if not torch_leaves or not differentiable:
        return "agree", ""
    try:
        status, detail = _compare_gradients(t_out, g_out, differentiable, torch_leaves, gs_leaves, rng)
    except Exception as error:
        return "error", f"{type(error).__name__}: {str(error)[:160]}"
    applies, reason = DOCUMENTED.get((name, status), (None, ""))
    if applies is not None and applies([leaf.detach().numpy() for leaf in torch_leaves]):
        return "documented", reason
    return status, detail


def _compare_gradients(t_out, g_out, differentiable, torch_leaves, gs_leaves, rng) -> tuple[str, str]:
    cotangents = [rng.standard_normal(t_out[i].shape) for i in differentiable]
    # 0 * sum(leaf) keeps every leaf reachable in both libraries without changing any gradient
    t_loss = sum((t_out[i] * torch.from_numpy(v)).sum() for i, v in zip(differentiable, cotangents))
    t_loss = t_loss + sum((leaf * 0).sum() for leaf in torch_leaves)
    g_loss = sum((g_out[i] * v).sum() for i, v in zip(differentiable, cotangents))
    g_loss = g_loss + sum((leaf * 0).sum() for leaf in gs_leaves)
    try:
        t_first = torch.autograd.grad(t_loss, torch_leaves, create_graph=True)
    except RuntimeError as error:  # torch's own backward refuses (clamp bounds that widen the shape)
        return "torch refuses", f"{type(error).__name__}"
    g_first = ag.grad(g_loss, gs_leaves, create_graph=True)
    for got, want in zip(g_first, t_first):
        problem = _differs(got.data, want.detach().numpy())
        if problem:
            return "first order", problem
    weights = [rng.standard_normal(tuple(g.shape)) for g in t_first]
    t_inner = sum((g * torch.from_numpy(w)).sum() for g, w in zip(t_first, weights))
    t_inner = t_inner + sum((leaf * 0).sum() for leaf in torch_leaves)
    g_inner = sum((g * w).sum() for g, w in zip(g_first, weights))
    g_inner = g_inner + sum((leaf * 0).sum() for leaf in gs_leaves)
    try:
        t_second = torch.autograd.grad(t_inner, torch_leaves, allow_unused=True)
    except RuntimeError as error:  # torch has no second derivative of this op (multi_margin_loss)
        return "agree, torch has no 2nd order", f"{type(error).__name__}"
    g_second = ag.grad(g_inner, gs_leaves)
    for got, want, leaf in zip(g_second, t_second, torch_leaves):
        want = np.zeros(tuple(leaf.shape)) if want is None else want.detach().numpy()
        problem = _differs(got.data, want)
        if problem:
            return "second order", problem
    return "agree", ""


# ----- the table -------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only OpInfo names containing this")
    parser.add_argument("-v", action="store_true", help="print every disagreement and error")
    options = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    np.seterr(all="ignore")
    ag.set_default_dtype(np.float64)
    rows, failures = [], []
    for op in op_db:
        name = op.name + (f".{op.variant_test_name}" if op.variant_test_name else "")
        if name not in ADAPTERS or options.k not in name:
            continue
        rng = np.random.default_rng(20260612)
        counts: dict[str, int] = {}
        samples, marked = samples_of(op)
        for sample in samples:
            status, detail = run_sample(name, op, sample, rng, marked)
            counts[status] = counts.get(status, 0) + 1
            if status in ("forward", "first order", "second order", "error"):
                failures.append((name, status, detail, sample))
        rows.append((name, counts))
    columns = ("agree", "agree, torch has no 2nd order", "forward", "first order", "second order", "error",
               "numpy semantics", "documented", "unsupported option", "torch refuses")
    width = max(len(name) for name, _ in rows) + 2 if rows else 4
    print(f"{'op':{width}s}" + "".join(f"{c:>{len(c) + 2}s}" for c in columns))
    for name, counts in rows:
        print(f"{name:{width}s}" + "".join(f"{counts.get(c, 0):{len(c) + 2}d}" for c in columns))
    totals = {c: sum(counts.get(c, 0) for _, counts in rows) for c in columns}
    bad_ops = sorted({name for name, *_ in failures})
    run = sum(totals.values()) - totals["numpy semantics"] - totals["torch refuses"] - totals["unsupported option"]
    print(f"\nsummary: {len(rows)} ops, {run} samples run, {totals['agree']} agree "
          f"(+{totals['agree, torch has no 2nd order']} at first order, torch having no second), "
          f"{len(failures)} disagree or raise (in {len(bad_ops)} ops: {', '.join(bad_ops) or 'none'}), "
          f"{totals['documented']} documented differences (docs/subgradients.md), "
          f"{totals['numpy semantics']} skipped for documented NumPy semantics, "
          f"{totals['unsupported option']} use an option gradsight lacks, "
          f"{totals['torch refuses']} refused by torch itself")
    if options.v:
        for name, status, detail, sample in failures:
            shapes = [tuple(t.shape) for t in _leaves_of(sample)]
            print(f"{name}: {status}: {detail}; tensor shapes {shapes}; args "
                  f"{[a for a in sample.args if not isinstance(a, torch.Tensor)]} kwargs {sample.kwargs}")
    return 1 if failures else 0


def _leaves_of(sample) -> list:
    found = []
    _map((sample.input, sample.args, sample.kwargs), lambda t: found.append(t) or t)
    return found


if __name__ == "__main__":
    sys.exit(main())
