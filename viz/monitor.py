"""`Monitor`: per-layer, per-step training statistics from forward hooks and tensor hooks."""
from __future__ import annotations

import contextlib
import csv
import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from autograd import Tensor, is_grad_enabled

from .health import DEFAULT_THRESHOLDS, Thresholds, summarize_gradient, summarize_output
from .layers import LayerStats, diagnose_layers, layer_modules, parameter_stats

if TYPE_CHECKING:
    from graphviz import Digraph
    from matplotlib.figure import Figure

    from nn import Module


@dataclass
class StepRecord:
    """Everything recorded at one training step: the loss and each layer in call order."""

    step: int
    loss: float | None
    layers: list[LayerStats] = field(default_factory=list)

    def layer(self, name: str) -> LayerStats:
        """The record of the layer named `name` (its module path) at this step."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"step {self.step} has no layer {name!r}; layers: {[x.name for x in self.layers]}")


class Monitor:
    """Watch a model train: activation statistics, dead and saturated units, gradient norms and
    update-to-data ratios, per layer and per step.

        monitor = viz.Monitor(model)
        for step in range(steps):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad(); loss.backward(); optimizer.step()
            monitor.step(loss)            # after optimizer.step(): closes the step's record

    A layer is a leaf module (or a module owning parameters). Forward hooks record each layer's
    output statistics and histogram, and hook the output tensor so backward records its gradient;
    `step()` adds parameter gradients and the update-to-data ratio ‖ΔW‖/‖W‖ of the step (healthy
    around 1e-3). Forward passes with gradients disabled (evaluation) are not recorded.
    every: record one step in `every` (the others cost one check per layer call).
    Disable with `monitor.enabled = False` or `with monitor.paused():`; `remove()` unhooks.
    """

    def __init__(self, model: Module, *, every: int = 1, histograms: bool = True, bins: int = 60,
                 thresholds: Thresholds | None = None, enabled: bool = True) -> None:
        if not hasattr(model, "named_modules"):
            raise TypeError(f"Monitor: expected a Module, got {type(model).__name__}")
        if every < 1:
            raise ValueError(f"Monitor: every must be at least 1, got {every}")
        self.model = model
        self.every = every
        self.histograms = histograms
        self.bins = bins
        self.thresholds = thresholds or DEFAULT_THRESHOLDS
        self.records: list[StepRecord] = []
        self._enabled = enabled
        self._step = 0
        self._current: dict[str, LayerStats] = {}
        self._owned: dict[str, list[tuple[str, object]]] = {}
        self._before: dict[str, np.ndarray] = {}
        self._handles = []
        for name, module in layer_modules(model):
            self._owned[name] = [(f"{name}.{p}" if name else p, param)
                                 for p, param in module.named_parameters(recurse=False)]
            self._handles.append(module.register_forward_hook(self._forward_hook(name)))
        if enabled:
            self._snapshot()

    # ----- switching --------------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        """Whether forward passes and steps are being recorded now."""
        return self._enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        """Switch recording on (snapshotting the weights for the next update ratio) or off."""
        if value and not self._enabled:
            self._snapshot()
        self._enabled = bool(value)

    @contextlib.contextmanager
    def paused(self) -> Iterator[Monitor]:
        """Record nothing inside the block (an evaluation pass, say)."""
        previous, self._enabled = self._enabled, False
        try:
            yield self
        finally:
            self._enabled = previous

    def remove(self) -> None:
        """Unhook the model; the records stay."""
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    # ----- hooks ------------------------------------------------------------------------
    def _forward_hook(self, name: str):
        def hook(module, inputs, output):
            # the whole cost of a disabled monitor, or of a step it skips: this one test
            if self._enabled and self._step % self.every == 0 and is_grad_enabled():
                self._record_output(name, module, output)

        return hook

    def _record_output(self, name: str, module, output) -> None:
        tensor = output
        if isinstance(output, (tuple, list)):  # a module returning several tensors: its first
            tensor = next((item for item in output if isinstance(item, Tensor)), None)
        if not isinstance(tensor, Tensor):
            return
        key, calls = name, 1
        while key in self._current:  # a module called twice in one step (weight sharing)
            calls += 1
            key = f"{name}#{calls}"
        kind = type(module).__name__
        bins = self.bins if self.histograms else None
        value, health, hist = summarize_output(kind, tensor.data, self.thresholds, bins)
        layer = LayerStats(name=key, kind=kind, shape=tuple(tensor.shape), value=value, activation=health,
                           activation_histogram=hist)
        self._current[key] = layer
        if tensor.grad_fn is not None:
            tensor.register_hook(self._gradient_hook(layer))

    def _gradient_hook(self, layer: LayerStats):
        def hook(grad):
            layer.output_grad, layer.gradient_histogram = summarize_gradient(
                grad.data, self.bins if self.histograms else None)

        return hook

    def _snapshot(self) -> None:
        self._before = {full: param.data.copy() for params in self._owned.values() for full, param in params}

    # ----- steps ------------------------------------------------------------------------
    def step(self, loss: Tensor | float | None = None) -> StepRecord | None:
        """Close the current step (call it after optimizer.step()); returns its record if recorded."""
        record = None
        if self._enabled and self._step % self.every == 0 and self._current:
            record = StepRecord(step=self._step, loss=None if loss is None else _as_float(loss))
            for layer in self._current.values():
                if "#" not in layer.name:
                    for full, param in self._owned.get(layer.name, ()):
                        grad = None if param.grad is None else param.grad.data
                        layer.parameters.append(parameter_stats(full, param.data, grad, self._before.get(full)))
                record.layers.append(layer)
            diagnose_layers(record.layers, self.thresholds)
            self.records.append(record)
        self._current = {}
        self._step += 1
        if self._enabled and self._step % self.every == 0:
            self._snapshot()  # the values before the next recorded step's update
        return record

    @property
    def steps(self) -> list[int]:
        """The training step numbers that were recorded, in order."""
        return [record.step for record in self.records]

    def record(self, step: int | None = None) -> StepRecord:
        """The record of training step `step` (the latest when None)."""
        if not self.records:
            raise ValueError("Monitor: nothing recorded yet; run a training step and call monitor.step()")
        if step is None:
            return self.records[-1]
        for record in self.records:
            if record.step == step:
                return record
        raise KeyError(f"Monitor: step {step} was not recorded; recorded steps: {_span(self.steps)}")

    def layers(self, step: int | None = None) -> list[LayerStats]:
        """The layer records of training step `step` (the latest when None)."""
        return self.record(step).layers

    def history(self, metric: str) -> dict[str, tuple[list[int], list[float]]]:
        """Per layer, (steps, values) of a metric over the recorded steps: 'grad_norm' (parameter
        gradients), 'output_grad_norm', 'dead_fraction', 'saturated_fraction', 'update_ratio',
        'activation_std', 'activation_mean'."""
        getter = _METRICS.get(metric)
        if getter is None:
            raise ValueError(f"Monitor.history: unknown metric {metric!r}; choose from {sorted(_METRICS)}")
        series: dict[str, tuple[list[int], list[float]]] = {}
        for record in self.records:
            for layer in record.layers:
                value = getter(layer)
                if value is not None:
                    steps, values = series.setdefault(layer.name, ([], []))
                    steps.append(record.step)
                    values.append(value)
        return series

    # ----- pictures (delegations) -------------------------------------------------------
    def draw(self, step: int | None = None, **options: Any) -> Digraph:
        """The layer view of a recorded step (see viz.draw_model)."""
        from .render_model import draw_model

        return draw_model(self, step=step, **options)

    def plot_histograms(self, step: int | None = None, path: str | os.PathLike | None = None,
                        **options: Any) -> Figure:
        """viz.plot_histograms of this monitor's records (a matplotlib Figure)."""
        from .plots import plot_histograms

        return plot_histograms(self, step=step, path=path, **options)

    def plot_grad_norms(self, path: str | os.PathLike | None = None, **options: Any) -> Figure:
        """viz.plot_grad_norms of this monitor's records (a matplotlib Figure)."""
        from .plots import plot_grad_norms

        return plot_grad_norms(self, path=path, **options)

    def plot_dead_fraction(self, path: str | os.PathLike | None = None, **options: Any) -> Figure:
        """viz.plot_dead_fraction of this monitor's records (a matplotlib Figure)."""
        from .plots import plot_dead_fraction

        return plot_dead_fraction(self, path=path, **options)

    def plot_update_ratios(self, path: str | os.PathLike | None = None, **options: Any) -> Figure:
        """viz.plot_update_ratios of this monitor's records (a matplotlib Figure)."""
        from .plots import plot_update_ratios

        return plot_update_ratios(self, path=path, **options)

    # ----- export -----------------------------------------------------------------------
    def to_jsonl(self, path: str | os.PathLike, histograms: bool = False) -> str:
        """Write one JSON object per layer per recorded step (NaN as null, ±Inf as strings)."""
        path = os.fspath(path)
        with open(path, "w", encoding="utf-8") as file:
            for record in self.records:
                for layer in record.layers:
                    row = {"step": record.step, "loss": record.loss, **layer.to_dict(histograms)}
                    file.write(json.dumps(_plain(row), allow_nan=False) + "\n")
        return path

    def to_csv(self, path: str | os.PathLike) -> str:
        """Write one flat row per layer per recorded step (the weight's statistics for parameters)."""
        path = os.fspath(path)
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(CSV_COLUMNS)
            for record in self.records:
                for layer in record.layers:
                    writer.writerow(_csv_row(record, layer))
        return path

    def _repr_html_(self) -> str:
        """Jupyter's display: the flagged layers of the latest step and the layer view."""
        from .notebook import monitor_html

        return monitor_html(self)

    def __repr__(self) -> str:
        state = "on" if self._enabled else "off"
        return f"<Monitor {state}: {len(self._owned)} layers, {len(self.records)} recorded steps>"


