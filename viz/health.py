"""Statistics of one array: gradient health and the unit health of activations (pure NumPy)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from numpy.typing import ArrayLike

# Activation families, by normalized name (lower case, no underscores): op names and module names
# alike, so "leaky_relu" (an op) and "LeakyReLU" (a module) land in the same family.
RELU_FAMILY = frozenset({"relu", "relu6"})  # exactly 0 on the negative side: units can die
NEGATIVE_REGION = frozenset({"leakyrelu", "prelu", "elu", "selu", "celu", "rrelu"})
SATURATING = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}  # asymptotes of the output
ACTIVATIONS = RELU_FAMILY | NEGATIVE_REGION | frozenset(SATURATING) | frozenset(
    {"softplus", "silu", "swish", "gelu", "mish", "softsign", "hardtanh", "maxout"})


@dataclass(frozen=True)
class Thresholds:
    """Where healthy ends: every renderer and the monitor judge gradients and units by these.

    vanishing: a gradient whose RMS is below ``vanishing`` times the largest RMS of its family
        (parameters, or op outputs) is marked "vanishing".
    exploding: a gradient whose RMS (root mean square of its elements) exceeds this is "exploding".
    tanh_margin, sigmoid_margin: an output within this distance of an asymptote is saturated
        (defaults: |tanh| > 0.97; sigmoid < 0.03 or > 0.97).
    dead, saturated: the dead-unit or saturated-output fraction from which a layer is flagged.
    update_low, update_high: the healthy band of the update-to-data ratio (around 1e-3).
    """

    vanishing: float = 1e-3
    exploding: float = 1e2
    tanh_margin: float = 0.03
    sigmoid_margin: float = 0.03
    dead: float = 0.5
    saturated: float = 0.5
    update_low: float = 1e-4
    update_high: float = 1e-2


DEFAULT_THRESHOLDS = Thresholds()


def normalized_name(name: str) -> str:
    """'LeakyReLU', 'leaky_relu' -> 'leakyrelu': one key for an op and the module around it."""
    return name.replace("_", "").lower()


def activation_kind(name: str) -> str | None:
    """'dead' (ReLU family), 'negative' (leaky family), 'saturating', 'activation' or None."""
    key = normalized_name(name)
    if key in RELU_FAMILY:
        return "dead"
    if key in NEGATIVE_REGION:
        return "negative"
    if key in SATURATING:
        return "saturating"
    if key in ACTIVATIONS:
        return "activation"
    return None


@dataclass
class GradStats:
    """Gradient health of one array: sizes, magnitudes, zeros and non-finite counts."""

    size: int
    rms: float  # over the finite elements
    norm: float
    max_abs: float
    zero_fraction: float
    nan_count: int
    inf_count: int

    @property
    def finite(self) -> bool:
        """True when the gradient holds no NaN and no Inf."""
        return self.nan_count == 0 and self.inf_count == 0

    def to_dict(self) -> dict:
        """The fields as a plain dict (for JSON export)."""
        return asdict(self)


@dataclass
class ValueStats:
    """Forward values of one array: location, spread, sign and non-finite counts."""

    size: int
    mean: float
    std: float
    min: float
    max: float
    positive_fraction: float
    nan_count: int
    inf_count: int

    def to_dict(self) -> dict:
        """The fields as a plain dict (for JSON export)."""
        return asdict(self)


@dataclass
class ActivationStats:
    """Unit health of an activation's output; a unit is a feature (axis 1), samples are the rest.

    dead_fraction: ReLU-family units whose output is 0 for every sample of the batch.
    negative_fraction: leaky/PReLU/ELU outputs in the negative region (elements).
    saturated_fraction: sigmoid/tanh outputs within the margin of an asymptote (elements);
    saturated_units: units saturated on every sample.
    """

    kind: str
    units: int
    dead_fraction: float | None = None
    negative_fraction: float | None = None
    negative_units: float | None = None
    saturated_fraction: float | None = None
    saturated_units: float | None = None

    def words(self) -> list[str]:
        """The unit-health words a picture shows: 'dead 73%', 'saturated 40%', 'negative 12%'."""
        words = []
        if self.dead_fraction is not None:
            words.append(f"dead {percent(self.dead_fraction)}")
        if self.saturated_fraction is not None:
            words.append(f"saturated {percent(self.saturated_fraction)}")
        if self.negative_fraction is not None:
            words.append(f"negative {percent(self.negative_fraction)}")
        return words

    def to_dict(self) -> dict:
        """The fields as a plain dict (for JSON export)."""
        return asdict(self)


def gradient_flags(grad: GradStats, top: float, thresholds: Thresholds) -> tuple[list[str], float | None]:
    """'no gradient' (all exactly 0) / 'vanishing' / 'exploding' for a gradient with a finite RMS,
    and its RMS relative to `top`, the largest comparable RMS (None when there is none)."""
    ratio = grad.rms / top if top > 0 else None
    flags = []
    # exactly zero is a different mechanism (dead units cut the path) from a gradient that shrank
    if grad.rms == 0:
        flags.append("no gradient")
    elif ratio is not None and ratio < thresholds.vanishing:
        flags.append("vanishing")
    if grad.rms > thresholds.exploding:
        flags.append("exploding")
    return flags, ratio


def activation_flags(health: ActivationStats | None, thresholds: Thresholds) -> list[str]:
    """The unit-health word ('dead 73%', 'saturated 40%') when it crosses its threshold."""
    if health is None:
        return []
    dead = health.dead_fraction is not None and health.dead_fraction >= thresholds.dead
    saturated = health.saturated_fraction is not None and health.saturated_fraction >= thresholds.saturated
    return [health.words()[0]] * (dead + saturated)


def percent(fraction: float) -> str:
    """0.734 -> '73%'; tiny non-zero fractions read '<1%' so they do not look like zero."""
    if 0 < fraction < 0.005:
        return "<1%"
    if 0.995 <= fraction < 1:
        return ">99%"
    return f"{fraction * 100:.0f}%"


def _finite_float64(array: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The finite elements as float64 (precise sums for float32 data), and the NaN and Inf counts."""
    flat = np.asarray(array).reshape(-1)
    if flat.dtype.kind not in "fc":
        return flat.astype(np.float64), 0, 0
    finite = np.isfinite(flat)
    if finite.all():
        return flat.astype(np.float64, copy=False), 0, 0
    nan_count = int(np.isnan(flat).sum())
    return flat[finite].astype(np.float64), nan_count, int(flat.size - finite.sum() - nan_count)


