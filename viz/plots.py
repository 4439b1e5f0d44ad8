"""Matplotlib figures of a Monitor's records (matplotlib is imported only when a plot is made).

Every function returns a `matplotlib.figure.Figure` (no pyplot state is touched) that Jupyter
shows inline by itself, and, given `path`, also writes it (PNG, SVG or PDF, by the file's extension).
"""
from __future__ import annotations

import functools
import io
import os
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from nn import Module

    from .records import RecordedSteps
    from .trace import Trace

MAX_LEGEND = 12  # beyond this many lines, colour encodes depth and a colour bar replaces the legend


@functools.cache
def _inline_figure_class() -> type:
    """A matplotlib Figure that Jupyter displays as a PNG by itself (no %matplotlib, no pyplot)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("viz plots need matplotlib: pip install 'gradsight[viz]' "
                          "(or pip install matplotlib)") from error

    class InlineFigure(Figure):
        """A Figure with `_repr_png_`: the last expression of a notebook cell shows the picture."""

        def _repr_png_(self) -> bytes:
            return figure_to_png(self)

    return InlineFigure


def _figure(width: float, height: float, panels: int = 1):
    figure = _inline_figure_class()(figsize=(width, height), layout="constrained")
    axes = [figure.add_subplot(1, panels, i + 1) for i in range(panels)]
    return figure, axes


def _finish(figure, path):
    if path is not None:
        figure.savefig(path, dpi=110)
    return figure


def _colours(count: int):
    from matplotlib import colormaps

    palette = colormaps["viridis"]
    return [palette(i / max(count - 1, 1) * 0.9) for i in range(count)]


def _depth_bar(figure, axes, count: int) -> None:
    """A colour bar from first to last layer, used instead of a legend for deep models."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import LinearSegmentedColormap, Normalize

    cut = LinearSegmentedColormap.from_list("depth", [colormaps["viridis"](x) for x in np.linspace(0, 0.9, 32)])
    mappable = ScalarMappable(norm=Normalize(1, count), cmap=cut)
    figure.colorbar(mappable, ax=axes, label="layer (input → output)")


def _pick(layers: list, limit: int) -> list:
    """At most `limit` layers, spread evenly from first to last."""
    if len(layers) <= limit:
        return layers
    picks = np.unique(np.linspace(0, len(layers) - 1, limit).round().astype(int))
    return [layers[i] for i in picks]


def _density(histogram):
    counts, edges = histogram
    widths = np.diff(edges)
    total = counts.sum()
    return (edges[:-1] + edges[1:]) / 2, counts / (total * widths) if total else counts


def plot_histograms(monitor: RecordedSteps, step: int | None = None, path: str | os.PathLike | None = None,
                    layers: list[str] | None = None, max_layers: int = 8) -> Figure:
    """Activation and gradient histograms side by side, one line per layer (the initialization
    figure of the lectures). By default the activation layers (ReLU, tanh, ...) are shown, or
    every layer when there are none; at most `max_layers`, spread through the depth."""
    from .health import activation_kind

    record = monitor.record(step)
    chosen = [x for x in record.layers if layers is None or x.name in layers]
    if layers is None and any(activation_kind(x.kind) for x in chosen):
        chosen = [x for x in chosen if activation_kind(x.kind)]
    chosen = _pick(chosen, max_layers)
    figure, (left, right) = _figure(13, 4.6, 2)
    for layer, colour in zip(chosen, _colours(len(chosen))):
        if layer.activation_histogram is not None:
            x, y = _density(layer.activation_histogram)
            health = " ".join(layer.activation.words()) if layer.activation else ""
            value = layer.value
            left.plot(x, y, color=colour, label=f"{layer.name} ({layer.kind}): μ {value.mean:+.2f} σ {value.std:.2f} "
                                                f"{health}".rstrip())
        if layer.gradient_histogram is not None:
            x, y = _density(layer.gradient_histogram)
            zeros = layer.output_grad.zero_fraction
            right.plot(x, y, color=colour, label=f"{layer.name} ({layer.kind}): rms {layer.output_grad.rms:.2e}"
                                                 + (f", zeros {zeros:.0%}" if zeros else ""))
    if any(x.activation is not None and x.activation.dead_fraction is not None for x in chosen):
        left.set_yscale("log")  # ReLU outputs pile up at exactly 0: a log axis keeps the rest visible
    left.set_title(f"activation distribution (step {record.step})")
    left.set_xlabel("output value")
    right.set_title(f"gradient magnitudes of layer outputs (step {record.step})")
    right.set_xlabel("log10 |gradient|")
    for axis, empty in ((left, "no activation histograms recorded"), (right, "no gradients recorded (backward?)")):
        if axis.lines:
            axis.legend(fontsize=7, loc="upper right")
        else:
            axis.text(0.5, 0.5, empty, ha="center", va="center", transform=axis.transAxes)
        axis.set_ylabel("density")
    return _finish(figure, path)


