"""Per-layer records (what the layer view shows), their diagnosis, and layers read off a trace."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .health import (
    ActivationStats,
    GradStats,
    Thresholds,
    ValueStats,
    activation_flags,
    activation_kind,
    gradient_flags,
    normalized_name,
)

if TYPE_CHECKING:
    from nn import Module

    from .trace import Trace


@dataclass
class ParamStats:
    """One parameter of a layer at one step: its size, gradient and update-to-data ratio."""

    name: str
    shape: tuple
    value_norm: float
    value_rms: float
    grad: GradStats | None = None
    update_ratio: float | None = None  # ‖W_after - W_before‖ / ‖W_before‖ over the step

    def to_dict(self) -> dict:
        """The fields as a plain dict (for JSON export), the gradient's statistics nested."""
        return {"name": self.name, "shape": list(self.shape), "value_norm": self.value_norm,
                "value_rms": self.value_rms, "grad": None if self.grad is None else self.grad.to_dict(),
                "update_ratio": self.update_ratio}


@dataclass
class LayerStats:
    """One layer (module) at one step: its output's values and gradient, and its parameters."""

    name: str  # module path, e.g. "layers.3"
    kind: str  # module class, e.g. "Linear"
    shape: tuple
    value: ValueStats | None = None
    activation: ActivationStats | None = None
    output_grad: GradStats | None = None
    parameters: list[ParamStats] = field(default_factory=list)
    activation_histogram: tuple | None = None  # (counts, edges) of the output values
    gradient_histogram: tuple | None = None  # (counts, edges) of log10 |g| of the output gradient
    flags: list[str] = field(default_factory=list)
    grad_ratio: float | None = None  # main gradient RMS / the largest among the layers

    @property
    def main_parameter(self) -> ParamStats | None:
        """The weight (first parameter with 2+ dimensions), else the first parameter."""
        for parameter in self.parameters:
            if len(parameter.shape) >= 2:
                return parameter
        return self.parameters[0] if self.parameters else None

    @property
    def parameter_grad_norm(self) -> float | None:
        """The L2 norm of all this layer's parameter gradients together."""
        norms = [p.grad.norm for p in self.parameters if p.grad is not None]
        return math.sqrt(sum(n * n for n in norms)) if norms else None

    def to_dict(self, histograms: bool = False) -> dict:
        """The record as a plain dict (for JSON export); histograms as lists when asked for."""
        data = {
            "layer": self.name, "kind": self.kind, "shape": list(self.shape),
            "value": None if self.value is None else self.value.to_dict(),
            "activation": None if self.activation is None else self.activation.to_dict(),
            "output_grad": None if self.output_grad is None else self.output_grad.to_dict(),
            "parameters": [p.to_dict() for p in self.parameters],
            "flags": list(self.flags),
        }
        if histograms:
            for key, hist in (("activation_histogram", self.activation_histogram),
                              ("gradient_histogram", self.gradient_histogram)):
                data[key] = None if hist is None else {"counts": hist[0].tolist(), "edges": hist[1].tolist()}
        return data


def _usable(grad: GradStats | None) -> bool:
    return grad is not None and math.isfinite(grad.rms)


def diagnose_layers(layers: list[LayerStats], thresholds: Thresholds) -> None:
    """Flag each layer: NaN/Inf, vanishing/exploding gradients, dead or saturated units, and an
    update-to-data ratio outside [update_low, update_high]."""
    weight_top = max((p.grad.rms for layer in layers for p in [layer.main_parameter]
                      if p is not None and _usable(p.grad)), default=0.0)
    output_top = max((layer.output_grad.rms for layer in layers
                      if _usable(layer.output_grad) and layer.output_grad.size > 1), default=0.0)
    for layer in layers:
        flags = []
        if layer.value is not None:
            flags += [f"value {kind}" for kind, count in (("NaN", layer.value.nan_count),
                                                         ("Inf", layer.value.inf_count)) if count]
        grads = [layer.output_grad] + [p.grad for p in layer.parameters]
        for kind in ("NaN", "Inf"):
            if any(g is not None and getattr(g, f"{kind.lower()}_count") for g in grads):
                flags.append(kind)
        main = layer.main_parameter
        if main is not None and main.grad is not None:
            grad, top = main.grad, weight_top
        else:
            grad, top = layer.output_grad, output_top
        layer.grad_ratio = None
        if _usable(grad):
            grad_flags, layer.grad_ratio = gradient_flags(grad, top, thresholds)
            flags += grad_flags
        flags += activation_flags(layer.activation, thresholds)
        if main is not None and main.update_ratio is not None and math.isfinite(main.update_ratio):
            if main.update_ratio > thresholds.update_high:
                flags.append("update high")
            elif main.update_ratio < thresholds.update_low:
                flags.append("update low")
        layer.flags = flags