def gradient_stats(array: ArrayLike) -> GradStats:
    """RMS, L2 norm, max |g|, fraction of exact zeros and NaN/Inf counts of a gradient."""
    array = np.asarray(array)
    return _gradient_stats(array, *_finite_float64(array))


def _gradient_stats(array: np.ndarray, values: np.ndarray, nan_count: int, inf_count: int) -> GradStats:
    if values.size == 0:
        return GradStats(int(array.size), float("nan"), float("nan"), float("nan"), 0.0, nan_count, inf_count)
    square_sum = float(np.dot(values, values))
    return GradStats(
        size=int(array.size),
        rms=(square_sum / values.size) ** 0.5,
        norm=square_sum ** 0.5,
        max_abs=float(np.abs(values).max()),
        zero_fraction=float(np.count_nonzero(values == 0) / array.size),
        nan_count=nan_count,
        inf_count=inf_count,
    )


def value_stats(array: ArrayLike) -> ValueStats:
    """Mean, std, range and fraction positive of forward values (over the finite elements)."""
    array = np.asarray(array)
    return _value_stats(array, *_finite_float64(array))


def _value_stats(array: np.ndarray, values: np.ndarray, nan_count: int, inf_count: int) -> ValueStats:
    if array.size == 1:  # a scalar (a loss) is shown as itself, even when it is Inf or NaN
        value = float(array.reshape(-1)[0].real)
        return ValueStats(1, value, 0.0, value, value, float(value > 0), nan_count, inf_count)
    if values.size == 0:
        nan = float("nan")
        return ValueStats(int(array.size), nan, nan, nan, nan, 0.0, nan_count, inf_count)
    mean = float(values.mean())
    variance = max(float(np.dot(values, values)) / values.size - mean * mean, 0.0)  # E[x²] - E[x]², in float64
    return ValueStats(
        size=int(array.size),
        mean=mean,
        std=variance ** 0.5,
        min=float(values.min()),
        max=float(values.max()),
        positive_fraction=float(np.count_nonzero(values > 0) / array.size),
        nan_count=nan_count,
        inf_count=inf_count,
    )


