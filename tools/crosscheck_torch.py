"""Cross-check gradsight against PyTorch (CPU) and NumPy, op by op, value by value, gradient by gradient.

How to run (PyTorch lives in its own virtual environment; gradsight itself never imports torch)::

    PYTHONPATH=/work/main /opt/torchvenv/bin/python tools/crosscheck_torch.py          # everything
    PYTHONPATH=/work/main /opt/torchvenv/bin/python tools/crosscheck_torch.py -k loss  # names containing 'loss'
    PYTHONPATH=/work/main /opt/torchvenv/bin/python tools/crosscheck_torch.py -v       # print every check

It prints one line per failing check (category, case, what differs, the largest error) and a summary
per category, and exits with status 1 when any check fails. Deliberate differences (listed with their
reason in KNOWN below) still run and are printed as KNOWN, without failing. Tolerances: float64 1e-10 and float32
2e-5, relative to the larger of 1 and the reference's largest finite magnitude; NaN and ±Inf must
sit at the same places with the same signs.

What it checks, in float32 and float64:
- core ops (every op of autograd/ops): the forward value and dtype against torch (and NumPy where
  torch has no same-named op), and the gradient of every floating input for a random upstream
  gradient against torch.autograd, on broadcast shape pairs ((), (1,), (n, 1), (1, n), 0-size),
  negative axes and tuples of axes, keepdims, ddof, ties, zeros, ±Inf, ±1000;
- subgradients at kinks (relu'(0), abs'(0), clip's inclusive bounds, maximum/minimum ties, tied
  max/min reductions) against the torch functions that share the convention (relu, abs, clamp,
  maximum, amax/amin);
- second-order gradients: autograd.grad(create_graph=True) then backward of a random projection of
  the gradient, against torch.autograd.grad(create_graph=True);
- nn.functional: activations, softmax/log_softmax, linear, batch_norm (train/eval, running stats
  updated in place), layer_norm, every loss with every reduction and its options;
- dtype rules: float32 stays float32 in values and gradients, Python scalars adopt the tensor dtype;
- nn modules' default initialization (statistically), nn.init and calculate_gain;
- optimizers over several steps (SGD, Adam, AdamW, RMSprop, Adagrad with their options), the
  learning-rate schedulers and clip_grad_norm_;
- modules with a torch state dict loaded (Linear, Sequential, BatchNorm1d, LayerNorm, PReLU, activation
  and loss modules): forward, input and parameter gradients, buffers after a training step;
- a seeded fuzz of random broadcast shape pairs over the binary ops and of random axes, keepdims and ddof
  over the reductions; NumPy-only semantics (axis=(), negative-step slices, separated advanced indices).
Sections can be picked with --section (see --help). A full run takes about 10 s on one core.
"""

from __future__ import annotations

import argparse
import math
import sys
import traceback
import warnings
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as TF

import autograd as ag
import nn
import nn.functional as F

TOLERANCE = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 2e-5}
FLOATS = (np.float32, np.float64)
RNG = np.random.default_rng(20240611)


