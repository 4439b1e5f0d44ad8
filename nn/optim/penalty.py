"""L1 and L2 penalties to add to a loss (differentiable; built from graph ops)."""
from __future__ import annotations

from collections.abc import Iterable

import autograd
from autograd import Tensor


def _penalized(parameters) -> list[Tensor]:
    """The tensors to penalize: a Module's weights (biases excluded), or the given tensors."""
    if hasattr(parameters, "named_parameters"):
        return [p for name, p in parameters.named_parameters()
                if not (name == "bias" or name.endswith(".bias"))]
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def l2_penalty(parameters: Iterable[Tensor] | Tensor, weight: float) -> Tensor:
    """weight/2 · Σ p² over the given tensors (a Module: all its weights, no biases).

    Its gradient weight·p equals SGD's weight_decay=weight; adding it to the loss shows up in the graph.
    """
    tensors = _penalized(parameters)
    if not tensors:
        raise ValueError("l2_penalty: no parameters to penalize")
    total = autograd.sum(tensors[0] * tensors[0])
    for p in tensors[1:]:
        total = total + autograd.sum(p * p)
    return total * (0.5 * weight)


def l1_penalty(parameters: Iterable[Tensor] | Tensor, weight: float) -> Tensor:
    """weight · Σ |p| over the given tensors (a Module: all its weights, no biases); drives weights to 0."""
    tensors = _penalized(parameters)
    if not tensors:
        raise ValueError("l1_penalty: no parameters to penalize")
    total = autograd.sum(autograd.abs(tensors[0]))
    for p in tensors[1:]:
        total = total + autograd.sum(autograd.abs(p))
    return total * weight