def parameter_stats(name: str, data: np.ndarray, grad: np.ndarray | None,
                    before: np.ndarray | None = None) -> ParamStats:
    """Statistics of one parameter; `before` is its value before the step (for the update ratio)."""
    from .health import gradient_stats

    values = data.astype(np.float64, copy=False).reshape(-1)
    norm = float(np.sqrt(np.dot(values, values)))
    ratio = None
    if before is not None:
        previous = before.astype(np.float64, copy=False).reshape(-1)
        change = values - previous
        before_norm = float(np.sqrt(np.dot(previous, previous)))
        ratio = float(np.sqrt(np.dot(change, change)) / before_norm) if before_norm > 0 else None
    return ParamStats(name=name, shape=tuple(data.shape), value_norm=norm,
                      value_rms=norm / math.sqrt(max(values.size, 1)),
                      grad=None if grad is None else gradient_stats(grad), update_ratio=ratio)


def layer_modules(model: Module) -> list[tuple[str, Module]]:
    """The modules a layer view shows: leaves of the module tree, and modules owning parameters."""
    chosen = []
    for name, module in model.named_modules():
        has_children = any(True for _ in module.children())
        owns = any(True for _ in module.named_parameters(recurse=False))
        if not has_children or owns:
            chosen.append((name, module))
    return chosen


# parameter-free modules whose op has another name (normalized names): Flatten is a reshape
MODULE_OPS = {"flatten": "reshape"}


def layers_from_trace(traced: Trace, model: Module, thresholds: Thresholds) -> list[LayerStats]:
    """Read per-layer statistics off a trace: each module's output is the last op that uses its
    parameters; a parameter-free module (ReLU) is the next op of the same name in data-flow order.
    Exact for Sequential-style models; a Monitor (forward hooks) is exact for any model."""
    ops = [node for node in traced.nodes if node.kind == "op"]
    params = {node.name: node for node in traced.nodes if node.kind == "parameter"}
    position = {node.id: i for i, node in enumerate(ops)}
    owned: dict[str, int] = {}  # module path -> index of its last op
    for i, node in enumerate(ops):
        if node.module is not None:
            owned[node.module] = i
    layers, cursor = [], 0
    for name, module in layer_modules(model):
        own_params = [(f"{name}.{p}" if name else p) for p, _ in module.named_parameters(recurse=False)]
        if own_params:
            index = owned.get(name)
            if index is None:
                continue  # not used in this forward pass
        else:
            key = normalized_name(type(module).__name__)
            key = MODULE_OPS.get(key, key)
            index = next((i for i in range(cursor, len(ops)) if normalized_name(ops[i].name) == key), None)
            if index is None:
                continue
        cursor = max(cursor, index + 1)
        node = ops[index]
        layer = LayerStats(name=name, kind=type(module).__name__, shape=node.shape, value=node.value,
                           output_grad=node.grad)
        if activation_kind(layer.kind) is not None:
            layer.activation = node.activation
        for full in own_params:
            record = params.get(full)
            if record is not None:
                layer.parameters.append(_param_from_node(record))
        layers.append((position[node.id], layer))
    layers.sort(key=lambda pair: pair[0])  # data-flow order, whatever the registration order
    result = [layer for _, layer in layers]
    diagnose_layers(result, thresholds)
    return result


def _param_from_node(record) -> ParamStats:
    value = record.value
    if value is None:
        return ParamStats(name=record.name, shape=record.shape, value_norm=float("nan"),
                          value_rms=float("nan"), grad=record.grad)
    rms = math.sqrt(value.mean ** 2 + value.std ** 2)  # E[x²] = mean² + variance
    return ParamStats(name=record.name, shape=record.shape, value_norm=rms * math.sqrt(value.size),
                      value_rms=rms, grad=record.grad)