# ----- comparison ---------------------------------------------------------------------------------
def mismatch(got, want, tol: float) -> str | None:
    """None when `got` matches `want` (shape, non-finite pattern, values within tol), else why not."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    if got.shape != want.shape:
        return f"shape {got.shape} != {want.shape}"
    if not np.array_equal(np.isnan(got), np.isnan(want)):
        return f"NaN pattern differs: got {got.ravel()[:6]} want {want.ravel()[:6]}"
    both = ~np.isnan(want)
    if not np.array_equal(np.isinf(got[both]) * np.sign(got[both]), np.isinf(want[both]) * np.sign(want[both])):
        return f"Inf pattern differs: got {got.ravel()[:6]} want {want.ravel()[:6]}"
    finite = np.isfinite(want)
    if not finite.any():
        return None
    scale = max(1.0, float(np.max(np.abs(want[finite]))))
    error = float(np.max(np.abs(got[finite] - want[finite])))
    if error > tol * scale:
        return f"max error {error:.3g} > {tol:g}·{scale:.3g}"
    return None


# Differences that are deliberate: the check still runs and is reported as KNOWN, not as a failure.
KNOWN = {
    "gelu specials float32 value": "torch's float32 gelu(+Inf) is NaN (its float64 gives +Inf); ours is +Inf "
    "in both dtypes, the exact limit",
    "int tensor * 2.5 dtype": "NumPy promotion: an integer tensor with a Python float gives float64 here "
    "(torch: its default float32); integer tensors carry no gradient",
    "int tensor / 2 dtype": "NumPy's true division of integers gives float64 (torch: float32)",
    "nll_loss zero total weight, one ignored reduction=mean": "0/0 mean with zero class weights: torch's nll_loss "
    "gradient is NaN only at the labels, ours on the kept items' whole rows (as torch's cross_entropy)",
    "kl_div target grad at target == 0": "d/dt t·log t is -Inf at t = 0; torch gets NaN (0/0 in xlogy's backward), "
    "ours is 0 (the 0·log 0 = 0 convention carried into the gradient)",
}


class Report:
    """Collects pass/fail per category and prints the failures."""

    def __init__(self, verbose: bool, pattern: str | None):
        self.verbose, self.pattern = verbose, pattern
        self.passed, self.failed, self.known = Counter(), Counter(), Counter()
        self.failures: list[str] = []

    def wanted(self, category: str, name: str) -> bool:
        return self.pattern is None or self.pattern in f"{category} {name}"

    def record(self, category: str, name: str, problem: str | None) -> None:
        if problem is None:
            self.passed[category] += 1
            if self.verbose:
                print(f"ok    [{category}] {name}")
        elif any(key in name for key in KNOWN):
            self.known[category] += 1
            reason = next(reason for key, reason in KNOWN.items() if key in name)
            print(f"KNOWN [{category}] {name}: {problem}\n      ({reason})")
        else:
            self.failed[category] += 1
            line = f"FAIL  [{category}] {name}: {problem}"
            self.failures.append(line)
            print(line)

    def summary(self) -> int:
        print("\nper category: passed / failed / known differences")
        for category in sorted(set(self.passed) | set(self.failed) | set(self.known)):
            print(f"  {category:<24} {self.passed[category]:>5} / {self.failed[category]} / {self.known[category]}")
        total_failed = sum(self.failed.values())
        print(
            f"total: {sum(self.passed.values())} passed, {total_failed} failed, "
            f"{sum(self.known.values())} known differences"
        )
        return 1 if total_failed else 0


REPORT: Report


# ----- running one case in both frameworks --------------------------------------------------------
def _is_float_array(a) -> bool:
    return isinstance(a, np.ndarray) and a.dtype.kind == "f"


def _as_list(out) -> list:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _upstream(outs, dtype) -> list[np.ndarray]:
    return [RNG.standard_normal(np.shape(o)).astype(dtype) for o in outs]


def check(
    category: str,
    name: str,
    gs_fn,
    th_fn,
    inputs: list,
    diff=None,
    tol: float | None = None,
    grads: bool = True,
    dtype_rule: bool = True,
) -> None:
    """Compare forward values, output dtypes and input gradients of gs_fn and th_fn on `inputs`.

    Inputs that are floating ndarrays become Tensors (requiring grad when their index is in `diff`,
    all of them by default); integer/bool ndarrays become constant tensors; anything else is passed
    through unchanged to both functions.
    """
    if not REPORT.wanted(category, name):
        return
    dtypes = [a.dtype for a in inputs if _is_float_array(a)]
    dtype = dtypes[0] if dtypes else np.dtype(np.float64)
    tol = tol or TOLERANCE[np.dtype(dtype)]
    diff = [i for i, a in enumerate(inputs) if _is_float_array(a)] if diff is None else list(diff)
    try:
        gs_in = [
            ag.tensor(a.copy(), requires_grad=i in diff) if isinstance(a, np.ndarray) else a
            for i, a in enumerate(inputs)
        ]
        th_in = [
            torch.tensor(a.copy(), requires_grad=i in diff) if isinstance(a, np.ndarray) else a
            for i, a in enumerate(inputs)
        ]
        th_out = _as_list(th_fn(*th_in))
        try:
            gs_out = _as_list(gs_fn(*gs_in))
        except Exception as error:  # noqa: BLE001  (any failure of ours is a finding)
            REPORT.record(category, name, f"gradsight raised {type(error).__name__}: {error}")
            return
        if len(gs_out) != len(th_out):
            REPORT.record(category, name, f"{len(gs_out)} outputs, torch gives {len(th_out)}")
            return
        for k, (g, t) in enumerate(zip(gs_out, th_out)):
            problem = mismatch(g.data, t.detach().numpy(), tol)
            if problem is None and dtype_rule and g.dtype != t.detach().numpy().dtype:
                problem = f"output dtype {g.dtype}, torch {t.dtype}"
            if problem:
                REPORT.record(category, f"{name} value[{k}]", problem)
                return
        if not grads or not diff:
            REPORT.record(category, name, None)
            return
        upstream = _upstream(th_out, dtype)
        th_pairs = [(t, torch.tensor(v)) for t, v in zip(th_out, upstream) if t.requires_grad]
        if not th_pairs:
            REPORT.record(category, name, None)
            return
        th_grads = torch.autograd.grad(
            [t for t, _ in th_pairs], [th_in[i] for i in diff], [v for _, v in th_pairs], allow_unused=True
        )
        gs_loss = None
        for g, v in zip(gs_out, upstream):
            if g.requires_grad:
                term = ag.sum(g * ag.tensor(v))
                gs_loss = term if gs_loss is None else gs_loss + term
        if gs_loss is None:
            REPORT.record(category, name, "gradsight output does not require grad")
            return
        gs_loss.backward()
        for i, tg in zip(diff, th_grads):
            want = np.zeros(inputs[i].shape) if tg is None else tg.numpy()
            got_tensor = gs_in[i].grad
            got = np.zeros(inputs[i].shape) if got_tensor is None else got_tensor.data
            problem = mismatch(got, want, tol)
            if problem is None and got_tensor is not None and got_tensor.dtype != inputs[i].dtype:
                problem = f"gradient dtype {got_tensor.dtype} for a {inputs[i].dtype} input"
            if problem:
                REPORT.record(category, f"{name} grad[{i}]", problem)
                return
        REPORT.record(category, name, None)
    except Exception:  # noqa: BLE001  (a crash of the harness or of torch on this case)
        REPORT.record(category, name, "crashed:\n" + traceback.format_exc(limit=3))


def check_second_order(name: str, gs_fn, th_fn, inputs: list, tol: float | None = None) -> None:
    """d/dx <w, d/dx <v, f(x)>> in both frameworks (create_graph=True on the first gradient)."""
    category = "second-order"
    if not REPORT.wanted(category, name):
        return
    dtype = inputs[0].dtype
    tol = tol or 10 * TOLERANCE[np.dtype(dtype)]
    try:
        th_in = [torch.tensor(a.copy(), requires_grad=True) for a in inputs]
        th_out = th_fn(*th_in)
        v = RNG.standard_normal(tuple(th_out.shape)).astype(dtype)
        w = [RNG.standard_normal(a.shape).astype(dtype) for a in inputs]
        first = torch.autograd.grad(th_out, th_in, torch.tensor(v), create_graph=True, allow_unused=True)
        th_s = sum((g * torch.tensor(wi)).sum() for g, wi in zip(first, w) if g is not None and g.requires_grad)
        th_second = [np.zeros(a.shape) for a in inputs]
        if isinstance(th_s, torch.Tensor):
            th_second = [
                np.zeros(a.shape) if g is None else g.numpy(force=True)
                for g, a in zip(torch.autograd.grad(th_s, th_in, allow_unused=True), inputs)
            ]
        gs_in = [ag.tensor(a.copy(), requires_grad=True) for a in inputs]
        gs_out = gs_fn(*gs_in)
        gs_first = ag.grad(gs_out, gs_in, grad_outputs=ag.tensor(v), create_graph=True)
        for k, (g, t) in enumerate(zip(gs_first, first)):
            problem = mismatch(g.data, np.zeros(inputs[k].shape) if t is None else t.detach().numpy(), tol)
            if problem:
                REPORT.record(category, f"{name} first-order grad[{k}]", problem)
                return
        gs_s = None
        for g, wi in zip(gs_first, w):
            if g.requires_grad:
                term = ag.sum(g * ag.tensor(wi))
                gs_s = term if gs_s is None else gs_s + term
        if gs_s is not None:
            gs_s.backward()
        for k, (x, want) in enumerate(zip(gs_in, th_second)):
            got = np.zeros(inputs[k].shape) if x.grad is None else x.grad.data
            problem = mismatch(got, want, tol)
            if problem:
                REPORT.record(category, f"{name} second-order grad[{k}]", problem)
                return
        REPORT.record(category, name, None)
    except Exception:  # noqa: BLE001
        REPORT.record(category, name, "crashed:\n" + traceback.format_exc(limit=3))


# ----- input makers -------------------------------------------------------------------------------
def normal(shape, dtype, scale=1.0):
    return np.asarray(RNG.standard_normal(shape) * scale, dtype=dtype)


def positive(shape, dtype):
    return np.asarray(RNG.uniform(0.2, 3.0, shape), dtype=dtype)


def ties(shape, dtype):
    """Small integers: many ties and zeros."""
    return np.asarray(RNG.integers(-2, 3, shape), dtype=dtype)


def specials(dtype):
    """Zeros, ±1000, ±Inf and ordinary values in one vector."""
    return np.array([0.0, -0.0, 1000.0, -1000.0, np.inf, -np.inf, 0.5, -2.5, 30.0, -30.0], dtype=dtype)


BROADCAST_PAIRS = [
    ((), ()),
    ((3,), ()),
    ((), (3,)),
    ((1,), (4,)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (3, 1)),
    ((4, 1, 3), (2, 1)),
    ((0, 3), (3,)),
    ((2, 0), (1,)),
    ((5,), (5,)),
]
REDUCE_SHAPES_AXES = [
    ((2, 3, 4), None),
    ((2, 3, 4), 0),
    ((2, 3, 4), -1),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, -3)),
    ((2, 3, 4), (0, 1, 2)),
    ((5,), 0),
    ((5,), None),
    ((), None),
    ((1, 4), 0),
    ((3, 1), -1),
]


def th_dims(axis, ndim):
    """torch's dim argument for NumPy's axis (None: all dimensions)."""
    if axis is None:
        return tuple(range(ndim))
    return axis


# ----- core ops -----------------------------------------------------------------------------------
def check_elementwise() -> None:
    unary = {
        "neg": (ag.neg, torch.neg, normal),
        "exp": (ag.exp, torch.exp, normal),
        "log": (ag.log, torch.log, positive),
        "sqrt": (ag.sqrt, torch.sqrt, positive),
        "abs": (ag.abs, torch.abs, ties),
        "sin": (ag.sin, torch.sin, normal),
        "cos": (ag.cos, torch.cos, normal),
        "tanh": (ag.tanh, torch.tanh, normal),
        "sigmoid": (ag.sigmoid, torch.sigmoid, normal),
        "relu": (ag.relu, torch.relu, ties),
    }
    for dtype in FLOATS:
        for name, (gs, th, make) in unary.items():
            for shape in [(), (1,), (3, 4), (0, 2), (2, 1, 3)]:
                check("elementwise", f"{name} {shape} {np.dtype(dtype)}", gs, th, [make(shape, dtype)])
            check("elementwise", f"{name} specials {np.dtype(dtype)}", gs, th, [specials(dtype)])
        binary = {
            "add": (ag.add, torch.add, normal, normal),
            "sub": (ag.sub, torch.sub, normal, normal),
            "mul": (ag.mul, torch.mul, normal, normal),
            "div": (ag.div, torch.div, normal, positive),
            "pow": (ag.pow, torch.pow, positive, normal),
            "maximum": (ag.maximum, torch.maximum, ties, ties),
            "minimum": (ag.minimum, torch.minimum, ties, ties),
        }
        for name, (gs, th, make_a, make_b) in binary.items():
            for sa, sb in BROADCAST_PAIRS:
                check(
                    "elementwise", f"{name} {sa}x{sb} {np.dtype(dtype)}", gs, th, [make_a(sa, dtype), make_b(sb, dtype)]
                )
                check(
                    "elementwise",
                    f"{name} {sa}x{sb} only-a {np.dtype(dtype)}",
                    gs,
                    th,
                    [make_a(sa, dtype), make_b(sb, dtype)],
                    diff=[0],
                )
        # ties on identical inputs: maximum(x, x) and minimum(x, x) have gradient 1 (even split)
        check(
            "kinks",
            f"maximum(x, x) {np.dtype(dtype)}",
            lambda x: ag.maximum(x, x),
            lambda x: torch.maximum(x, x),
            [ties((6,), dtype)],
        )
        check(
            "kinks",
            f"minimum(x, x) {np.dtype(dtype)}",
            lambda x: ag.minimum(x, x),
            lambda x: torch.minimum(x, x),
            [ties((6,), dtype)],
        )
        # division by zero and 0/0
        check(
            "elementwise",
            f"div by zeros {np.dtype(dtype)}",
            ag.div,
            torch.div,
            [np.array([1.0, -1.0, 0.0, 2.0], dtype), np.array([0.0, 0.0, 0.0, -0.0], dtype)],
        )
        # pow with scalar exponents, including negative bases with integer exponents
        for exponent in [2, 3, 0.5, -1, -2, 0, 1, 2.5]:
            base = positive((3, 4), dtype) if exponent != int(exponent) else normal((3, 4), dtype)
            check(
                "elementwise",
                f"pow x**{exponent} {np.dtype(dtype)}",
                lambda x, e=exponent: x**e,
                lambda x, e=exponent: x**e,
                [base],
            )
        check(
            "elementwise",
            f"pow zero base x**2 {np.dtype(dtype)}",
            lambda x: x**2,
            lambda x: x**2,
            [np.array([0.0, 1.0, -2.0], dtype)],
        )
        check(
            "elementwise",
            f"pow zero base, tensor exponent {np.dtype(dtype)}",
            ag.pow,
            torch.pow,
            [np.array([0.0, 0.0, 0.0, 2.0, 0.0], dtype), np.array([2.0, 0.5, 0.0, 0.0, 1.0], dtype)],
        )
        check(
            "elementwise",
            f"pow zero base, negative exponent {np.dtype(dtype)}",
            ag.pow,
            torch.pow,
            [np.array([0.0, 0.0], dtype), np.array([-1.0, -2.0], dtype)],
        )
        check(
            "elementwise",
            f"pow negative base, integer tensor exponent {np.dtype(dtype)}",
            ag.pow,
            torch.pow,
            [np.array([-2.0, -1.5, 3.0], dtype), np.array([2.0, 3.0, 2.0], dtype)],
        )
        check("elementwise", f"rpow 2**x {np.dtype(dtype)}", lambda x: 2.0**x, lambda x: 2.0**x, [normal((4,), dtype)])
        check(
            "elementwise",
            f"rsub/rdiv scalars {np.dtype(dtype)}",
            lambda x: (1 - x) / (3.0 + x * x),
            lambda x: (1 - x) / (3.0 + x * x),
            [normal((4,), dtype)],
        )
        # clip: bounds inclusive (torch.clamp passes the gradient at the bounds)
        x = np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], dtype)
        for lo, hi in [(-1.0, 1.0), (None, 0.5), (-0.5, None), (0.0, 0.0)]:
            check(
                "kinks",
                f"clip({lo}, {hi}) {np.dtype(dtype)}",
                lambda t, lo=lo, hi=hi: ag.clip(t, lo, hi),
                lambda t, lo=lo, hi=hi: torch.clamp(t, lo, hi),
                [x],
            )
        check("kinks", f"relu at 0 {np.dtype(dtype)}", ag.relu, torch.relu, [np.array([-1.0, 0.0, 1.0], dtype)])
        check("kinks", f"abs at 0 {np.dtype(dtype)}", ag.abs, torch.abs, [np.array([-1.0, 0.0, -0.0, 1.0], dtype)])
        # clip with array bounds (same shape and broadcast) and with lo > hi (torch.clamp: all become hi)
        lows, highs = np.full_like(x, -0.5), np.full_like(x, 1.0)
        check(
            "kinks",
            f"clip array bounds {np.dtype(dtype)}",
            lambda t, lo=lows, hi=highs: ag.clip(t, lo, hi),
            lambda t, lo=lows, hi=highs: torch.clamp(t, torch.tensor(lo), torch.tensor(hi)),
            [x],
        )
        row = normal((1, 4), dtype)
        check(
            "kinks",
            f"clip broadcast lo (1, 4) {np.dtype(dtype)}",
            lambda t, lo=row: ag.clip(t, lo, None),
            lambda t, lo=row: torch.clamp(t, torch.tensor(lo)),
            [normal((3, 4), dtype)],
        )
        check(
            "kinks",
            f"clip lo > hi {np.dtype(dtype)}",
            lambda t: ag.clip(t, 1.0, -1.0),
            lambda t: torch.clamp(t, 1.0, -1.0),
            [x],
        )
        for name, gs, th in (
            ("maximum", ag.maximum, torch.maximum),
            ("minimum", ag.minimum, torch.minimum),
            ("add", ag.add, torch.add),
            ("mul", ag.mul, torch.mul),
        ):
            a, b = np.meshgrid(specials(dtype), specials(dtype))
            check("elementwise", f"{name} specials x specials {np.dtype(dtype)}", gs, th, [a.copy(), b.copy()])
        check(
            "elementwise",
            f"where with Python-float branches {np.dtype(dtype)}",
            lambda t: ag.where(t.data > 0, t, 0.5),
            lambda t: torch.where(t > 0, t, 0.5),
            [normal((5,), dtype)],
        )
        # where with broadcasting of condition and both branches
        for sc, sa, sb in [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), ()), ((4,), (3, 1), (1,)), ((), (2,), (2,))]:
            cond = RNG.random(sc) > 0.5
            check(
                "elementwise",
                f"where {sc},{sa},{sb} {np.dtype(dtype)}",
                ag.where,
                torch.where,
                [np.asarray(cond), normal(sa, dtype), normal(sb, dtype)],
                diff=[1, 2],
            )


def check_reductions() -> None:
    for dtype in FLOATS:
        dn = np.dtype(dtype)
        for shape, axis in REDUCE_SHAPES_AXES:
            for keepdims in (False, True):
                tag = f"{shape} axis={axis} keepdims={keepdims} {dn}"
                dims = th_dims(axis, len(shape))
                if len(shape) == 0:

                    def th_sum(t, **_):
                        return t.clone()

                    th_mean = th_sum
                else:

                    def th_sum(t, dims=dims, keepdims=keepdims):
                        return torch.sum(t, dim=dims, keepdim=keepdims)

                    def th_mean(t, dims=dims, keepdims=keepdims):
                        return torch.mean(t, dim=dims, keepdim=keepdims)

                check(
                    "reduce",
                    f"sum {tag}",
                    lambda t, a=axis, k=keepdims: ag.sum(t, a, k),
                    th_sum,
                    [normal(shape, dtype)],
                )
                check(
                    "reduce",
                    f"mean {tag}",
                    lambda t, a=axis, k=keepdims: ag.mean(t, a, k),
                    th_mean,
                    [normal(shape, dtype)],
                )
                for name, th_op in (("max", torch.amax), ("min", torch.amin)):
                    gs_op = getattr(ag, name)
                    th = (
                        (lambda t: t.clone())
                        if len(shape) == 0
                        else (lambda t, f=th_op, d=dims, k=keepdims: f(t, dim=d, keepdim=k))
                    )
                    check(
                        "reduce",
                        f"{name} ties {tag}",
                        lambda t, f=gs_op, a=axis, k=keepdims: f(t, a, k),
                        th,
                        [ties(shape, dtype)],
                    )
                    check(
                        "reduce",
                        f"{name} {tag}",
                        lambda t, f=gs_op, a=axis, k=keepdims: f(t, a, k),
                        th,
                        [normal(shape, dtype)],
                    )
                th_lse = (
                    (lambda t: t.clone())
                    if len(shape) == 0
                    else (lambda t, d=dims, k=keepdims: torch.logsumexp(t, dim=d, keepdim=k))
                )
                check(
                    "reduce",
                    f"logsumexp {tag}",
                    lambda t, a=axis, k=keepdims: ag.logsumexp(t, a, k),
                    th_lse,
                    [normal(shape, dtype, 3.0)],
                )
                check(
                    "reduce",
                    f"logsumexp ±1000 {tag}",
                    lambda t, a=axis, k=keepdims: ag.logsumexp(t, a, k),
                    th_lse,
                    [normal(shape, dtype, 1000.0)],
                )
                for ddof in (0, 1):
                    n = math.prod(shape[a] for a in (range(len(shape)) if axis is None else np.atleast_1d(axis)))
                    if n - ddof <= 0:
                        continue
                    for name, th_op in (("var", torch.var), ("std", torch.std)):
                        gs_op = getattr(ag, name)
                        th = lambda t, f=th_op, d=dims, k=keepdims, c=ddof: f(t, dim=d, correction=c, keepdim=k)
                        check(
                            "reduce",
                            f"{name} ddof={ddof} {tag}",
                            lambda t, f=gs_op, a=axis, k=keepdims, c=ddof: f(t, a, c, k),
                            th,
                            [normal(shape, dtype)],
                        )
                # prod: torch reduces one dim at a time; reduce the axes one by one from the last
                if len(shape) == 0:
                    continue
                reduced = range(len(shape)) if axis is None else np.atleast_1d(axis)
                axes = sorted((int(a) % len(shape) for a in reduced), reverse=True)

                def th_prod(t, axes=axes, keepdims=keepdims):
                    for a in axes:
                        t = torch.prod(t, dim=a, keepdim=keepdims)
                    return t

                check(
                    "reduce",
                    f"prod {tag}",
                    lambda t, a=axis, k=keepdims: ag.prod(t, a, k),
                    th_prod,
                    [normal(shape, dtype)],
                )
                zeros_in = normal(shape, dtype)
                zeros_in.ravel()[::3] = 0  # one or several zeros in a reduced slice
                check(
                    "reduce",
                    f"prod with zeros {tag}",
                    lambda t, a=axis, k=keepdims: ag.prod(t, a, k),
                    th_prod,
                    [zeros_in],
                )
        # 0-size and degenerate inputs
        check(
            "reduce",
            f"sum of (0, 3) over axis 0 {dn}",
            lambda t: ag.sum(t, 0),
            lambda t: t.sum(0),
            [normal((0, 3), dtype)],
        )
        for name, gs_op, th_op in [
            ("mean", ag.mean, torch.mean),
            ("var", ag.var, torch.var),
            ("std", ag.std, torch.std),
            ("logsumexp", ag.logsumexp, torch.logsumexp),
            ("prod", ag.prod, torch.prod),
        ]:
            th = (lambda t, f=th_op: f(t, 0, correction=0)) if name in ("var", "std") else (lambda t, f=th_op: f(t, 0))
            check(
                "reduce", f"{name} of (0, 3) over axis 0 {dn}", lambda t, f=gs_op: f(t, 0), th, [normal((0, 3), dtype)]
            )
            check(
                "reduce", f"{name} of (3, 0) over axis 0 {dn}", lambda t, f=gs_op: f(t, 0), th, [normal((3, 0), dtype)]
            )
        check(
            "reduce",
            f"std of constant rows {dn}",
            lambda t: ag.std(t, 1),
            lambda t: torch.std(t, 1, correction=0),
            [np.ones((2, 4), dtype)],
        )
        check(
            "reduce",
            f"var of constant rows {dn}",
            lambda t: ag.var(t, 1, 1),
            lambda t: torch.var(t, 1, correction=1),
            [np.ones((2, 4), dtype)],
        )
        check(
            "reduce",
            f"logsumexp with -inf {dn}",
            lambda t: ag.logsumexp(t, 1),
            lambda t: torch.logsumexp(t, 1),
            [np.array([[-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf]], dtype)],
        )
        check(
            "reduce",
            f"logsumexp with +inf {dn}",
            lambda t: ag.logsumexp(t, 1),
            lambda t: torch.logsumexp(t, 1),
            [np.array([[np.inf, 0.0, 1.0], [2.0, 3.0, np.inf]], dtype)],
        )
        check(
            "reduce",
            f"max with +inf {dn}",
            lambda t: ag.max(t, 1),
            lambda t: torch.amax(t, 1),
            [np.array([[np.inf, 0.0, np.inf], [2.0, 3.0, -np.inf]], dtype)],
        )


def _torch_split(t, indices_or_sections, axis):
    """NumPy's split semantics written with torch slicing (Python slice bounds, as np.split uses)."""
    size = t.shape[axis]
    if isinstance(indices_or_sections, int):
        step = size // indices_or_sections
        bounds = [i * step for i in range(indices_or_sections + 1)]
    else:
        bounds = [0, *indices_or_sections, size]
    lead = (slice(None),) * (axis % t.ndim)
    return [t[lead + (slice(a, b),)] for a, b in zip(bounds[:-1], bounds[1:])]


