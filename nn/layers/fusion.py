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
from .activation import ReLU, Sigmoid, Tanh
from .linear import Linear

_ACTIVATION_OPS = {ReLU: FUSED_LINEAR["relu"], Tanh: FUSED_LINEAR["tanh"], Sigmoid: FUSED_LINEAR["sigmoid"]}


def run_layers(layers: list, x, fuse: bool):
    """Pass `x` through `layers` in order, fusing each Linear + activation pair that can be fused."""
    if not fuse or grad_mode.state.anomaly:
        for layer in layers:
            x = layer(x)
        return x
    waiting = None  # a Linear held back until the next layer shows whether it can be fused
    for layer in layers:
        if waiting is not None:
            op = _ACTIVATION_OPS.get(type(layer))
            if op is not None and _plain(waiting) and _plain(layer):
                x = _run_fused(op, waiting, x)
                waiting = None
                continue
            x = waiting(x)
            waiting = None
        if type(layer) is Linear:
            waiting = layer
        else:
            x = layer(x)
    return x if waiting is None else waiting(x)


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
