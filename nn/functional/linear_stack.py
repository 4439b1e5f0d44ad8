"""A run of fully connected layers, each optionally followed by ReLU, Tanh or Sigmoid, as one graph node:
what nn.Sequential runs for two or more such layers in a row (a deep narrow net is one node, not 100)."""
from __future__ import annotations

from autograd import Function, Tensor

from .affine import FUSED_LINEAR, affine, affine_grads, linear, linear_activation


class LinearStack(Function):
    """x through each layer in turn: z = h @ weight.T (+ bias), then the layer's activation if it has one.

    Inputs: x, then each layer's weight and (if it has one) bias. `layers` holds per layer
    (activation name or None, has bias). Forward and backward do exactly the arithmetic of the layers
    run one by one as `linear` / `linear_activation` ops (so values and gradients are bitwise the
    same); it saves the inputs, in order, then every layer's output, as those ops would. Under
    create_graph the engine differentiates `composite`, the same layers as separate ops.
    """

    @staticmethod
    def forward(ctx, x, *weights, layers=()):
        h = x
        outputs = []
        index = 0
        for activation, has_bias in layers:
            z = affine(h, weights[index], weights[index + 1:index + 2] if has_bias else ())
            h = z if activation is None else FUSED_LINEAR[activation].activate(z)
            outputs.append(h)
            index += 1 + has_bias
        ctx.save_for_backward(x, *weights, *outputs)  # the last output is the op's output
        return h

    @staticmethod
    def backward(ctx, grad):
        layers = ctx.params["layers"]
        saved, needs = ctx.saved, ctx.needs_input_grad
        count = len(needs)
        outputs = saved[count:]
        first_needed = needs.index(True)  # a layer's input needs a gradient only if something before it does
        grads = [None] * count
        index = count
        for layer in range(len(layers) - 1, -1, -1):
            activation, has_bias = layers[layer]
            index -= 1 + has_bias  # the layer's weight
            if activation is not None:
                grad = FUSED_LINEAR[activation].pre_activation_grad(grad, outputs[layer])
            layer_input = outputs[layer - 1] if layer else saved[0]
            grad, grads[index], grad_bias = affine_grads(
                layer_input, saved[index], grad, first_needed < index, needs[index], has_bias and needs[index + 1])
            if has_bias:
                grads[index + 1] = grad_bias
            if grad is None:
                break  # nothing before this layer needs a gradient
        grads[0] = grad
        return tuple(grads)

    @staticmethod
    def composite(x, *weights, layers=()):
        h = x
        index = 0
        for activation, has_bias in layers:
            bias = weights[index + 1] if has_bias else None
            h = linear(h, weights[index], bias) if activation is None else \
                linear_activation(h, weights[index], bias, activation)
            index += 1 + has_bias
        return h

    @staticmethod
    def fused_layers(node) -> tuple:
        """Per layer: (activation name or None, has bias); viz.trace shows each as its ops."""
        return node.params["layers"]

    @staticmethod
    def layer_values(node, inputs: list) -> list[tuple]:
        """Per layer, the linear op's output (recomputed) and the activation's (saved; None without one)."""
        layers = node.params["layers"]
        outputs = node.saved[len(node.parents):]
        values = []
        h, index = inputs[0], 1
        for layer, (activation, has_bias) in enumerate(layers):
            weights = inputs[index:index + 1 + has_bias]
            values.append((affine(h, weights[0], tuple(weights[1:])) if activation else outputs[layer],
                           outputs[layer] if activation else None))
            h = outputs[layer]
            index += 1 + has_bias
        return values

    @staticmethod
    def layer_grads(node, grad) -> list[tuple]:
        """Per layer, the gradients of the linear op's output and of the activation's (None without one),
        from the gradient of the node's output (before its backward frees what it saved)."""
        layers = node.params["layers"]
        saved = node.saved
        outputs = saved[len(node.parents):]
        grads = []
        index = len(node.parents)
        for layer in range(len(layers) - 1, -1, -1):
            activation, has_bias = layers[layer]
            index -= 1 + has_bias
            pre_activation_grad = grad if activation is None else \
                FUSED_LINEAR[activation].pre_activation_grad(grad, outputs[layer])
            grads.append((pre_activation_grad, grad if activation else None))
            if layer:
                grad = pre_activation_grad @ saved[index]  # the gradient of the layer's input
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