def check_shape_ops() -> None:
    for dtype in FLOATS:
        dn = np.dtype(dtype)
        x = normal((2, 3, 4), dtype)
        for shape in [(24,), (4, 6), (-1, 2), (2, -1, 3), (1, 24, 1)]:
            check(
                "shape",
                f"reshape {shape} {dn}",
                lambda t, s=shape: ag.reshape(t, s),
                lambda t, s=shape: t.reshape(s),
                [x],
            )
        for axes in [None, (0, 1, 2), (2, 0, 1), (1, 0, 2), (-1, 0, 1)]:
            th = (lambda t: t.permute(2, 1, 0)) if axes is None else (lambda t, a=axes: t.permute(*a))
            check("shape", f"transpose {axes} {dn}", lambda t, a=axes: ag.transpose(t, a), th, [x])
            if axes is not None:
                check(
                    "shape",
                    f"Tensor.transpose(*{axes}) {dn}",
                    lambda t, a=axes: t.transpose(*a),
                    lambda t, a=axes: t.permute(*a),
                    [x],
                )
        check("shape", f".T of 2-D {dn}", lambda t: t.T, lambda t: t.T, [normal((3, 4), dtype)])
        for axis in [0, 1, 3, -1, -4]:
            check(
                "shape",
                f"expand_dims {axis} {dn}",
                lambda t, a=axis: ag.expand_dims(t, a),
                lambda t, a=axis: t.unsqueeze(a),
                [x],
            )
        y = normal((1, 3, 1, 2), dtype)
        for axis in [None, 0, 2, -2, (0, 2)]:
            th = (lambda t: t.squeeze()) if axis is None else (lambda t, a=axis: t.squeeze(a))
            check("shape", f"squeeze {axis} {dn}", lambda t, a=axis: ag.squeeze(t, a), th, [y])
        check("shape", f"flatten {dn}", ag.flatten, lambda t: t.flatten(), [x])
        check("shape", f"flatten(1, -1) {dn}", lambda t: ag.flatten(t, 1, -1), lambda t: t.flatten(1, -1), [x])
        check("shape", f"flatten 0-d {dn}", ag.flatten, lambda t: t.flatten(), [normal((), dtype)])
        for src, dst in [((), (3, 2)), ((1,), (4,)), ((3, 1), (2, 3, 5)), ((4,), (2, 3, 4))]:
            check(
                "shape",
                f"broadcast_to {src}->{dst} {dn}",
                lambda t, s=dst: ag.broadcast_to(t, s),
                lambda t, s=dst: torch.broadcast_to(t, s),
                [normal(src, dtype)],
            )
        # getitem: basic, negative steps are NumPy-only (torch has none), integer arrays with repeats, masks
        x2 = normal((5, 4), dtype)
        indices = {
            "int": 2,
            "negative int": -1,
            "slice": slice(1, 4),
            "slice step": slice(0, 5, 2),
            "tuple": (slice(None), 1),
            "ellipsis": (Ellipsis, 0),
            "newaxis": (None, slice(1, 3)),
            "int array repeated": np.array([0, 2, 2, 4, 0]),
            "2-D int array": np.array([[1, 1], [3, 0]]),
            "two int arrays": (np.array([0, 0, 4]), np.array([1, 1, 3])),
            "int array + slice": (np.array([3, 3]), slice(1, 3)),
            "bool mask rows": np.array([True, False, True, True, False]),
            "bool mask 2-D": x2 > 0,
            "negative int array": np.array([-1, -1, 0]),
        }
        for label, index in indices.items():

            def th_index(t, index=index):
                if isinstance(index, np.ndarray):
                    return t[torch.from_numpy(index)]
                if isinstance(index, tuple):
                    return t[tuple(torch.from_numpy(p) if isinstance(p, np.ndarray) else p for p in index)]
                return t[index]

            check("getitem", f"{label} {dn}", lambda t, i=index: t[i], th_index, [x2])
        check(
            "getitem", f"negative step slice (NumPy) {dn}", lambda t: t[::-2], lambda t: torch.flip(t, [0])[::2], [x2]
        )
        check("getitem", f"index list [1, 1, 2] {dn}", lambda t: t[[1, 1, 2]], lambda t: t[[1, 1, 2]], [x2])
        # joining
        for axis in [0, 1, -1]:
            parts = [normal((2, 3), dtype), normal((2, 3), dtype)]
            if axis == 0:
                parts.append(normal((1, 3), dtype))
            check(
                "shape",
                f"concatenate axis={axis} {dn}",
                lambda *ts, a=axis: ag.concatenate(ts, a),
                lambda *ts, a=axis: torch.cat(ts, a),
                parts,
            )
        for axis in [0, 1, 2, -1, -3]:
            check(
                "shape",
                f"stack axis={axis} {dn}",
                lambda *ts, a=axis: ag.stack(ts, a),
                lambda *ts, a=axis: torch.stack(ts, a),
                [normal((2, 3), dtype) for _ in range(3)],
            )
        check(
            "shape",
            f"concatenate with one constant {dn}",
            lambda a, b: ag.concatenate([a, b], 0),
            lambda a, b: torch.cat([a, b], 0),
            [normal((2, 3), dtype), normal((1, 3), dtype)],
            diff=[0],
        )
        x6 = normal((6, 4), dtype)
        for spec, axis in [
            (3, 0),
            (2, 1),
            ([1, 4], 0),
            ([2], -1),
            ([0, 0, 6], 0),
            ([-2], 0),
            ([1, -1], 0),
            ([4, 2], 0),
            ([10], 0),
        ]:
            want = np.split(x6, spec, axis)
            check(
                "shape",
                f"split {spec} axis={axis} {dn}",
                lambda t, s=spec, a=axis: ag.split(t, s, a),
                lambda t, s=spec, a=axis: _torch_split(t, s, a),
                [x6],
            )
            got = None
            try:
                got = [p.data for p in ag.split(ag.tensor(x6), spec, axis)]
                problem = (
                    None
                    if len(got) == len(want)
                    and all(g.shape == w.shape and np.array_equal(g, w) for g, w in zip(got, want))
                    else f"shapes {[g.shape for g in got]} != NumPy's {[w.shape for w in want]}"
                )
            except Exception as error:  # noqa: BLE001
                problem = f"raised {error}"
            if REPORT.wanted("numpy", f"split {spec}"):
                REPORT.record("numpy", f"split {spec} axis={axis} vs np.split {dn}", problem)
        for width in [1, (1, 2), ((1, 0), (2, 3)), ((0, 0), (0, 1))]:
            w = np.broadcast_to(np.asarray(width), (2, 2))
            th_pad = [int(v) for pair in w[::-1] for v in pair]
            check(
                "shape",
                f"pad {width} {dn}",
                lambda t, p=width: ag.pad(t, p),
                lambda t, p=th_pad: TF.pad(t, p),
                [normal((2, 3), dtype)],
            )
            got = ag.pad(ag.tensor(x6), width).data
            if REPORT.wanted("numpy", "pad"):
                REPORT.record(
                    "numpy",
                    f"pad {width} vs np.pad {dn}",
                    None if np.array_equal(got, np.pad(x6, width)) else "differs from np.pad",
                )
        check(
            "shape",
            f"pad constant_values=2 {dn}",
            lambda t: ag.pad(t, 1, constant_values=2.0),
            lambda t: TF.pad(t, [1, 1, 1, 1], value=2.0),
            [normal((2, 3), dtype)],
        )


