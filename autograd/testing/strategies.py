"""Hypothesis strategies for gradient tests: shapes, arrays and tensors with domains and kinks,
broadcastable shapes, axis arguments and index expressions. Everything shrinks toward small
shapes and simple values, so a failing check ends on the smallest input that still fails."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.typing import DTypeLike

if TYPE_CHECKING:
    from ..tensor import Tensor

# name -> (low, high, values to keep away from): the domains most ops need
DOMAINS: dict[str, tuple[float, float, tuple[float, ...]]] = {
    "real": (-3.0, 3.0, ()),
    "positive": (0.1, 3.0, ()),
    "negative": (-3.0, -0.1, ()),
    "nonzero": (-3.0, 3.0, (0.0,)),
    "unit": (-0.9, 0.9, ()),  # inside (-1, 1): arcsin, atanh
    "probability": (0.05, 0.95, ()),  # inside (0, 1): logit, binary cross-entropy
}


def shapes(*, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4) -> st.SearchStrategy:
    """Array shapes (tuples of ints), shrinking toward () and sides of 1."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
                         max_side: int = 4) -> st.SearchStrategy:
    """Tuples of `num_shapes` shapes that broadcast together (with size-1 axes and missing leading axes)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side,
    ).map(lambda drawn: drawn.input_shapes)


def _resolve_shape(draw, shape):
    if shape is None:
        return draw(shapes())
    if isinstance(shape, st.SearchStrategy):
        return tuple(draw(shape))
    return (shape,) if isinstance(shape, int) else tuple(shape)


def _bounds(domain, min_value, max_value):
    if isinstance(domain, str):
        if domain not in DOMAINS:
            raise ValueError(f"arrays: unknown domain {domain!r}; choose from {sorted(DOMAINS)} or pass (low, high)")
        low, high, excluded = DOMAINS[domain]
    else:
        (low, high), excluded = domain, ()
    low = low if min_value is None else min_value
    high = high if max_value is None else max_value
    if not low < high:
        raise ValueError(f"arrays: empty range [{low}, {high}]")
    return float(low), float(high), excluded


def keep_away(array: np.ndarray, points: Sequence[float], margin: float, low: float = -math.inf,
              high: float = math.inf) -> np.ndarray:
    """Move entries closer than `margin` to any of `points` to 1.5 * margin from it (inside [low, high])."""
    array = np.array(array, dtype=np.float64)
    for _ in range(4):  # moving away from one point can land near another; a few passes settle it
        moved = False
        for point in points:
            near = np.abs(array - point) < margin
            if near.any():
                up, down = point + 1.5 * margin, point - 1.5 * margin
                prefer_up = (array[near] >= point) & (up <= high) | (down < low)
                array[near] = np.where(prefer_up, up, down)
                moved = True
        if not moved:
            break
    return array


def spread(array: np.ndarray, min_gap: float, low: float, high: float) -> np.ndarray:
    """Entries pulled apart so any two differ by at least about `min_gap` (no ties), kept in [low, high]."""
    flat = np.array(array, dtype=np.float64).reshape(-1)
    if flat.size < 2:
        return flat.reshape(np.shape(array))
    order = np.argsort(flat, kind="stable")
    values = flat[order]
    for k in range(1, values.size):
        values[k] = max(values[k], values[k - 1] + min_gap)
    if values[-1] > high:  # squeeze back into range, keeping the order and most of the gap
        span = values[-1] - values[0]
        values = low + (values - values[0]) * (high - low) / span if span > high - low else values - (values[-1] - high)
    flat[order] = values
    return flat.reshape(np.shape(array))


@st.composite
def arrays(draw: st.DrawFn, shape: int | Sequence[int] | st.SearchStrategy[tuple[int, ...]] | None = None, *,
           dtype: DTypeLike = np.float64, domain: str | tuple[float, float] = "real", min_value: float | None = None,
           max_value: float | None = None, kinks: Sequence[float] = (), kink_margin: float = 1e-2,
           hit_kinks: bool = False, ties: bool = False, min_gap: float = 0.0) -> np.ndarray:
    """Float arrays for gradient checks.

    shape:      a tuple, an int, a strategy of shapes, or None for any small shape.
    domain:     a name from ``DOMAINS`` ('real', 'positive', 'negative', 'nonzero', 'unit',
                'probability') or a ``(low, high)`` pair; ``min_value``/``max_value`` override it.
    kinks:      points where the function under test is not differentiable. By default entries
                keep ``kink_margin`` away from them (central differences stay on one side); with
                ``hit_kinks=True`` at least one entry lands exactly on a kink instead.
    ties:       draw entries from at most three values, so equal entries (tied maxima) are common.
    min_gap:    any two entries differ by at least about this much (no ties for max, sort, ...).
    """
    shape = _resolve_shape(draw, shape)
    low, high, excluded = _bounds(domain, min_value, max_value)
    size = math.prod(shape)
    element = st.floats(low, high, allow_nan=False, allow_infinity=False)
    if ties:
        levels = draw(st.lists(element, min_size=1, max_size=3, unique=True))
        values = draw(st.lists(st.sampled_from(levels), min_size=size, max_size=size))
    else:
        values = draw(st.lists(element, min_size=size, max_size=size))
    array = np.array(values, dtype=np.float64).reshape(shape)
    if min_gap > 0:
        array = spread(array, min_gap, low, high)
    avoid = tuple(excluded) + (() if hit_kinks else tuple(kinks))
    if avoid:
        array = keep_away(array, avoid, kink_margin, low, high)
    if hit_kinks and kinks and size:
        flat = array.reshape(-1)
        on_kink = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)))
        on_kink[draw(st.integers(0, size - 1))] = True
        chosen = draw(st.lists(st.sampled_from(tuple(kinks)), min_size=size, max_size=size))
        flat[on_kink] = np.array(chosen, dtype=np.float64)[on_kink]
        array = flat.reshape(shape)
    return array.astype(dtype)


@st.composite
def tensors(draw: st.DrawFn, shape: int | Sequence[int] | st.SearchStrategy[tuple[int, ...]] | None = None, *,
            requires_grad: bool = True, dtype: DTypeLike = np.float64, **array_options: Any) -> Tensor:
    """Tensors whose data is drawn by ``arrays(shape, dtype=dtype, **array_options)``."""
    from ..tensor import Tensor

    return Tensor(draw(arrays(shape, dtype=dtype, **array_options)), requires_grad=requires_grad)


@st.composite
def axes(draw: st.DrawFn, ndim: int, *, allow_none: bool = True, allow_tuple: bool = True,
         allow_negative: bool = True, min_size: int = 0) -> int | tuple[int, ...] | None:
    """A valid ``axis`` argument for an array of `ndim` dimensions: None, an int or a tuple of ints."""
    choices = ["int"] if ndim >= max(1, min_size) else []
    if allow_none:
        choices.append("none")
    if allow_tuple:
        choices.append("tuple")
    if not choices:
        raise ValueError(f"axes: no valid axis argument for {ndim} dimensions with these options")
    kind = draw(st.sampled_from(choices))
    if kind == "none":
        return None

    def signed(axis):
        return axis - ndim if allow_negative and draw(st.booleans()) else axis

    if kind == "int":
        return signed(draw(st.integers(0, ndim - 1)))
    if ndim == 0:
        return ()
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=min(min_size, ndim), max_size=ndim, unique=True))
    return tuple(signed(a) for a in chosen)


@st.composite
def index_expressions(draw: st.DrawFn, shape: tuple[int, ...], *,
                      kinds: Sequence[str] = ("basic", "integer", "boolean")) -> hnp.BasicIndex | tuple | np.ndarray:
    """A valid index for an array of `shape`: basic (ints, slices with steps, None, Ellipsis),
    integer arrays (repeats allowed, so gradients must accumulate) or a boolean mask."""
    shape = tuple(shape)
    usable = [k for k in kinds if k == "basic" or shape]  # arrays need at least one axis
    kind = draw(st.sampled_from(usable))
    if kind == "basic":
        return draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    if kind == "integer":
        axis = draw(st.integers(0, len(shape) - 1))
        count = draw(st.integers(1, 5))
        side = shape[axis]
        index = np.array(draw(st.lists(st.integers(-side, side - 1), min_size=count, max_size=count)))
        if count % 2 == 0 and draw(st.booleans()):
            index = index.reshape(2, -1)  # a 2-d index array: the result gains an axis
        parts = (slice(None),) * axis + (index,)
        if axis + 1 < len(shape) and draw(st.booleans()):  # a second index array broadcasts with the first
            second = shape[axis + 1]
            parts += (np.array(draw(st.lists(st.integers(-second, second - 1), min_size=1, max_size=1))),)
        return parts
    leading = draw(st.integers(1, len(shape)))
    mask = np.array(draw(st.lists(st.booleans(), min_size=math.prod(shape[:leading]),
                                  max_size=math.prod(shape[:leading])))).reshape(shape[:leading])
    return mask