def _series_plot(monitor, metric: str, title: str, ylabel: str, path, log: bool, guide: float | None = None):
    series = monitor.history(metric)
    kinds = {layer.name: layer.kind for record in monitor.records for layer in record.layers}
    figure, (axis,) = _figure(9, 4.6)
    names = list(series)
    for name, colour in zip(names, _colours(len(names))):
        steps, values = series[name]
        values = np.asarray(values, dtype=float)
        if log:
            values = np.where(values > 0, values, np.nan)  # zeros have no place on a log axis
        axis.plot(steps, values, color=colour, label=f"{name} ({kinds.get(name, '?')})", linewidth=1.2)
    if log:
        axis.set_yscale("log")
    if guide is not None:
        axis.axhline(guide, color="black", linestyle="--", linewidth=1, label=f"guide {guide:g}")
    _finish_series(figure, axis, title, ylabel, len(names), "nothing recorded for this metric")
    return _finish(figure, path)


def _finish_series(figure, axis, title: str, ylabel: str, count: int, empty: str) -> None:
    """Titles of a per-layer series plot, then a legend, or a depth colour bar when the layers
    are too many to name, or the `empty` message when there are none."""
    axis.set_title(title)
    axis.set_xlabel("step")
    axis.set_ylabel(ylabel)
    if not count:
        axis.text(0.5, 0.5, empty, ha="center", va="center", transform=axis.transAxes)
    elif count <= MAX_LEGEND:
        axis.legend(fontsize=7, loc="best")
    else:
        _depth_bar(figure, axis, count)


def plot_grad_norms(monitor: RecordedSteps, path: str | os.PathLike | None = None, outputs: bool = False) -> Figure:
    """Gradient norm per layer over the recorded steps, on a log scale (parameters' gradients,
    or with outputs=True the gradients of the layer outputs)."""
    metric = "output_grad_norm" if outputs else "grad_norm"
    what = "layer outputs" if outputs else "parameters"
    return _series_plot(monitor, metric, f"gradient norm of each layer's {what} (log scale)", "‖gradient‖",
                        path, log=True)


def plot_dead_fraction(monitor: RecordedSteps, path: str | os.PathLike | None = None) -> Figure:
    """Dead ReLU units and saturated sigmoid/tanh outputs, per layer, over the recorded steps."""
    dead = monitor.history("dead_fraction")
    saturated = monitor.history("saturated_fraction")
    figure, (axis,) = _figure(9, 4.6)
    names = list(dead) + list(saturated)
    for name, colour in zip(names, _colours(len(names))):
        steps, values = dead[name] if name in dead else saturated[name]
        style = "-" if name in dead else "--"
        axis.plot(steps, np.asarray(values) * 100, style, color=colour, linewidth=1.2,
                  label=f"{name} {'dead' if name in dead else 'saturated'}")
    axis.set_ylim(-2, 102)
    _finish_series(figure, axis, "dead units (solid) and saturated outputs (dashed), % per layer", "%",
                   len(names), "no ReLU, sigmoid or tanh layers")
    return _finish(figure, path)


def plot_update_ratios(monitor: RecordedSteps, path: str | os.PathLike | None = None) -> Figure:
    """log10 of each layer's update-to-data ratio ‖ΔW‖/‖W‖ per step, with the 1e-3 guide line."""
    return _series_plot(monitor, "update_ratio", "update-to-data ratio ‖ΔW‖/‖W‖ of each weight (log scale)",
                        "ratio", path, log=True, guide=1e-3)


def plot_grad_flow(source: Module | Trace, path: str | os.PathLike | None = None) -> Figure:
    """Per-parameter gradient RMS and max |g| as bars on a LOG scale, input to output: the
    familiar "gradient flow" plot without the linear axis that hides vanishing gradients.
    source: a model (its parameters' `.grad`) or a Trace."""
    if hasattr(source, "named_parameters"):
        from .health import gradient_stats

        rows = [(name, gradient_stats(p.grad.data)) for name, p in source.named_parameters() if p.grad is not None]
    else:
        rows = [(node.name, node.grad) for node in source.nodes if node.is_leaf and node.grad is not None]
    figure, (axis,) = _figure(max(6, 0.28 * len(rows) + 2), 4.6)
    positions = np.arange(len(rows))
    rms = [stats.rms if stats.rms > 0 else np.nan for _, stats in rows]
    peak = [stats.max_abs if stats.max_abs > 0 else np.nan for _, stats in rows]
    axis.bar(positions, peak, color="#74c476", alpha=0.6, label="max |g|")
    axis.bar(positions, rms, color="#2171b5", alpha=0.8, width=0.5, label="RMS")
    axis.set_yscale("log")
    axis.set_xticks(positions, [name for name, _ in rows], rotation=90, fontsize=7)
    axis.set_title("gradient flow (log scale)")
    axis.set_ylabel("gradient")
    if rows:
        axis.legend(fontsize=8)
    else:
        axis.text(0.5, 0.5, "no gradients yet: run backward first", ha="center", va="center", transform=axis.transAxes)
    return _finish(figure, path)


def figure_to_png(figure: Figure) -> bytes:
    """PNG bytes of a figure (for embedding in a report or a notebook)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()