def check_linalg() -> None:
    for dtype in FLOATS:
        dn = np.dtype(dtype)
        for sa, sb in [
            ((3,), (3,)),
            ((3,), (3, 4)),
            ((2, 3), (3,)),
            ((2, 3), (3, 4)),
            ((5, 2, 3), (3, 4)),
            ((2, 3), (5, 3, 4)),
            ((5, 1, 2, 3), (4, 3, 2)),
            ((3,), (5, 3, 4)),
            ((5, 2, 3), (3,)),
            ((1, 2, 3), (5, 3, 2)),
            ((0, 3), (3, 2)),
            ((2, 0), (0, 3)),
        ]:
            check("linalg", f"matmul {sa}@{sb} {dn}", ag.matmul, torch.matmul, [normal(sa, dtype), normal(sb, dtype)])
            check(
                "linalg",
                f"matmul {sa}@{sb} only-b {dn}",
                ag.matmul,
                torch.matmul,
                [normal(sa, dtype), normal(sb, dtype)],
                diff=[1],
            )
        einsums = [
            ("ij,jk->ik", [(2, 3), (3, 4)]),
            ("ij,jk", [(2, 3), (3, 4)]),
            ("i,i->", [(4,), (4,)]),
            ("i,j->ij", [(3,), (4,)]),
            ("ii->i", [(3, 3)]),
            ("ii", [(3, 3)]),
            ("ij->", [(2, 3)]),
            ("ij->ji", [(2, 3)]),
            ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
            ("...ij,...jk->...ik", [(2, 3, 4), (4, 5)]),
            ("ij,ij->i", [(3, 4), (3, 4)]),
            ("ijk,k->ij", [(2, 3, 4), (4,)]),
            ("iij->j", [(3, 3, 2)]),
            ("i,j,k->ijk", [(2,), (3,), (2,)]),
            ("ij,j->", [(3, 4), (4,)]),
            ("ab,ab,ab->a", [(2, 3), (2, 3), (2, 3)]),
            ("ij,kj->ik", [(1, 3), (4, 3)]),
            ("...i,...i->...", [(2, 3), (3,)]),
        ]
        for spec, shapes in einsums:
            check(
                "linalg",
                f"einsum {spec} {dn}",
                lambda *ts, s=spec: ag.einsum(s, *ts),
                lambda *ts, s=spec: torch.einsum(s, *ts),
                [normal(s, dtype) for s in shapes],
            )


def check_second_orders() -> None:
    dtype = np.float64
    cases = {
        "mul": (lambda a, b: a * b, lambda a, b: a * b, [(3, 1), (1, 4)]),
        "div": (lambda a, b: a / b, lambda a, b: a / b, [(3, 4), "pos(4,)"]),
        "pow tensor": (ag.pow, torch.pow, ["pos(3,)", (3,)]),
        "pow scalar 3": (lambda a: a**3, lambda a: a**3, [(4,)]),
        "exp": (ag.exp, torch.exp, [(4,)]),
        "log": (ag.log, torch.log, ["pos(4,)"]),
        "sqrt": (ag.sqrt, torch.sqrt, ["pos(4,)"]),
        "sin": (ag.sin, torch.sin, [(4,)]),
        "cos": (ag.cos, torch.cos, [(4,)]),
        "tanh": (ag.tanh, torch.tanh, [(4,)]),
        "sigmoid": (ag.sigmoid, torch.sigmoid, [(4,)]),
        "abs": (ag.abs, torch.abs, [(4,)]),
        "relu": (ag.relu, torch.relu, [(4,)]),
        "maximum": (ag.maximum, torch.maximum, [(3, 4), (4,)]),
        "clip": (lambda x: ag.clip(x, -0.5, 0.5) * x, lambda x: torch.clamp(x, -0.5, 0.5) * x, [(6,)]),
        "where": (
            lambda a, b: ag.where(a.data > 0, a * a, b * a),
            lambda a, b: torch.where(a > 0, a * a, b * a),
            [(5,), (5,)],
        ),
        "sum*x": (lambda x: ag.sum(x * x, 1), lambda x: (x * x).sum(1), [(3, 4)]),
        "mean": (lambda x: ag.mean(x * x, (0, 1), True), lambda x: (x * x).mean((0, 1), True), [(3, 4)]),
        "var": (lambda x: ag.var(x, 1, 1), lambda x: torch.var(x, 1, correction=1), [(3, 4)]),
        "std": (lambda x: ag.std(x, 0), lambda x: torch.std(x, 0, correction=0), [(3, 4)]),
        "logsumexp": (lambda x: ag.logsumexp(x, -1), lambda x: torch.logsumexp(x, -1), [(3, 4)]),
        "prod": (lambda x: ag.prod(x, 1), lambda x: torch.prod(x, 1), [(3, 4)]),
        "max": (lambda x: ag.max(x * x, 1), lambda x: torch.amax(x * x, 1), [(3, 4)]),
        "matmul": (ag.matmul, torch.matmul, [(2, 3, 4), (4, 5)]),
        "matmul 1-D": (lambda a, b: ag.matmul(a, b) ** 2, lambda a, b: torch.matmul(a, b) ** 2, [(4,), (4, 3)]),
        "einsum": (
            lambda a, b: ag.einsum("ij,jk->ik", a * a, b),
            lambda a, b: torch.einsum("ij,jk->ik", a * a, b),
            [(2, 3), (3, 4)],
        ),
        "getitem": (lambda x: x[np.array([0, 0, 2])] ** 2, lambda x: x[torch.tensor([0, 0, 2])] ** 2, [(3, 2)]),
        "concatenate": (
            lambda a, b: ag.concatenate([a * b, b], 0),
            lambda a, b: torch.cat([a * b, b], 0),
            [(2, 3), (2, 3)],
        ),
        "pad": (lambda x: ag.pad(x * x, 1), lambda x: TF.pad(x * x, [1, 1, 1, 1]), [(2, 3)]),
        "transpose": (lambda x: ag.transpose(x * x, (1, 0)), lambda x: (x * x).T, [(2, 3)]),
        "softmax": (lambda x: F.softmax(x, axis=1), lambda x: TF.softmax(x, dim=1), [(3, 4)]),
        "log_softmax": (lambda x: F.log_softmax(x, axis=1), lambda x: TF.log_softmax(x, dim=1), [(3, 4)]),
        "gelu": (F.gelu, TF.gelu, [(5,)]),
        "gelu tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"), [(5,)]),
        "softplus": (F.softplus, TF.softplus, [(5,)]),
        "elu": (F.elu, TF.elu, [(5,)]),
        "selu": (F.selu, TF.selu, [(5,)]),
        "silu": (F.silu, TF.silu, [(5,)]),
        "leaky_relu": (lambda x: F.leaky_relu(x) * x, lambda x: TF.leaky_relu(x) * x, [(5,)]),
        "layer_norm": (lambda x: F.layer_norm(x, (4,)), lambda x: TF.layer_norm(x, (4,)), [(3, 4)]),
        "batch_norm train": (
            lambda x: F.batch_norm(x, None, None, training=True),
            lambda x: TF.batch_norm(x, None, None, training=True),
            [(5, 3)],
        ),
        "linear": (
            lambda x, w, b: F.linear(x * x, w, b),
            lambda x, w, b: TF.linear(x * x, w, b),
            [(4, 3), (2, 3), (2,)],
        ),
        "cross_entropy": (
            lambda x: F.cross_entropy(x, np.array([0, 2, 1])).reshape((1,)),
            lambda x: TF.cross_entropy(x, torch.tensor([0, 2, 1])).reshape(1),
            [(3, 4)],
        ),
        "mse_loss": (
            lambda x, y: F.mse_loss(x * x, y).reshape((1,)),
            lambda x, y: TF.mse_loss(x * x, y).reshape(1),
            [(3, 4), (3, 4)],
        ),
        "bce_with_logits": (
            lambda x, y: F.binary_cross_entropy_with_logits(x, ag.sigmoid(y)).reshape((1,)),
            lambda x, y: TF.binary_cross_entropy_with_logits(x, torch.sigmoid(y)).reshape(1),
            [(3, 4), (3, 4)],
        ),
    }
    for name, (gs, th, shapes) in cases.items():
        inputs = [positive(eval(s[3:]), dtype) if isinstance(s, str) else normal(s, dtype) for s in shapes]
        check_second_order(name, gs, th, inputs)


