"""check_op: one call runs every gradient property on Hypothesis-drawn inputs and shrinks failures."""
from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import given, note, settings
from hypothesis import strategies as st

from ..function import Function
from ..tensor import Tensor
from . import properties
from . import strategies as gst
from .spec import Case, OpSpec


def check_op(op: type[Function] | Callable[..., Tensor] | OpSpec,
             inputs: int | Sequence[st.SearchStrategy[Any]] | None = None,
             params: dict[str, Any] | st.SearchStrategy[dict[str, Any]] | None = None, *,
             reference: Callable | None = None, domain: str | tuple[float, float] = "real",
             min_value: float | None = None, max_value: float | None = None, kinks: Sequence[float] = (),
             kink_margin: float = 1e-2, broadcast: bool = True, second_order: bool = True,
             differentiable: Sequence[int] | None = None, eps: float = 1e-6,
             atol: float = 1e-6, rtol: float = 1e-4, oracle: str = "auto", max_examples: int | None = None,
             hypothesis_settings: settings | None = None) -> OpSpec:
    """Property-test an op on Hypothesis-drawn inputs; a failure is shrunk to the smallest input.

    op:        a ``Function`` subclass (called through ``.apply``), any function of Tensors, or an
               ``OpSpec`` (then the keyword arguments below are ignored: the spec says it all).
    inputs:    how many array inputs (default: the forward's positional parameters), or a list
               with one Hypothesis strategy per input (e.g. ``strategies.arrays((3, 4))``).
    params:    keyword params for the op: a dict, or a strategy that draws dicts.
    reference: a NumPy function with the op's signature; values are compared with it.
    domain, min_value, max_value, kinks, kink_margin: how inputs are drawn (see
               ``strategies.arrays``); with ``kinks``, the subgradient property is checked on
               inputs that land exactly on them.
    broadcast: draw mutually broadcastable shapes for several inputs (else one shared shape).
    second_order: also check gradients of gradients (create_graph=True).

    Checked on every example: forward == reference, gradcheck (every Jacobian entry), gradgradcheck,
    float32 in -> float32 out; and check_subgradient on kink cases. Returns the OpSpec it built,
    ready for ``register_spec`` so the op joins the registry suite. Examples per run follow the
    active Hypothesis profile (``max_examples`` or ``hypothesis_settings`` override it).
    """
    spec = op if isinstance(op, OpSpec) else build_spec(
        op, inputs, params, reference=reference, domain=domain, min_value=min_value, max_value=max_value,
        kinks=kinks, kink_margin=kink_margin, broadcast=broadcast, second_order=second_order,
        differentiable=differentiable, eps=eps, atol=atol, rtol=rtol, oracle=oracle)
    # gradient checks take variable time: no per-example deadline unless the caller sets one
    chosen = hypothesis_settings or settings(settings(), deadline=None)
    if max_examples is not None:
        chosen = settings(chosen, max_examples=max_examples)

    @chosen
    @given(data=st.data())
    def values_gradients_and_dtypes(data):
        case = spec.sample(data.draw)
        note(f"{spec.id} case: arrays={[np.asarray(a) for a in case.arrays]!r} params={case.params!r}")
        properties.check_forward(spec, case)
        properties.check_backward(spec, case)
        properties.check_second_order(spec, case)
        properties.check_float32(spec, case)

    @chosen
    @given(data=st.data())
    def subgradients_on_kinks(data):
        case = properties.kink_case(spec, data.draw)
        note(f"{spec.id} kink case: arrays={[np.asarray(a) for a in case.arrays]!r} params={case.params!r}")
        properties.check_kink(spec, case)

    values_gradients_and_dtypes()
    if spec.kinks or spec.at_kinks is not None:
        subgradients_on_kinks()
    return spec


def build_spec(op: type[Function] | Callable[..., Tensor], inputs: int | Sequence[st.SearchStrategy[Any]] | None = None,
               params: dict[str, Any] | st.SearchStrategy[dict[str, Any]] | None = None, *,
               reference: Callable | None = None, domain: str | tuple[float, float] = "real",
               min_value: float | None = None, max_value: float | None = None, kinks: Sequence[float] = (),
               kink_margin: float = 1e-2, broadcast: bool = True, second_order: bool = True,
               differentiable: Sequence[int] | None = None, eps: float = 1e-6, atol: float = 1e-6,
               rtol: float = 1e-4, oracle: str = "auto") -> OpSpec:
    """The OpSpec that check_op tests: how to call `op` and how to draw its inputs."""
    if isinstance(op, type) and issubclass(op, Function):
        fn, name, forward = op.apply, op.name, op.forward
        count = _positional_count(forward, skip=1)
    else:
        fn, name = op, getattr(op, "__name__", type(op).__name__)
        count = _positional_count(op, skip=0)
    strategies = None
    if isinstance(inputs, int):
        count = inputs
    elif inputs is not None:
        strategies = list(inputs)
        count = len(strategies)
    if not count:
        raise ValueError(f"check_op: cannot tell how many inputs {name} takes; pass inputs=N")
    kinks = tuple(kinks)
    options = dict(domain=domain, min_value=min_value, max_value=max_value, kink_margin=kink_margin)

    def draw_arrays(draw, hit_kinks):
        if strategies is not None:
            drawn = [draw(s) for s in strategies]
            return [np.array(d.data if isinstance(d, Tensor) else d) for d in drawn]
        shapes = draw(gst.broadcastable_shapes(count)) if broadcast and count > 1 else [draw(gst.shapes())] * count
        return [draw(gst.arrays(shape, kinks=kinks, hit_kinks=hit_kinks, **options)) for shape in shapes]

    def draw_params(draw):
        if params is None:
            return {}
        return dict(draw(params)) if isinstance(params, st.SearchStrategy) else dict(params)

    def sample(draw):
        return Case(tuple(draw_arrays(draw, False)), draw_params(draw))

    def at_kinks(draw):
        return Case(tuple(draw_arrays(draw, True)), draw_params(draw))

    return OpSpec(name, fn, sample, reference, kinks=kinks, kink_margin=kink_margin, second_order=second_order,
                  differentiable=None if differentiable is None else tuple(differentiable), rtol=rtol, atol=atol,
                  eps=eps, oracle=oracle, at_kinks=at_kinks if kinks and strategies is None else None)


def _positional_count(function, skip: int) -> int:
    try:
        parameters = list(inspect.signature(function).parameters.values())[skip:]
    except (TypeError, ValueError):
        return 0
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(1 for p in parameters if p.kind in kinds and p.default is inspect.Parameter.empty)
