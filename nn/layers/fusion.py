"""How `Sequential` runs its layers: a Linear followed by ReLU, Tanh or Sigmoid runs as one fused op.

The pair gives the same values and gradients, bit for bit, as the two layers run one after the
other (nn.functional.linear_activation does the same arithmetic); it records one graph node where
there were two, which halves the engine's per-op work on a deep narrow net. `viz.trace` shows a
fused node as the Linear op and the activation op it stands for, with the values and gradients of
both. A pair is fused only when nothing can tell the difference: both layers are exactly the
library's classes with their own forward, neither has a forward hook (a Monitor or a feature-map
hook sees the layers run one by one), and anomaly detection is off (it checks every op's output).
Set `sequential.fuse = False` to run every layer on its own.
"""
from __future__ import annotations

from autograd import grad_mode

from ..error_path import name_module_in_error
from ..functional.affine import FUSED_LINEAR
from ..module import CallChanges
from .activation import ReLU, Sigmoid, Tanh
from .linear import Linear

_ACTIVATION_OPS = {ReLU: FUSED_LINEAR["relu"], Tanh: FUSED_LINEAR["tanh"], Sigmoid: FUSED_LINEAR["sigmoid"]}


def run_layers(sequential, x):
    """Pass `x` through the Sequential's layers in order, fusing each Linear + activation pair that can
    be fused (by a plan made once and remade when the layers, or any module's hooks, change)."""
    layers = sequential._items
    if not sequential.fuse or grad_mode.state.anomaly:
        for layer in layers:
            x = layer(x)
        return x
    plan = sequential.__dict__.get("_fusion_plan")
    if plan is None or plan.changes != CallChanges.count or plan.layers != layers:
        plan = sequential.__dict__["_fusion_plan"] = _Plan(layers)
    for op, layer in plan.steps:
        x = layer(x) if op is None else _run_fused(op, layer, x)
    return x


class _Plan:
    """The layers as steps: (None, layer) runs a layer on its own, (op, linear) a fused pair."""

    def __init__(self, layers: list):
        self.layers = list(layers)
        self.changes = CallChanges.count
        self.steps = []
        previous = None
        for layer in layers:
            op = _ACTIVATION_OPS.get(type(layer))
            if op is not None and type(previous) is Linear and _plain(previous) and _plain(layer):
                self.steps[-1] = (op, previous)
                previous = None  # a fused pair's activation starts no pair of its own
            else:
                self.steps.append((None, layer))
                previous = layer


def _plain(module) -> bool:
    """True when calling the module would run just its class's forward: no hooks, no forward of its own."""
    return not (module._forward_hooks or module._forward_pre_hooks or "forward" in module.__dict__)


def _run_fused(op, linear: Linear, x):
    try:
        if linear.bias is None:
            return op.apply(x, linear.weight)
        return op.apply(x, linear.weight, linear.bias)
    except Exception as error:
        name_module_in_error(error, linear)  # the error names the Linear layer, as it would unfused
        raise