# ----- nn.functional ------------------------------------------------------------------------------
def check_activations() -> None:
    for dtype in FLOATS:
        dn = np.dtype(dtype)
        xs = {"normal": normal((4, 5), dtype, 3.0), "specials": specials(dtype)}
        activations = {
            "sigmoid": (F.sigmoid, torch.sigmoid),
            "tanh": (F.tanh, torch.tanh),
            "relu": (F.relu, TF.relu),
            "leaky_relu": (F.leaky_relu, TF.leaky_relu),
            "leaky_relu 0.2": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
            "elu": (F.elu, TF.elu),
            "elu alpha=0.5": (lambda x: F.elu(x, 0.5), lambda x: TF.elu(x, 0.5)),
            "selu": (F.selu, TF.selu),
            "silu": (F.silu, TF.silu),
            "gelu": (F.gelu, TF.gelu),
            "gelu tanh": (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
            "softplus": (F.softplus, TF.softplus),
            "softplus beta=2 threshold=5": (lambda x: F.softplus(x, 2.0, 5.0), lambda x: TF.softplus(x, 2.0, 5.0)),
            "softplus beta=0.5": (lambda x: F.softplus(x, beta=0.5), lambda x: TF.softplus(x, beta=0.5)),
            "swish beta=1 (silu)": (lambda x: F.swish(x, 1.0), TF.silu),
        }
        for label, x in xs.items():
            for name, (gs, th) in activations.items():
                check("activations", f"{name} {label} {dn}", gs, th, [x])
        check("kinks", f"leaky_relu at 0 {dn}", F.leaky_relu, TF.leaky_relu, [np.array([-1.0, 0.0, 1.0], dtype)])
        check("kinks", f"elu at 0 {dn}", F.elu, TF.elu, [np.array([-1.0, 0.0, 1.0], dtype)])
        check(
            "kinks",
            f"softplus at threshold {dn}",
            lambda x: F.softplus(x, 2.0, 5.0),
            lambda x: TF.softplus(x, 2.0, 5.0),
            [np.array([2.5, 2.4999, 2.5001], dtype)],
        )
        for shape in [(5,), (3, 5), (2, 3, 4)]:
            check(
                "activations",
                f"prelu one slope {shape} {dn}",
                F.prelu,
                TF.prelu,
                [normal(shape, dtype), np.array([0.25], dtype)],
            )
            if len(shape) > 1:
                check(
                    "activations",
                    f"prelu per channel {shape} {dn}",
                    F.prelu,
                    TF.prelu,
                    [normal(shape, dtype), normal((shape[1],), dtype)],
                )
        for shape, axis in [((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1), ((5,), 0)]:
            for name, gs_op, th_op in (
                ("softmax", F.softmax, TF.softmax),
                ("log_softmax", F.log_softmax, TF.log_softmax),
            ):
                check(
                    "activations",
                    f"{name} {shape} axis={axis} {dn}",
                    lambda x, f=gs_op, a=axis: f(x, axis=a),
                    lambda x, f=th_op, a=axis: f(x, dim=a),
                    [normal(shape, dtype, 3.0)],
                )
                check(
                    "activations",
                    f"{name} ±1000 {shape} axis={axis} {dn}",
                    lambda x, f=gs_op, a=axis: f(x, axis=a),
                    lambda x, f=th_op, a=axis: f(x, dim=a),
                    [normal(shape, dtype, 1000.0)],
                )
            check(
                "activations",
                f"softmax temperature 2 {shape} {dn}",
                lambda x, a=axis: F.softmax(x, axis=a, temperature=2.0),
                lambda x, a=axis: TF.softmax(x / 2.0, a),
                [normal(shape, dtype)],
            )
        for sx, sw, bias in [
            ((4, 3), (2, 3), True),
            ((3,), (2, 3), True),
            ((5, 4, 3), (2, 3), False),
            ((4, 3), (2, 3), False),
        ]:
            inputs = [normal(sx, dtype), normal(sw, dtype)] + ([normal((2,), dtype)] if bias else [])
            check("functional", f"linear {sx} {sw} bias={bias} {dn}", F.linear, TF.linear, inputs)


def check_normalization() -> None:
    for dtype in FLOATS:
        dn = np.dtype(dtype)
        for shape in [(8, 3), (4, 3, 5), (2, 3)]:
            c = shape[1]
            for training in (True, False):
                for affine in (True, False):
                    for momentum in (0.1, 0.3):
                        tag = f"{shape} training={training} affine={affine} momentum={momentum} {dn}"
                        rm0, rv0 = normal((c,), dtype), positive((c,), dtype)
                        gs_stats = [rm0.copy(), rv0.copy()]
                        th_stats = [torch.tensor(rm0.copy()), torch.tensor(rv0.copy())]
                        inputs = [normal(shape, dtype, 2.0) + 1]
                        if affine:
                            inputs += [normal((c,), dtype), normal((c,), dtype)]

                        def gs(x, *wb, s=gs_stats, t=training, m=momentum):
                            return F.batch_norm(x, s[0], s[1], *wb, training=t, momentum=m)

                        def th(x, *wb, s=th_stats, t=training, m=momentum):
                            return TF.batch_norm(x, s[0], s[1], *wb, training=t, momentum=m)

                        check("batch_norm", tag, gs, th, inputs)
                        if REPORT.wanted("batch_norm", tag):
                            problem = mismatch(
                                gs_stats[0], th_stats[0].numpy(), TOLERANCE[np.dtype(dtype)]
                            ) or mismatch(gs_stats[1], th_stats[1].numpy(), TOLERANCE[np.dtype(dtype)])
                            REPORT.record("batch_norm", f"running stats {tag}", problem)
                check(
                    "batch_norm",
                    f"{shape} training without running stats {dn}",
                    lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                    lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
                    [normal(shape, dtype), normal((c,), dtype), normal((c,), dtype)],
                )
                check(
                    "batch_norm",
                    f"{shape} eps=0.1 {dn}",
                    lambda x: F.batch_norm(x, None, None, training=True, eps=0.1),
                    lambda x: TF.batch_norm(x, None, None, training=True, eps=0.1),
                    [normal(shape, dtype)],
                )
        # the module: running stats over several batches, then eval
        for momentum in (0.1, None):
            gs_bn, th_bn = nn.BatchNorm1d(3, momentum=momentum, dtype=dtype), torch.nn.BatchNorm1d(3, momentum=momentum)
            th_bn = th_bn.to(torch.float64 if dtype == np.float64 else torch.float32)
            problem = None
            for _ in range(4):
                x = normal((6, 3), dtype, 3.0)
                got, want = gs_bn(ag.tensor(x)).data, th_bn(torch.tensor(x)).detach().numpy()
                problem = problem or mismatch(got, want, TOLERANCE[np.dtype(dtype)])
            problem = problem or mismatch(
                gs_bn.running_mean.data, th_bn.running_mean.numpy(), TOLERANCE[np.dtype(dtype)]
            )
            problem = problem or mismatch(gs_bn.running_var.data, th_bn.running_var.numpy(), TOLERANCE[np.dtype(dtype)])
            gs_bn.eval()
            th_bn.eval()
            x = normal((5, 3), dtype)
            problem = problem or mismatch(
                gs_bn(ag.tensor(x)).data, th_bn(torch.tensor(x)).detach().numpy(), TOLERANCE[np.dtype(dtype)]
            )
            if REPORT.wanted("batch_norm", "BatchNorm1d"):
                REPORT.record("batch_norm", f"BatchNorm1d momentum={momentum} 4 batches then eval {dn}", problem)
        for shape, normalized in [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((2, 3, 4), (4,)), ((6,), (6,))]:
            check(
                "layer_norm",
                f"{shape} {normalized} affine {dn}",
                lambda x, w, b, n=normalized: F.layer_norm(x, n, w, b),
                lambda x, w, b, n=normalized: TF.layer_norm(x, n, w, b),
                [normal(shape, dtype, 2.0), normal(normalized, dtype), normal(normalized, dtype)],
            )
            check(
                "layer_norm",
                f"{shape} {normalized} plain eps=0.01 {dn}",
                lambda x, n=normalized: F.layer_norm(x, n, eps=0.01),
                lambda x, n=normalized: TF.layer_norm(x, n, eps=0.01),
                [normal(shape, dtype)],
            )


REDUCTIONS = ("mean", "sum", "none")


def check_losses() -> None:
    for dtype in FLOATS:
        dn = np.dtype(dtype)
        for reduction in REDUCTIONS:
            tag = f"reduction={reduction} {dn}"
            for shape in [(4, 3), (5,), ()]:
                for name, gs_op, th_op in (("mse_loss", F.mse_loss, TF.mse_loss), ("l1_loss", F.l1_loss, TF.l1_loss)):
                    check(
                        "losses",
                        f"{name} {shape} {tag}",
                        lambda x, y, f=gs_op, r=reduction: f(x, y, reduction=r),
                        lambda x, y, f=th_op, r=reduction: f(x, y, reduction=r),
                        [normal(shape, dtype), normal(shape, dtype)],
                    )
                for delta in (1.0, 0.5, 2.0):
                    check(
                        "losses",
                        f"huber_loss delta={delta} {shape} {tag}",
                        lambda x, y, r=reduction, d=delta: F.huber_loss(x, y, reduction=r, delta=d),
                        lambda x, y, r=reduction, d=delta: TF.huber_loss(x, y, reduction=r, delta=d),
                        [normal(shape, dtype, 2.0), normal(shape, dtype)],
                    )
            check(
                "kinks",
                f"l1_loss/huber at equal values {tag}",
                lambda x, y, r=reduction: F.l1_loss(x, y, reduction=r) + F.huber_loss(x, y, reduction=r),
                lambda x, y, r=reduction: TF.l1_loss(x, y, reduction=r) + TF.huber_loss(x, y, reduction=r),
                [np.array([0.0, 1.0, 2.0, 0.5], dtype), np.array([0.0, 1.0, 1.0, 1.5], dtype)],
            )
            # binary cross-entropy on probabilities (incl. the clamped log at 0 and 1) and on logits
            p = RNG.uniform(0.01, 0.99, (4, 3)).astype(dtype)
            y = RNG.uniform(0, 1, (4, 3)).astype(dtype)
            check(
                "losses",
                f"binary_cross_entropy {tag}",
                lambda x, t, r=reduction: F.binary_cross_entropy(x, t, reduction=r),
                lambda x, t, r=reduction: TF.binary_cross_entropy(x, t, reduction=r),
                [p, y],
            )
            check(
                "losses",
                f"binary_cross_entropy weight {tag}",
                lambda x, t, w, r=reduction: F.binary_cross_entropy(x, t, w, reduction=r),
                lambda x, t, w, r=reduction: TF.binary_cross_entropy(x, t, w, reduction=r),
                [p, y, positive((3,), dtype)],
                diff=[0],
            )
            check(
                "losses",
                f"binary_cross_entropy at 0 and 1 {tag}",
                lambda x, t, r=reduction: F.binary_cross_entropy(x, t, reduction=r),
                lambda x, t, r=reduction: TF.binary_cross_entropy(x, t, reduction=r),
                [np.array([0.0, 1.0, 0.0, 1.0, 0.5], dtype), np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype)],
                diff=[0],
            )
            logits = normal((4, 3), dtype, 3.0)
            logits[0] = [1000.0, -1000.0, 0.0]
            for extras in (
                {},
                {"weight": positive((3,), dtype)},
                {"pos_weight": positive((3,), dtype)},
                {"weight": positive((4, 1), dtype), "pos_weight": positive((3,), dtype)},
            ):
                keys = sorted(extras)
                check(
                    "losses",
                    f"bce_with_logits {keys} {tag}",
                    lambda x, t, *e, r=reduction, k=keys: F.binary_cross_entropy_with_logits(
                        x, t, reduction=r, **dict(zip(k, e))
                    ),
                    lambda x, t, *e, r=reduction, k=keys: TF.binary_cross_entropy_with_logits(
                        x, t, reduction=r, **dict(zip(k, e))
                    ),
                    [logits, y, *[extras[k] for k in keys]],
                    diff=[0, 1],
                )
            # cross-entropy: labels, K-dimensional, weights, ignore_index, label smoothing, probabilities
            x = normal((5, 4), dtype, 2.0)
            labels = np.array([0, 3, 1, 1, 2])
            w = positive((4,), dtype)
            for smoothing in (0.0, 0.2):
                for weighted in (False, True):
                    for ignore in (-100, 1):
                        name = f"cross_entropy labels smoothing={smoothing} weight={weighted} ignore={ignore} {tag}"
                        inputs = [x, labels] + ([w] if weighted else [])
                        check(
                            "cross_entropy",
                            name,
                            lambda a, t, *wt, r=reduction, s=smoothing, i=ignore: F.cross_entropy(
                                a, t, *wt, ignore_index=i, reduction=r, label_smoothing=s
                            ),
                            lambda a, t, *wt, r=reduction, s=smoothing, i=ignore: TF.cross_entropy(
                                a, t, *wt, ignore_index=i, reduction=r, label_smoothing=s
                            ),
                            inputs,
                            diff=[0],
                        )
                probs = RNG.dirichlet(np.ones(4), 5).astype(dtype)
                for weighted in (False, True):
                    check(
                        "cross_entropy",
                        f"cross_entropy probabilities smoothing={smoothing} weight={weighted} {tag}",
                        lambda a, t, *wt, r=reduction, s=smoothing: F.cross_entropy(
                            a, t, *wt, reduction=r, label_smoothing=s
                        ),
                        lambda a, t, *wt, r=reduction, s=smoothing: TF.cross_entropy(
                            a, t, *wt, reduction=r, label_smoothing=s
                        ),
                        [x, probs] + ([w] if weighted else []),
                        diff=[0, 1],
                    )
                xk = normal((2, 4, 3), dtype)
                lk = np.array([[0, 3, 1], [2, 2, 0]])
                check(
                    "cross_entropy",
                    f"cross_entropy (N, C, d) labels smoothing={smoothing} {tag}",
                    lambda a, t, r=reduction, s=smoothing: F.cross_entropy(a, t, reduction=r, label_smoothing=s),
                    lambda a, t, r=reduction, s=smoothing: TF.cross_entropy(a, t, reduction=r, label_smoothing=s),
                    [xk, lk],
                    diff=[0],
                )
            check(
                "cross_entropy",
                f"cross_entropy 1-D input, 0-d label {tag}",
                lambda a, t, r=reduction: F.cross_entropy(a, t, reduction=r),
                lambda a, t, r=reduction: TF.cross_entropy(a, t, reduction=r),
                [normal((4,), dtype), np.array(2)],
                diff=[0],
            )
            zero_weight = np.array([0.0, 0.0, 1.0, 1.0], dtype)
            for name, gs_op, th_op in (
                ("cross_entropy", F.cross_entropy, TF.cross_entropy),
                ("nll_loss", F.nll_loss, TF.nll_loss),
            ):
                check(
                    "cross_entropy",
                    f"{name} zero total weight, one ignored {tag}",
                    lambda a, t, w, f=gs_op, r=reduction: f(a, t, w, ignore_index=2, reduction=r),
                    lambda a, t, w, f=th_op, r=reduction: f(a, t, w, ignore_index=2, reduction=r),
                    [normal((3, 4), dtype), np.array([0, 1, 2]), zero_weight],
                    diff=[0],
                )
            check(
                "cross_entropy",
                f"cross_entropy all ignored {tag}",
                lambda a, t, r=reduction: F.cross_entropy(a, t, reduction=r, ignore_index=1),
                lambda a, t, r=reduction: TF.cross_entropy(a, t, reduction=r, ignore_index=1),
                [normal((2, 3), dtype), np.array([1, 1])],
                diff=[0],
            )
            check(
                "cross_entropy",
                f"cross_entropy ±1000 logits {tag}",
                lambda a, t, r=reduction: F.cross_entropy(a, t, reduction=r),
                lambda a, t, r=reduction: TF.cross_entropy(a, t, reduction=r),
                [np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]], dtype), np.array([1, 2])],
                diff=[0],
            )
            logp = TF.log_softmax(torch.tensor(x), 1).numpy()
            for weighted in (False, True):
                for ignore in (-100, 3):
                    check(
                        "cross_entropy",
                        f"nll_loss weight={weighted} ignore={ignore} {tag}",
                        lambda a, t, *wt, r=reduction, i=ignore: F.nll_loss(a, t, *wt, ignore_index=i, reduction=r),
                        lambda a, t, *wt, r=reduction, i=ignore: TF.nll_loss(a, t, *wt, ignore_index=i, reduction=r),
                        [logp, labels] + ([w] if weighted else []),
                        diff=[0],
                    )
            check(
                "cross_entropy",
                f"nll_loss (N, C, d) {tag}",
                lambda a, t, r=reduction: F.nll_loss(a, t, reduction=r),
                lambda a, t, r=reduction: TF.nll_loss(a, t, reduction=r),
                [normal((2, 4, 3), dtype), np.array([[0, 3, 1], [2, 2, 0]])],
                diff=[0],
            )
            for p_norm in (1, 2):
                for margin in (1.0, 0.5):
                    for weighted in (False, True):
                        check(
                            "losses",
                            f"multi_margin_loss p={p_norm} margin={margin} weight={weighted} {tag}",
                            lambda a, t, *wt, r=reduction, p=p_norm, m=margin: F.multi_margin_loss(
                                a, t, p=p, margin=m, weight=wt[0] if wt else None, reduction=r
                            ),
                            lambda a, t, *wt, r=reduction, p=p_norm, m=margin: TF.multi_margin_loss(
                                a, t, p=p, margin=m, weight=wt[0] if wt else None, reduction=r
                            ),
                            [x, labels] + ([w] if weighted else []),
                            diff=[0],
                        )
            check(
                "kinks",
                f"multi_margin_loss at the hinge {tag}",
                lambda a, t, r=reduction: F.multi_margin_loss(a, t, reduction=r),
                lambda a, t, r=reduction: TF.multi_margin_loss(a, t, reduction=r),
                [np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0]], dtype), np.array([0, 1])],
                diff=[0],
            )
            check(
                "losses",
                f"multi_margin_loss 1-D input {tag}",
                lambda a, t, r=reduction: F.multi_margin_loss(a, t, reduction=r),
                lambda a, t, r=reduction: TF.multi_margin_loss(a, t, reduction=r),
                [normal((4,), dtype), np.array(2)],
                diff=[0],
            )
            # multilabel hinge (±1 targets) against its documented formula built from torch ops
            signs = np.where(RNG.random((4, 3)) > 0.5, 1.0, -1.0).astype(dtype)
            check(
                "losses",
                f"multilabel_hinge_loss (formula) {tag}",
                lambda a, t, r=reduction: F.multilabel_hinge_loss(a, t, reduction=r),
                lambda a, t, r=reduction: _reduce_torch(torch.clamp(1 - a * t, min=0).mean(-1), r),
                [normal((4, 3), dtype), signs],
                diff=[0],
            )
        for reduction in ("mean", "sum", "none", "batchmean"):
            for log_target in (False, True):
                logq = TF.log_softmax(torch.tensor(normal((4, 3), dtype)), 1).numpy()
                target = RNG.dirichlet(np.ones(3), 4).astype(dtype)
                target[0, 0] = 0.0  # 0·log 0 = 0
                if log_target:
                    target = np.log(target + 0.1).astype(dtype)
                check(
                    "losses",
                    f"kl_div reduction={reduction} log_target={log_target} {dn}",
                    lambda a, t, r=reduction, lt=log_target: F.kl_div(a, t, reduction=r, log_target=lt),
                    lambda a, t, r=reduction, lt=log_target: TF.kl_div(a, t, reduction=r, log_target=lt),
                    [logq, target],
                    diff=[0],
                )
                # the target's gradient where target > 0 (at target == 0 torch's is NaN, ours 0: see KNOWN)
                positive_target = target if log_target else np.abs(target) + np.asarray(0.05, dtype)
                check(
                    "losses",
                    f"kl_div target grad reduction={reduction} log_target={log_target} {dn}",
                    lambda a, t, r=reduction, lt=log_target: F.kl_div(a, t, reduction=r, log_target=lt),
                    lambda a, t, r=reduction, lt=log_target: TF.kl_div(a, t, reduction=r, log_target=lt),
                    [logq, positive_target],
                )
                if not log_target:
                    check(
                        "losses",
                        f"kl_div target grad at target == 0 reduction={reduction} {dn}",
                        lambda a, t, r=reduction: F.kl_div(a, t, reduction=r),
                        lambda a, t, r=reduction: TF.kl_div(a, t, reduction=r),
                        [logq, target],
                    )


