"""A run of fully connected layers, each optionally followed by ReLU, Tanh or Sigmoid, as one graph node:
what nn.Sequential runs for two or more such layers in a row (a deep narrow net is one node, not 100)."""
from __future__ import annotations

import functools

from autograd import Function, Tensor

from .affine import FUSED_LINEAR, affine, affine_grads, linear, linear_activation


@functools.lru_cache(maxsize=256)
def _layer_plan(layers: tuple) -> tuple:
    """Per layer: (activation, index of its weight among the op's inputs, has bias); x is input 0."""
    plan, position = [], 1
    for activation, has_bias in layers:
        plan.append((activation, position, has_bias))
        position += 1 + has_bias
    return tuple(plan)


class LinearStack(Function):
    """x through each layer in turn: z = h @ weight.T (+ bias), then the layer's activation if it has one.

    Inputs: x, then each layer's weight and (if it has one) bias. `layers` holds per layer
    (activation name or None, has bias). Forward and backward do exactly the arithmetic of the layers
    run one by one as `linear` / `linear_activation` ops (so values and gradients are bitwise the
    same); it saves the inputs, in order, then every layer's output, as those ops would. Under
    create_graph the engine differentiates `composite`, the same layers as separate ops.
    """

    @staticmethod
    def forward(ctx, *inputs, layers=()):
        h = inputs[0]
        outputs = []
        for activation, position, has_bias in _layer_plan(layers):
            z = affine(h, inputs[position], inputs[position + 1:position + 1 + has_bias])
            h = z if activation is None else FUSED_LINEAR[activation].activate(z)
            outputs.append(h)
        ctx.save_for_backward(*inputs, *outputs)  # the last output is the op's output
        return h

    @staticmethod
    def backward(ctx, grad):
        saved, needs = ctx.saved, ctx.needs_input_grad
        outputs = saved[len(needs):]
        first_needed = needs.index(True)  # a layer's input needs a gradient only if something before it does
        grads = [None] * len(needs)
        plan = _layer_plan(ctx.params["layers"])
        for layer in range(len(plan) - 1, -1, -1):
            activation, position, has_bias = plan[layer]
            if activation is not None:
                grad = FUSED_LINEAR[activation].pre_activation_grad(grad, outputs[layer])
            layer_input = outputs[layer - 1] if layer else saved[0]
            grad, grads[position], grad_bias = affine_grads(
                layer_input, saved[position], grad, first_needed < position, needs[position],
                has_bias and needs[position + 1])
            if has_bias:
                grads[position + 1] = grad_bias
            if grad is None:
                break  # nothing before this layer needs a gradient
        grads[0] = grad
        return tuple(grads)

    @staticmethod
    def composite(*inputs, layers=()):
        h = inputs[0]
        for activation, position, has_bias in _layer_plan(layers):
            bias = inputs[position + 1] if has_bias else None
            h = linear(h, inputs[position], bias) if activation is None else \
                linear_activation(h, inputs[position], bias, activation)
        return h

    @staticmethod
    def fused_layers(node) -> tuple:
        """Per layer: (activation name or None, has bias); viz.trace shows each as its ops."""
        return node.params["layers"]

    @staticmethod
    def layer_values(node, inputs: list) -> list[tuple]:
        """Per layer, the linear op's output (recomputed) and the activation's (saved; None without one)."""
        outputs = node.saved[len(node.parents):]
        values = []
        h = inputs[0]
        for layer, (activation, position, has_bias) in enumerate(_layer_plan(node.params["layers"])):
            pre_activation = affine(h, inputs[position], tuple(inputs[position + 1:position + 1 + has_bias])) \
                if activation else outputs[layer]
            values.append((pre_activation, outputs[layer] if activation else None))
            h = outputs[layer]
        return values

    @staticmethod
    def layer_grads(node, grad) -> list[tuple]:
        """Per layer, the gradients of the linear op's output and of the activation's (None without one),
        from the gradient of the node's output (before its backward frees what it saved)."""
        saved = node.saved
        outputs = saved[len(node.parents):]
        plan = _layer_plan(node.params["layers"])
        grads = []
        for layer in range(len(plan) - 1, -1, -1):
            activation, position, _ = plan[layer]
            pre_activation_grad = grad if activation is None else \
                FUSED_LINEAR[activation].pre_activation_grad(grad, outputs[layer])
            grads.append((pre_activation_grad, grad if activation else None))
            if layer:
                grad = pre_activation_grad @ saved[position]  # the gradient of the layer's input
        return grads[::-1]


def linear_stack(input, weights: list, biases: list, activations: list) -> Tensor:
    """Fully connected layers in a row as one op: for each layer i, h = h @ weights[i].T + biases[i]
    (no bias where biases[i] is None), then activations[i] ('relu', 'tanh', 'sigmoid' or None).
    The same values and gradients as the layers applied one by one, one graph node instead of many."""
    if not (len(weights) == len(biases) == len(activations)) or not weights:
        raise ValueError(f"linear_stack: expected as many biases and activations as weights (at least one), got "
                         f"{len(weights)} weights, {len(biases)} biases, {len(activations)} activations")
    for activation in activations:
        if activation is not None and activation not in FUSED_LINEAR:
            raise ValueError(f"linear_stack: an activation must be one of {sorted(FUSED_LINEAR)} or None, "
                             f"not {activation!r}")
    inputs = [input]
    for weight, bias in zip(weights, biases):
        inputs.append(weight)
        if bias is not None:
            inputs.append(bias)
    layers = tuple((activation, bias is not None) for activation, bias in zip(activations, biases))
    return LinearStack.apply(*inputs, layers=layers)