def _as_float(loss) -> float:
    data = getattr(loss, "data", loss)
    return float(np.asarray(data).reshape(-1)[0])


def _span(steps: list[int]) -> str:
    if len(steps) <= 8:
        return str(steps)
    return f"[{steps[0]}, {steps[1]}, ..., {steps[-1]}] ({len(steps)} steps)"


def _main_update(layer: LayerStats):
    main = layer.main_parameter
    return None if main is None else main.update_ratio


_METRICS = {
    "grad_norm": lambda layer: layer.parameter_grad_norm,
    "output_grad_norm": lambda layer: None if layer.output_grad is None else layer.output_grad.norm,
    "dead_fraction": lambda layer: None if layer.activation is None else layer.activation.dead_fraction,
    "saturated_fraction": lambda layer: None if layer.activation is None else layer.activation.saturated_fraction,
    "update_ratio": _main_update,
    "activation_std": lambda layer: None if layer.value is None else layer.value.std,
    "activation_mean": lambda layer: None if layer.value is None else layer.value.mean,
}

CSV_COLUMNS = [
    "step", "loss", "layer", "kind", "shape", "activation_mean", "activation_std", "positive_fraction",
    "dead_fraction", "negative_fraction", "saturated_fraction", "output_grad_norm", "output_grad_rms",
    "output_grad_max_abs", "output_grad_nan", "output_grad_inf", "weight", "weight_norm", "weight_grad_norm",
    "weight_grad_rms", "update_ratio", "parameters_grad_norm", "flags",
]