def _reduce_torch(values, reduction):
    return values.mean() if reduction == "mean" else values.sum() if reduction == "sum" else values


# ----- dtype rules --------------------------------------------------------------------------------
def check_dtypes() -> None:
    x32 = ag.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    cases = {
        "x * 2.0": lambda x: x * 2.0,
        "2.0 - x": lambda x: 2.0 - x,
        "x / 3": lambda x: x / 3,
        "x ** 2.5": lambda x: ag.abs(x) ** 2.5,
        "2.0 ** x": lambda x: 2.0**x,
        "maximum(x, 0.5)": lambda x: ag.maximum(x, 0.5),
        "where(c, x, 0.0)": lambda x: ag.where(x.data > 0, x, 0.0),
        "clip": lambda x: ag.clip(x, -0.5, 0.5),
        "mean": lambda x: ag.mean(x),
        "var ddof=1": lambda x: ag.var(x, ddof=1),
        "std": lambda x: ag.std(x, 0),
        "logsumexp": lambda x: ag.logsumexp(x),
        "matmul": lambda x: x @ x.T,
        "einsum": lambda x: ag.einsum("ij->j", x),
        "pad": lambda x: ag.pad(x, 1, constant_values=2.0),
        "softmax": lambda x: F.softmax(x),
        "gelu": lambda x: F.gelu(x),
        "gelu tanh": lambda x: F.gelu(x, approximate="tanh"),
        "softplus": lambda x: F.softplus(x, beta=2.0),
        "elu": lambda x: F.elu(x, 0.5),
        "selu": F.selu,
        "silu": F.silu,
        "leaky_relu": lambda x: F.leaky_relu(x, 0.1),
        "cross_entropy": lambda x: F.cross_entropy(x, np.array([0, 2]), label_smoothing=0.1),
        "cross_entropy probs": lambda x: F.cross_entropy(x, np.full((2, 3), 1 / 3, np.float32)),
        "bce_with_logits": lambda x: F.binary_cross_entropy_with_logits(
            x, np.full((2, 3), 0.5, np.float32), pos_weight=np.full(3, 2.0, np.float32)
        ),
        "mse_loss vs python-float target": lambda x: F.mse_loss(x, ag.full((2, 3), 0.0)),
        "huber_loss": lambda x: F.huber_loss(x, np.zeros((2, 3), np.float32), delta=0.5),
        "kl_div batchmean": lambda x: F.kl_div(F.log_softmax(x), np.full((2, 3), 1 / 3, np.float32), "batchmean"),
        "layer_norm": lambda x: F.layer_norm(x, (3,)),
        "batch_norm": lambda x: F.batch_norm(x, np.zeros(3, np.float32), np.ones(3, np.float32), training=True),
        "linear": lambda x: F.linear(x, x),
        "multi_margin": lambda x: F.multi_margin_loss(x, np.array([0, 1])),
    }
    for name, fn in cases.items():
        if not REPORT.wanted("dtype", name):
            continue
        x32.grad = None
        try:
            out = fn(x32)
            problem = None if out.dtype == np.float32 else f"float32 input gives {out.dtype} output"
            if problem is None:
                ag.sum(out).backward()
                problem = None if x32.grad.dtype == np.float32 else f"float32 input gets {x32.grad.dtype} gradient"
        except Exception as error:  # noqa: BLE001
            problem = f"raised {type(error).__name__}: {error}"
        REPORT.record("dtype", f"{name} stays float32", problem)


# ----- modules, init ------------------------------------------------------------------------------
def _statistics_problem(values: np.ndarray, low=None, high=None, std=None, mean=0.0) -> str | None:
    """A sample of 60,000+ draws: bounds respected and reached, mean and std within 3%."""
    if low is not None:
        if values.min() < low or values.max() > high:
            return f"outside [{low:.4g}, {high:.4g}]: [{values.min():.4g}, {values.max():.4g}]"
        if values.min() > low + 0.01 * (high - low) or values.max() < high - 0.01 * (high - low):
            return f"does not fill [{low:.4g}, {high:.4g}]: [{values.min():.4g}, {values.max():.4g}]"
        std = (high - low) / math.sqrt(12)
    spread = values.std()
    if abs(spread - std) > 0.03 * std or abs(values.mean() - mean) > 0.03 * std + 1e-12:
        return f"mean {values.mean():.4g} std {spread:.4g}, expected mean {mean:.4g} std {std:.4g}"
    return None


def check_init() -> None:
    for name, param in [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 0),
        ("selu", None),
        ("conv_transpose3d", None),
    ]:
        REPORT.record(
            "init",
            f"calculate_gain({name}, {param})",
            mismatch(nn.init.calculate_gain(name, param), torch.nn.init.calculate_gain(name, param), 1e-15),
        )
    for shape in [(300, 250), (200, 30, 3, 4), (250, 400)]:
        fan_in = shape[1] * math.prod(shape[2:])
        fan_out = shape[0] * math.prod(shape[2:])
        fans = nn.init.fan_in_and_fan_out(np.empty(shape))
        REPORT.record("init", f"fans of {shape}", None if fans == (fan_in, fan_out) else f"{fans}")
        array = np.empty(shape)
        cases = {
            "xavier_uniform gain=2": (
                lambda a=array: nn.init.xavier_uniform_(a, gain=2.0),
                2 * math.sqrt(6 / (fan_in + fan_out)),
                None,
            ),
            "xavier_normal": (lambda a=array: nn.init.xavier_normal_(a), None, math.sqrt(2 / (fan_in + fan_out))),
            "kaiming_uniform a=√5": (
                lambda a=array: nn.init.kaiming_uniform_(a, a=math.sqrt(5)),
                math.sqrt(6 / ((1 + 5) * fan_in)),
                None,
            ),
            "kaiming_uniform relu fan_out": (
                lambda a=array: nn.init.kaiming_uniform_(a, mode="fan_out", nonlinearity="relu"),
                math.sqrt(6 / fan_out),
                None,
            ),
            "kaiming_normal relu": (
                lambda a=array: nn.init.kaiming_normal_(a, nonlinearity="relu"),
                None,
                math.sqrt(2 / fan_in),
            ),
            "kaiming_normal leaky a=0.1 fan_out": (
                lambda a=array: nn.init.kaiming_normal_(a, a=0.1, mode="fan_out"),
                None,
                math.sqrt(2 / (1.01 * fan_out)),
            ),
            "uniform(-2, 3)": (lambda a=array: nn.init.uniform_(a, -2.0, 3.0), None, None),
            "normal(1, 0.5)": (lambda a=array: nn.init.normal_(a, 1.0, 0.5), None, 0.5),
        }
        for label, (fill, bound, std) in cases.items():
            fill()
            if label == "uniform(-2, 3)":
                problem = _statistics_problem(array.ravel(), -2.0, 3.0, mean=0.5)
            elif label.startswith("normal"):
                problem = _statistics_problem(array.ravel(), std=0.5, mean=1.0)
            elif bound is not None:
                problem = _statistics_problem(array.ravel(), -bound, bound)
            else:
                problem = _statistics_problem(array.ravel(), std=std)
            REPORT.record("init", f"{label} {shape}", problem)
    # default initialization of the layers, as torch.nn: Linear is kaiming_uniform(a=√5) = U(±1/√fan_in)
    weights, biases = [], []
    for seed in range(6):
        layer = nn.Linear(400, 30, generator=np.random.default_rng(seed))
        weights.append(layer.weight.data.ravel())
        biases.append(layer.bias.data.ravel())
    bound = 1 / math.sqrt(400)
    REPORT.record(
        "init", "nn.Linear(400, 30) weight ~ U(±1/√400)", _statistics_problem(np.concatenate(weights), -bound, bound)
    )
    bias = np.concatenate([nn.Linear(400, 2000, generator=np.random.default_rng(1)).bias.data])
    REPORT.record("init", "nn.Linear(400, 2000) bias ~ U(±1/√400)", _statistics_problem(bias, -bound, bound))
    layer = nn.Linear(3, 2)
    REPORT.record(
        "init",
        "nn.Linear layout and dtype",
        None
        if (layer.weight.shape, layer.bias.shape, layer.weight.dtype) == ((2, 3), (2,), np.float32)
        else f"{layer.weight.shape} {layer.bias.shape} {layer.weight.dtype}",
    )
    bn, th_bn = nn.BatchNorm1d(4), torch.nn.BatchNorm1d(4)
    problem = None
    for key, value in th_bn.state_dict().items():
        mine = bn.state_dict().get(key)
        if mine is None or not np.array_equal(np.asarray(mine), value.numpy()):
            problem = f"{key}: {mine} vs {value.numpy()}"
    REPORT.record("init", "nn.BatchNorm1d state_dict equals torch's", problem)
    ln, th_ln = nn.LayerNorm(5), torch.nn.LayerNorm(5)
    problem = (
        None
        if sorted(ln.state_dict()) == sorted(th_ln.state_dict())
        and np.array_equal(np.asarray(ln.state_dict()["weight"]), th_ln.weight.detach().numpy())
        else f"{dict(ln.state_dict())}"
    )
    REPORT.record("init", "nn.LayerNorm state_dict equals torch's", problem)
    prelu = nn.PReLU(3)
    REPORT.record(
        "init",
        "nn.PReLU(3) slopes 0.25",
        None
        if np.allclose(np.asarray(prelu.weight.data), 0.25) and prelu.weight.shape == (3,)
        else f"{prelu.weight.data}",
    )