def units_view(array: np.ndarray) -> np.ndarray:
    """(samples, units): axis 1 holds the units (features or channels); a 1-d array is one sample."""
    if array.ndim == 0:
        return array.reshape(1, 1)
    if array.ndim == 1:
        return array.reshape(1, -1)
    return np.moveaxis(array, 1, -1).reshape(-1, array.shape[1])


def activation_stats(name: str, output: ArrayLike,
                     thresholds: Thresholds = DEFAULT_THRESHOLDS) -> ActivationStats | None:
    """Unit health of the output of the activation called `name` (op or module name); None otherwise."""
    kind = activation_kind(name)
    if kind is None:
        return None
    output = np.asarray(output)
    units = units_view(output)
    stats = ActivationStats(kind=normalized_name(name), units=int(units.shape[1]))
    if units.size == 0:
        return stats
    if kind == "dead":
        stats.dead_fraction = float(np.mean(np.all(units == 0, axis=0)))
    elif kind == "negative":
        negative = units < 0
        stats.negative_fraction = float(negative.mean())
        stats.negative_units = float(np.mean(np.all(negative, axis=0)))
    elif kind == "saturating":
        low, high = SATURATING[normalized_name(name)]
        margin = thresholds.tanh_margin if low < 0 else thresholds.sigmoid_margin
        saturated = (units < low + margin) | (units > high - margin)
        stats.saturated_fraction = float(saturated.mean())
        stats.saturated_units = float(np.mean(np.all(saturated, axis=0)))
    return stats


def histogram(array: ArrayLike, bins: int = 60) -> tuple[np.ndarray, np.ndarray] | None:
    """Counts and bin edges over the finite elements (None when there are none)."""
    return _histogram(_finite_float64(np.asarray(array))[0], bins)


def summarize_output(name: str, array: np.ndarray, thresholds: Thresholds = DEFAULT_THRESHOLDS,
                     bins: int | None = 60) -> tuple[ValueStats, ActivationStats | None, tuple | None]:
    """Value statistics, unit health and histogram (None when bins is None) of a layer's output,
    converting the array once."""
    array = np.asarray(array)
    finite = _finite_float64(array)
    return (_value_stats(array, *finite), activation_stats(name, array, thresholds),
            None if bins is None else _histogram(finite[0], bins))


def summarize_gradient(array: np.ndarray, bins: int | None = 60) -> tuple[GradStats, tuple | None]:
    """Gradient statistics and the histogram of log10 |g| over the non-zero finite elements (None
    when bins is None): gradients of different layers can be decades apart, and a linear axis
    would squash all but the largest into one spike at zero."""
    array = np.asarray(array)
    finite = _finite_float64(array)
    if bins is None:
        return _gradient_stats(array, *finite), None
    magnitudes = np.abs(finite[0])
    return _gradient_stats(array, *finite), _histogram(np.log10(magnitudes[magnitudes > 0]), bins)


def _histogram(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray] | None:
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    # equal-width bins by arithmetic and one bincount: several times faster than np.histogram
    index = ((values - low) * (bins / (high - low))).astype(np.intp)
    np.minimum(index, bins - 1, out=index)  # the maximum lands in the last bin, as in np.histogram
    return np.bincount(index, minlength=bins), np.linspace(low, high, bins + 1)