def _csv_row(record: StepRecord, layer: LayerStats) -> list:
    value, health, grad, main = layer.value, layer.activation, layer.output_grad, layer.main_parameter

    def get(obj, attribute):
        return "" if obj is None or getattr(obj, attribute) is None else getattr(obj, attribute)

    main_grad = None if main is None else main.grad
    return [
        record.step, "" if record.loss is None else record.loss, layer.name, layer.kind,
        "x".join(map(str, layer.shape)),
        get(value, "mean"), get(value, "std"), get(value, "positive_fraction"),
        get(health, "dead_fraction"), get(health, "negative_fraction"), get(health, "saturated_fraction"),
        get(grad, "norm"), get(grad, "rms"), get(grad, "max_abs"), get(grad, "nan_count"), get(grad, "inf_count"),
        get(main, "name"), get(main, "value_norm"), get(main_grad, "norm"), get(main_grad, "rms"),
        get(main, "update_ratio"), "" if layer.parameter_grad_norm is None else layer.parameter_grad_norm,
        ";".join(layer.flags),
    ]


def _plain(obj):
    """JSON-safe copy: NaN -> None, ±Inf -> 'Infinity'/'-Infinity', tuples -> lists."""
    if isinstance(obj, dict):
        return {key: _plain(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(value) for value in obj]
    if isinstance(obj, float):
        if math.isnan(obj):
            return None
        if math.isinf(obj):
            return "Infinity" if obj > 0 else "-Infinity"
    return obj