# ----- optimizers and schedulers ------------------------------------------------------------------
def _gradient_of(params: list[np.ndarray], step: int) -> list[np.ndarray]:
    """A deterministic gradient field that depends on the parameters (so the trajectories interact)."""
    return [np.sin(p * (1 + step)) + 0.3 * p**3 - 0.1 * step for p in params]


OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.1, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.5)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.1, alpha=0.9)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6)),
]


def check_optimizers() -> None:
    for dtype in FLOATS:
        dn = np.dtype(dtype)
        for name, options in OPTIMIZERS:
            label = f"{name} {options} 12 steps {dn}"
            if not REPORT.wanted("optim", label):
                continue
            start = [normal((3, 4), dtype), normal((4,), dtype)]
            gs_params = [nn.Parameter(a.copy()) for a in start]
            th_params = [torch.nn.Parameter(torch.tensor(a.copy())) for a in start]
            try:
                gs_opt = getattr(nn.optim, name)(gs_params, **options)
                th_opt = getattr(torch.optim, name)(th_params, **options)
                problem = None
                for step in range(12):
                    gs_grads = _gradient_of([p.data for p in gs_params], step)
                    th_grads = _gradient_of([p.detach().numpy() for p in th_params], step)
                    for p, g in zip(gs_params, gs_grads):
                        p.grad = ag.tensor(g.astype(dtype))
                    for p, g in zip(th_params, th_grads):
                        p.grad = torch.tensor(g.astype(dtype))
                    gs_opt.step()
                    th_opt.step()
                    for p, q in zip(gs_params, th_params):
                        problem = problem or mismatch(p.data, q.detach().numpy(), 5 * TOLERANCE[dn])
                        if p.data.dtype != dtype and problem is None:
                            problem = f"parameter became {p.data.dtype}"
                    if problem:
                        problem = f"step {step}: {problem}"
                        break
            except Exception as error:  # noqa: BLE001
                problem = f"raised {type(error).__name__}: {error}"
            REPORT.record("optim", label, problem)
    schedulers = [
        ("StepLR", dict(step_size=3, gamma=0.5)),
        ("ExponentialLR", dict(gamma=0.9)),
        ("CosineAnnealingLR", dict(T_max=7)),
        ("CosineAnnealingLR", dict(T_max=5, eta_min=0.01)),
    ]
    for name, options in schedulers:
        gs_opt = nn.optim.SGD([nn.Parameter(np.zeros(2))], lr=0.2)
        th_opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.2)
        gs_sched = getattr(nn.optim.lr_scheduler, name)(gs_opt, **options)
        th_sched = getattr(torch.optim.lr_scheduler, name)(th_opt, **options)
        got, want = [], []
        for _ in range(25):
            got.append(gs_opt.param_groups[0]["lr"])
            want.append(th_opt.param_groups[0]["lr"])
            gs_opt.step()
            th_opt.step()
            gs_sched.step()
            th_sched.step()
        problem = mismatch(got, want, 1e-12)
        if problem is None and hasattr(gs_sched, "get_last_lr"):
            problem = mismatch(gs_sched.get_last_lr(), th_sched.get_last_lr(), 1e-12)
        REPORT.record("lr_scheduler", f"{name} {options} 25 epochs", problem)
    for dtype in FLOATS:
        for norm_type in (2.0, 1.0, float("inf"), 3.0):
            for max_norm in (0.5, 100.0):
                grads = [normal((3, 4), dtype), normal((5,), dtype), normal((), dtype)]
                gs_params = [nn.Parameter(np.zeros_like(g)) for g in grads]
                th_params = [
                    torch.nn.Parameter(
                        torch.zeros(g.shape, dtype=torch.float64 if dtype == np.float64 else torch.float32)
                    )
                    for g in grads
                ]
                for p, q, g in zip(gs_params, th_params, grads):
                    p.grad = ag.tensor(g.copy())
                    q.grad = torch.tensor(g.copy())
                gs_total = nn.optim.clip_grad_norm_(gs_params, max_norm, norm_type)
                th_total = torch.nn.utils.clip_grad_norm_(th_params, max_norm, norm_type)
                problem = mismatch(
                    np.asarray(gs_total.data if hasattr(gs_total, "data") else gs_total),
                    th_total.numpy(),
                    TOLERANCE[np.dtype(dtype)],
                )
                for p, q in zip(gs_params, th_params):
                    problem = problem or mismatch(p.grad.data, q.grad.numpy(), TOLERANCE[np.dtype(dtype)])
                    if problem is None and p.grad.dtype != dtype:
                        problem = f"gradient became {p.grad.dtype}"
                REPORT.record("clip_grad_norm_", f"norm={norm_type} max={max_norm} {np.dtype(dtype)}", problem)


def _random_broadcast_pair() -> tuple[tuple, tuple]:
    ndim = int(RNG.integers(0, 5))
    full = [int(RNG.choice([0, 1, 2, 3])) if RNG.random() < 0.1 else int(RNG.integers(1, 4)) for _ in range(ndim)]
    shapes = []
    for _ in range(2):
        keep = int(RNG.integers(0, ndim + 1))
        shape = [n if RNG.random() < 0.7 else 1 for n in full[ndim - keep :]]
        shapes.append(tuple(shape))
    return shapes[0], shapes[1]


def check_fuzz(trials: int = 300) -> None:
    """Random broadcast shapes, axes, keepdims and ddof across the binary ops and the reductions."""
    binary = {
        "add": (ag.add, torch.add, normal),
        "sub": (ag.sub, torch.sub, normal),
        "mul": (ag.mul, torch.mul, normal),
        "div": (ag.div, torch.div, positive),
        "pow": (ag.pow, torch.pow, positive),
        "maximum": (ag.maximum, torch.maximum, ties),
        "minimum": (ag.minimum, torch.minimum, ties),
        "where": (lambda a, b: ag.where(a.data > b.data, a, b), lambda a, b: torch.where(a > b, a, b), ties),
    }
    names = sorted(binary)
    for trial in range(trials):
        dtype = FLOATS[trial % 2]
        name = names[trial % len(names)]
        gs, th, make = binary[name]
        sa, sb = _random_broadcast_pair()
        check("fuzz", f"#{trial} {name} {sa}x{sb} {np.dtype(dtype)}", gs, th, [make(sa, dtype), make(sb, dtype)])
    reductions = ["sum", "mean", "max", "min", "var", "std", "logsumexp", "prod"]
    for trial in range(trials):
        dtype = FLOATS[trial % 2]
        name = reductions[trial % len(reductions)]
        shape = tuple(int(n) for n in RNG.integers(1, 4, int(RNG.integers(1, 5))))
        ndim = len(shape)
        count = int(RNG.integers(0, ndim + 1))
        picked = sorted(RNG.choice(ndim, count, replace=False).tolist())
        axis = None if count == 0 else tuple(int(a) - ndim if RNG.random() < 0.5 else int(a) for a in picked)
        if axis is not None and len(axis) == 1 and RNG.random() < 0.5:
            axis = axis[0]
        keepdims = bool(RNG.random() < 0.5)
        ddof = int(RNG.integers(0, 2))
        reduced = range(ndim) if axis is None else np.atleast_1d(axis)
        dims = tuple(sorted(int(a) % ndim for a in reduced))
        if name in ("var", "std") and math.prod(shape[a] for a in dims) - ddof <= 0:
            ddof = 0
        make = ties if name in ("max", "min") else normal
        gs_op, th_op = getattr(ag, name), {"max": torch.amax, "min": torch.amin}.get(name, getattr(torch, name))
        if name in ("var", "std"):
            gs = lambda t, f=gs_op, a=axis, c=ddof, k=keepdims: f(t, a, c, k)
            th = lambda t, f=th_op, d=dims, c=ddof, k=keepdims: f(t, dim=d, correction=c, keepdim=k)
        elif name == "prod":
            gs = lambda t, a=axis, k=keepdims: ag.prod(t, a, k)

            def th(t, d=dims, k=keepdims):
                for a in reversed(d):
                    t = torch.prod(t, dim=a, keepdim=k)
                return t
        else:
            gs = lambda t, f=gs_op, a=axis, k=keepdims: f(t, a, k)
            th = lambda t, f=th_op, d=dims, k=keepdims: f(t, dim=d, keepdim=k)
        check(
            "fuzz",
            f"#{trial} {name} {shape} axis={axis} keepdims={keepdims} ddof={ddof} {np.dtype(dtype)}",
            gs,
            th,
            [make(shape, dtype)],
        )


def check_numpy_only() -> None:
    """NumPy semantics where torch differs or has no counterpart (compared with NumPy itself)."""
    x = normal((2, 3, 4), np.float64)
    cases = {
        "sum axis=() is the identity": (lambda t: ag.sum(t, ()), lambda a: np.sum(a, ())),
        "mean axis=(), keepdims": (lambda t: ag.mean(t, (), True), lambda a: np.mean(a, (), keepdims=True)),
        "transpose() reverses": (lambda t: t.transpose(), lambda a: a.transpose()),
        "squeeze() all": (
            lambda t: ag.squeeze(ag.reshape(t, (1, 2, 1, 12))),
            lambda a: np.squeeze(a.reshape(1, 2, 1, 12)),
        ),
        "flatten": (ag.flatten, lambda a: a.flatten()),
        "getitem [::-1, ..., ::-2]": (lambda t: t[::-1, ..., ::-2], lambda a: a[::-1, ..., ::-2]),
        "getitem [[0, 1], :, [1, 1]] (advanced, separated)": (
            lambda t: t[[0, 1], :, [1, 1]],
            lambda a: a[[0, 1], :, [1, 1]],
        ),
        "getitem [:, [0, 2], [1, 3]]": (lambda t: t[:, [0, 2], [1, 3]], lambda a: a[:, [0, 2], [1, 3]]),
        "getitem np.int64": (lambda t: t[np.int64(1)], lambda a: a[np.int64(1)]),
        "split 3 sections axis=-1 of 4? (4 not divisible: error in both)": None,
        "var ddof=1 keepdims": (
            lambda t: ag.var(t, (0, 2), 1, True),
            lambda a: np.var(a, (0, 2), ddof=1, keepdims=True),
        ),
        "std axis=None": (lambda t: ag.std(t), lambda a: np.std(a)),
        "matmul (4,) @ (2, 4, 3)": (
            lambda t: ag.matmul(ag.reshape(t, (2, 12))[0, :4], ag.reshape(t, (2, 4, 3))),
            lambda a: a.reshape(2, 12)[0, :4] @ a.reshape(2, 4, 3),
        ),
        "pad ((1, 2),) broadcast": (lambda t: ag.pad(t, ((1, 2),)), lambda a: np.pad(a, ((1, 2),))),
        "stack axis=-1": (lambda t: ag.stack([t, t], -1), lambda a: np.stack([a, a], -1)),
        "concatenate axis=-2": (lambda t: ag.concatenate([t, t], -2), lambda a: np.concatenate([a, a], -2)),
        "expand_dims tuple": (lambda t: ag.expand_dims(t, (0, -1)), lambda a: np.expand_dims(a, (0, -1))),
        "swapaxes": (lambda t: ag.swapaxes(t, 0, -1), lambda a: np.swapaxes(a, 0, -1)),
        "einsum implicit output 'ij,jk'": (
            lambda t: ag.einsum("ij,jk", t[0], t[1].T),
            lambda a: np.einsum("ij,jk", a[0], a[1].T),
        ),
        "argmax axis=-1": (lambda t: ag.argmax(t, -1), lambda a: np.argmax(a, -1)),
    }
    for name, pair in cases.items():
        if pair is None or not REPORT.wanted("numpy", name):
            continue
        gs, reference = pair
        try:
            got = gs(ag.tensor(x)).data
            want = reference(x)
            problem = mismatch(got, want, 1e-12)
        except Exception as error:  # noqa: BLE001
            problem = f"raised {type(error).__name__}: {error}"
        REPORT.record("numpy", name, problem)
    # gradient of getitem with separated advanced indices (repeats accumulate), against np.add.at
    if REPORT.wanted("numpy", "getitem grad"):
        t = ag.tensor(x, requires_grad=True)
        v = normal((2, 3), np.float64)
        (t[[0, 0], :, [1, 1]] * ag.tensor(v)).sum().backward()
        want = np.zeros_like(x)
        np.add.at(want, ([0, 0], slice(None), [1, 1]), v)
        REPORT.record(
            "numpy", "getitem grad with repeated separated indices vs np.add.at", mismatch(t.grad.data, want, 1e-12)
        )
    # dtype rules against torch's for integer tensors and Python scalars
    for label, gs, th in [
        ("int tensor * 2.5", lambda: ag.tensor(np.array([1, 2])) * 2.5, lambda: torch.tensor([1, 2]) * 2.5),
        ("float32 tensor + 1", lambda: ag.tensor(np.ones(2, np.float32)) + 1, lambda: torch.ones(2) + 1),
        ("float32 tensor ** 2", lambda: ag.tensor(np.ones(2, np.float32)) ** 2, lambda: torch.ones(2) ** 2),
        ("int tensor / 2", lambda: ag.tensor(np.array([1, 2])) / 2, lambda: torch.tensor([1, 2]) / 2),
        (
            "bool mask sum",
            lambda: ag.sum(ag.tensor(np.array([1.0, -1.0])) > 0),
            lambda: (torch.tensor([1.0, -1.0]) > 0).sum(),
        ),
    ]:
        if not REPORT.wanted("dtype", label):
            continue
        got, want = gs(), th()
        want_dtype = np.dtype(str(want.dtype).removeprefix("torch."))
        REPORT.record(
            "dtype",
            f"{label} dtype like torch",
            None if got.dtype == want_dtype else f"{got.dtype}, torch {want_dtype}",
        )


