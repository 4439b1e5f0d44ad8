"""How `Sequential` runs its layers: Linear layers in a row, each optionally followed by ReLU, Tanh or
Sigmoid, run as one fused op.

A run of two or more Linear layers (each with or without its activation) becomes one
`linear_stack` node; a lone Linear + activation pair becomes one `linear_relu` / `linear_tanh` /
`linear_sigmoid` node. Either gives the same values and gradients, bit for bit, as the layers run
one after the other (the fused ops do the same arithmetic); they record one graph node where there
were many, which takes the engine's per-op work off a deep narrow net. `viz.trace` shows a fused
node as the Linear and activation ops it stands for, with the values and gradients of each. Layers
are fused only when nothing can tell the difference: each is exactly the library's class with its
own forward, none has a forward hook (a Monitor or a feature-map hook sees the layers run one by
one), and anomaly detection is off (it checks every op's output). Set `sequential.fuse = False` to
run every layer on its own.
"""
from __future__ import annotations

from autograd import grad_mode

from ..error_path import name_module_in_error
from ..functional.affine import FUSED_LINEAR
from ..functional.linear_stack import LinearStack
from ..module import CallChanges
from .activation import ReLU, Sigmoid, Tanh
from .linear import Linear

_ACTIVATIONS = {ReLU: "relu", Tanh: "tanh", Sigmoid: "sigmoid"}


def run_layers(sequential, x):
    """Pass `x` through the Sequential's layers in order, fusing each run of Linear (+ activation) layers
    that can be fused (by a plan made once and remade when the layers, or any module's hooks, change)."""
    layers = sequential._items
    if not sequential.fuse or grad_mode.state.anomaly:
        for layer in layers:
            x = layer(x)
        return x
    plan = sequential.__dict__.get("_fusion_plan")
    if plan is None or plan.changes != CallChanges.count or plan.layers != layers:
        plan = sequential.__dict__["_fusion_plan"] = _Plan(layers)
    for step in plan.steps:
        x = step(x)
    return x


class _Plan:
    """The layers as steps, each a callable: a layer on its own, a fused pair or a fused stack."""

    def __init__(self, layers: list):
        self.layers = list(layers)
        self.changes = CallChanges.count
        self.steps = []
        run = []  # the current run of fusable layers: [(linear, activation name or None, activation layer)]
        for layer in layers + [None]:  # None ends the last run
            activation = _ACTIVATIONS.get(type(layer))
            if type(layer) is Linear and _plain(layer):
                run.append([layer, None, None])
            elif activation is not None and run and run[-1][1] is None and _plain(layer):
                run[-1][1:] = [activation, layer]
            else:
                self._add_run(run)
                run = []
                if layer is not None:
                    self.steps.append(layer)

    def _add_run(self, run: list) -> None:
        if len(run) >= 2:
            self.steps.append(_FusedStack([linear for linear, _, _ in run], [name for _, name, _ in run],
                                          [module for _, _, module in run]))
        elif run and run[0][1] is not None:
            self.steps.append(_FusedPair(run[0][0], run[0][1]))
        elif run:
            self.steps.append(run[0][0])  # a lone Linear runs as itself


def _plain(module) -> bool:
    """True when calling the module would run just its class's forward: no hooks, no forward of its own."""
    return not (module._forward_hooks or module._forward_pre_hooks or "forward" in module.__dict__)


class _FusedPair:
    """A Linear and its activation as one op; an error names the Linear layer, as it would unfused."""

    def __init__(self, linear: Linear, activation: str):
        self.linear, self.op = linear, FUSED_LINEAR[activation]

    def __call__(self, x):
        linear = self.linear
        try:
            if linear.bias is None:
                return self.op.apply(x, linear.weight)
            return self.op.apply(x, linear.weight, linear.bias)
        except Exception as error:
            name_module_in_error(error, linear)
            raise


class _FusedStack:
    """Linear layers in a row, each with or without its activation, as one op."""

    def __init__(self, linears: list, activations: list, activation_layers: list):
        self.linears, self.activations = linears, activations
        self.modules = [m for linear, act in zip(linears, activation_layers) for m in (linear, act) if m is not None]

    def __call__(self, x):
        inputs = [x]
        layers = []
        for linear, activation in zip(self.linears, self.activations):
            inputs.append(linear.weight)
            if linear.bias is not None:
                inputs.append(linear.bias)
            layers.append((activation, linear.bias is not None))
        try:
            return LinearStack.apply(*inputs, layers=tuple(layers))
        except Exception:
            # nothing was recorded: run the layers one by one, so an error names the layer it comes from
            for module in self.modules:
                x = module(x)
            return x
