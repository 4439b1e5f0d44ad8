"""The fully connected layer's op, y = x Wᵀ + b, as one graph node; and the same op fused with the
activation that follows it (what nn.Sequential runs for a Linear followed by ReLU, Tanh or Sigmoid)."""
from __future__ import annotations

import numpy as np

from autograd import Function, Tensor
from autograd.ops._util import constant
from autograd.ops.elementwise import sigmoid_array


class Linear(Function):
    """x (..., in) @ weight (out, in)ᵀ + bias (out,): PyTorch's layout, any leading batch axes."""

    @staticmethod
    def forward(ctx, x, weight, *bias):
        ctx.save_for_backward(x, weight)
        return affine(x, weight, bias)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved
        return _affine_grads_of(ctx, x, weight, grad)


def affine(x, weight, bias: tuple):
    """x @ weight.T (+ bias[0]) as a fresh array, after checking that the shapes fit."""
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"input of shape {x.shape} does not fit weight of shape {weight.shape}: "
                         "expected weight (out_features, in_features) and input (..., in_features)")
    if bias and bias[0].shape != (weight.shape[0],):
        raise ValueError(f"bias of shape {bias[0].shape} does not fit weight of shape {weight.shape}: "
                         f"expected ({weight.shape[0]},)")
    out = x @ weight.T  # BLAS reads the transposed view directly: no copy
    if bias:
        out += bias[0]  # in place: the product is a fresh array
    return out


def _affine_grads_of(ctx, x, weight, grad) -> tuple:
    """The gradients of the inputs (x, weight and, if given, bias) of the node `ctx` of x @ weight.T + bias."""
    need_x, need_weight, *need_bias = ctx.needs_input_grad
    grads = affine_grads(x, weight, grad, need_x, need_weight, any(need_bias), ctx.xp)
    return grads[:len(ctx.parents)]


def affine_grads(x, weight, grad, need_x: bool, need_weight: bool, need_bias: bool, xp=np) -> tuple:
    """The gradients of x, weight and bias (None where not needed) given the gradient of x @ weight.T + bias."""
    grad_x = grad @ weight if need_x else None
    grad_weight = grad_bias = None
    if need_weight or need_bias:
        # leading batch axes flattened into one: the weight sees every row as one sample
        rows = grad if grad.ndim == 2 else grad.reshape((-1, grad.shape[-1]))
        if need_weight:
            grad_weight = rows.T @ (x if x.ndim == 2 else x.reshape((-1, x.shape[-1])))
        if need_bias:
            grad_bias = rows.sum(axis=0) if xp is not np else np.add.reduce(rows, axis=0)
    return grad_x, grad_weight, grad_bias


class _LinearActivation(Function):
    """activation(x @ weight.T + bias) as one graph node: one op recorded and run backward instead of
    two. Forward and backward do exactly the arithmetic of Linear followed by the activation's own op
    (so the results are bitwise the same); the activation's derivative comes from the saved output.
    A subclass gives `activate` (the activation's forward, allowed to overwrite its fresh input) and
    `pre_activation_grad`."""

    register = False
    activation: str = ""  # the name of the activation's op (viz.trace shows the node as linear, then it)

    @staticmethod
    def forward(ctx, x, weight, *bias):
        out = ctx.activate(affine(x, weight, bias))
        ctx.save_for_backward(x, weight, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, out = ctx.saved
        return _affine_grads_of(ctx, x, weight, ctx.pre_activation_grad(grad, out))

    @classmethod
    def fused_layers(cls, node) -> tuple:
        """Per layer (here one): (activation name, has bias); viz.trace shows it as its two ops."""
        return ((cls.activation, len(node.parents) == 3),)

    @staticmethod
    def layer_values(node, inputs: list) -> list[tuple]:
        """The Linear op's output (recomputed from the inputs) and the activation's (saved)."""
        return [(affine(inputs[0], inputs[1], tuple(inputs[2:])), node.saved[-1])]

    @classmethod
    def layer_grads(cls, node, grad) -> list[tuple]:
        """The gradients of the Linear op's output and of the activation's, from the latter (before the
        node's backward frees what it saved)."""
        return [(cls.pre_activation_grad(grad, node.saved[-1]), grad)]

    @staticmethod
    def activate(z):
        raise NotImplementedError

    @staticmethod
    def pre_activation_grad(grad, out):
        """The gradient of the Linear op's output, given the gradient and the value of this op's."""
        raise NotImplementedError


class LinearRelu(_LinearActivation):
    activation = "relu"

    @staticmethod
    def activate(z):
        return np.maximum(z, 0, out=z)

    @staticmethod
    def pre_activation_grad(grad, out):
        return grad * (constant(out) != 0)  # relu'(0) = 0, as the relu op's


class LinearTanh(_LinearActivation):
    activation = "tanh"

    @staticmethod
    def activate(z):
        return np.tanh(z, out=z)

    @staticmethod
    def pre_activation_grad(grad, out):
        return grad * (1 - out * out)  # as the tanh op's


class LinearSigmoid(_LinearActivation):
    activation = "sigmoid"
    activate = staticmethod(sigmoid_array)

    @staticmethod
    def pre_activation_grad(grad, out):
        return grad * out * (1 - out)  # as the sigmoid op's


FUSED_LINEAR = {"relu": LinearRelu, "tanh": LinearTanh, "sigmoid": LinearSigmoid}


def linear(input, weight, bias=None) -> Tensor:
    """Apply y = input @ weight.T + bias over the last axis (weight (out, in), bias (out,))."""
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)


def linear_activation(input, weight, bias=None, activation: str = "relu") -> Tensor:
    """activation(input @ weight.T + bias) as one op, for activation 'relu', 'tanh' or 'sigmoid':
    the same values and gradients as `linear` followed by the activation, one graph node instead of two."""
    op = FUSED_LINEAR.get(activation)
    if op is None:
        raise ValueError(f"linear_activation: activation must be one of {sorted(FUSED_LINEAR)}, not {activation!r}")
    if bias is None:
        return op.apply(input, weight)
    return op.apply(input, weight, bias)