def check_modules() -> None:
    """Modules with torch's weights loaded (load_state_dict of a torch state dict) and the loss modules."""
    torch.manual_seed(0)
    pairs = {
        "Linear(5, 3)": (nn.Linear(5, 3, dtype=np.float64), torch.nn.Linear(5, 3).double(), (4, 5)),
        "Sequential(Linear, Tanh, Linear)": (
            nn.Sequential(nn.Linear(5, 4, dtype=np.float64), nn.Tanh(), nn.Linear(4, 2, dtype=np.float64)),
            torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)).double(),
            (3, 5),
        ),
        "BatchNorm1d(5) train": (nn.BatchNorm1d(5, dtype=np.float64), torch.nn.BatchNorm1d(5).double(), (6, 5)),
        "LayerNorm((2, 5))": (nn.LayerNorm((2, 5), dtype=np.float64), torch.nn.LayerNorm((2, 5)).double(), (3, 2, 5)),
        "PReLU(5)": (nn.PReLU(5, dtype=np.float64), torch.nn.PReLU(5).double(), (3, 5)),
        "ELU(0.3)": (nn.ELU(0.3), torch.nn.ELU(0.3), (3, 5)),
        "GELU(tanh)": (nn.GELU("tanh"), torch.nn.GELU("tanh"), (3, 5)),
        "Softplus(2, 3)": (nn.Softplus(2.0, 3.0), torch.nn.Softplus(2.0, 3.0), (3, 5)),
        "LeakyReLU(0.2)": (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2), (3, 5)),
        "LogSoftmax(axis=0)": (nn.LogSoftmax(axis=0), torch.nn.LogSoftmax(dim=0), (3, 5)),
    }
    for name, (mine, theirs, shape) in pairs.items():
        if not REPORT.wanted("modules", name):
            continue
        with torch.no_grad():
            for parameter in theirs.parameters():
                parameter.uniform_(-1, 1)
        try:
            mine.load_state_dict(theirs.state_dict())
        except Exception as error:  # noqa: BLE001
            REPORT.record("modules", f"{name} load_state_dict", f"raised {type(error).__name__}: {error}")
            continue
        gs_params = [p for _, p in sorted(mine.named_parameters())]
        th_params = [p for _, p in sorted(theirs.named_parameters())]
        x = normal(shape, np.float64, 2.0)
        gs_x, th_x = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        gs_out, th_out = mine(gs_x), theirs(th_x)
        v = normal(tuple(th_out.shape), np.float64)
        (gs_out * ag.tensor(v)).sum().backward()
        th_grads = torch.autograd.grad(th_out, [th_x, *th_params], torch.tensor(v))
        problem = mismatch(gs_out.data, th_out.detach().numpy(), 1e-10)
        problem = problem or mismatch(gs_x.grad.data, th_grads[0].numpy(), 1e-10)
        for p, g in zip(gs_params, th_grads[1:]):
            problem = problem or mismatch(p.grad.data, g.numpy(), 1e-10)
        for key, value in theirs.state_dict().items():
            problem = problem or mismatch(np.asarray(mine.state_dict()[key]), value.numpy(), 1e-10)
        REPORT.record("modules", f"{name} forward, gradients, state after the step", problem)
    x = normal((4, 3), np.float64)
    labels = np.array([0, 2, 1, 2])
    w = positive((3,), np.float64)
    losses = {
        "CrossEntropyLoss(weight, label_smoothing=0.1)": (
            nn.CrossEntropyLoss(weight=w, label_smoothing=0.1),
            torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1),
        ),
        "NLLLoss(ignore_index=2, reduction=sum)": (
            nn.NLLLoss(ignore_index=2, reduction="sum"),
            torch.nn.NLLLoss(ignore_index=2, reduction="sum"),
        ),
        "MultiMarginLoss(p=2, margin=0.5)": (
            nn.MultiMarginLoss(p=2, margin=0.5),
            torch.nn.MultiMarginLoss(p=2, margin=0.5),
        ),
    }
    for name, (mine, theirs) in losses.items():
        check("modules", name, lambda a, t, m=mine: m(a, t), lambda a, t, m=theirs: m(a, t), [x, labels], diff=[0])
    y = RNG.uniform(0, 1, (4, 3))
    for name, (mine, theirs, make) in {
        "MSELoss(sum)": (nn.MSELoss("sum"), torch.nn.MSELoss(reduction="sum"), normal),
        "L1Loss": (nn.L1Loss(), torch.nn.L1Loss(), normal),
        "HuberLoss(delta=0.3)": (nn.HuberLoss(delta=0.3), torch.nn.HuberLoss(delta=0.3), normal),
        "BCEWithLogitsLoss(pos_weight)": (
            nn.BCEWithLogitsLoss(pos_weight=w),
            torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w)),
            normal,
        ),
        "BCELoss": (nn.BCELoss(), torch.nn.BCELoss(), lambda s, d: RNG.uniform(0.05, 0.95, s).astype(d)),
        "KLDivLoss(batchmean)": (nn.KLDivLoss("batchmean"), torch.nn.KLDivLoss(reduction="batchmean"), normal),
    }.items():
        check(
            "modules",
            name,
            lambda a, t, m=mine: m(a, t),
            lambda a, t, m=theirs: m(a, t),
            [make((4, 3), np.float64), y],
            diff=[0],
        )
    # training batch norm on a single item per channel: torch refuses (no variance to estimate)
    if REPORT.wanted("batch_norm", "single item"):
        try:
            F.batch_norm(ag.tensor(np.ones((1, 3))), np.zeros(3), np.ones(3), training=True)
            problem = "accepted; torch raises 'Expected more than 1 value per channel when training'"
        except ValueError:
            problem = None
        REPORT.record("batch_norm", "training on a single item per channel raises, as torch", problem)


BCE_TARGET = np.linspace(0.0, 1.0, 12).reshape(3, 4)


def _multi_margin_formula(x, labels, p):
    """mean over items of sum_{j != y} max(0, 1 - x_y + x_j)^p / C, in torch ops."""
    picked = x.gather(1, labels[:, None])
    hinge = torch.clamp(1 - picked + x, min=0) ** p
    hinge = hinge * (1 - TF.one_hot(labels, x.shape[1]).to(x.dtype))
    return (hinge.sum(1) / x.shape[1]).mean()


def check_functional_second_order() -> None:
    dtype = np.float64
    labels = np.array([0, 2, 1])
    cases = {
        "huber_loss": (lambda x, y: F.huber_loss(x * x, y, delta=0.5), lambda x, y: TF.huber_loss(x * x, y, delta=0.5)),
        "l1_loss": (lambda x, y: F.l1_loss(x * x, y), lambda x, y: TF.l1_loss(x * x, y)),
        "kl_div": (
            lambda x, y: F.kl_div(F.log_softmax(x, axis=1), ag.exp(y), "batchmean"),
            lambda x, y: TF.kl_div(TF.log_softmax(x, 1), torch.exp(y), reduction="batchmean"),
        ),
        "nll_loss": (
            lambda x, y: F.nll_loss(F.log_softmax(x * y, axis=1), labels),
            lambda x, y: TF.nll_loss(TF.log_softmax(x * y, 1), torch.tensor(labels)),
        ),
        # torch's multi_margin_loss has no double backward: compare with its formula in torch ops
        "multi_margin_loss p=2 (formula)": (
            lambda x, y: F.multi_margin_loss(x * y, labels, p=2),
            lambda x, y: _multi_margin_formula(x * y, torch.tensor(labels), 2),
        ),
        "binary_cross_entropy": (
            lambda x, y: F.binary_cross_entropy(ag.sigmoid(x * y), BCE_TARGET),
            lambda x, y: TF.binary_cross_entropy(torch.sigmoid(x * y), torch.tensor(BCE_TARGET)),
        ),
        "bce_with_logits pos_weight": (
            lambda x, y: F.binary_cross_entropy_with_logits(
                x, ag.sigmoid(y), pos_weight=np.array([1.0, 2.0, 0.5, 3.0])
            ),
            lambda x, y: TF.binary_cross_entropy_with_logits(
                x, torch.sigmoid(y), pos_weight=torch.tensor([1.0, 2.0, 0.5, 3.0], dtype=torch.float64)
            ),
        ),
        "cross_entropy probabilities": (
            lambda x, y: F.cross_entropy(x, F.softmax(y, axis=1), label_smoothing=0.1),
            lambda x, y: TF.cross_entropy(x, TF.softmax(y, 1), label_smoothing=0.1),
        ),
        "batch_norm eval affine": (
            lambda x, y: F.batch_norm(x * x, np.zeros(4), np.ones(4), y[0], y[1]),
            lambda x, y: TF.batch_norm(
                x * x, torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64), y[0], y[1]
            ),
        ),
        "batch_norm train affine": (
            lambda x, y: F.batch_norm(x * x, None, None, y[0], y[1], training=True),
            lambda x, y: TF.batch_norm(x * x, None, None, y[0], y[1], training=True),
        ),
        "layer_norm affine": (
            lambda x, y: F.layer_norm(x, (4,), y[0], y[1]),
            lambda x, y: TF.layer_norm(x, (4,), y[0], y[1]),
        ),
        "prelu": (lambda x, y: F.prelu(x, y[0]) * x, lambda x, y: TF.prelu(x, y[0]) * x),
    }
    for name, (gs, th) in cases.items():
        wrap_gs = lambda x, y, f=gs: ag.reshape(f(x, y), (-1,))
        wrap_th = lambda x, y, f=th: f(x, y).reshape(-1)
        check_second_order(f"F.{name}", wrap_gs, wrap_th, [normal((3, 4), dtype), normal((3, 4), dtype)])


SECTIONS = {
    "elementwise": check_elementwise,
    "reductions": check_reductions,
    "shape": check_shape_ops,
    "linalg": check_linalg,
    "second-order": check_second_orders,
    "activations": check_activations,
    "normalization": check_normalization,
    "losses": check_losses,
    "dtype": check_dtypes,
    "init": check_init,
    "optim": check_optimizers,
    "fuzz": check_fuzz,
    "numpy": check_numpy_only,
    "modules": check_modules,
    "functional-second-order": check_functional_second_order,
}


def main(argv=None) -> int:
    global REPORT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="pattern", help="run only checks whose category/name contains this text")
    parser.add_argument("-v", "--verbose", action="store_true", help="print passing checks too")
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append", help="run only these sections")
    args = parser.parse_args(argv)
    REPORT = Report(args.verbose, args.pattern)
    torch.set_num_threads(1)
    np.seterr(all="ignore")  # overflow to ±Inf is part of what is compared
    warnings.simplefilter("ignore")  # torch's and NumPy's warnings about the edge cases checked on purpose
    for name, section in SECTIONS.items():
        if args.section is None or name in args.section:
            section()
    return REPORT.summary()


if __name__ == "__main__":
    sys.exit(main())
