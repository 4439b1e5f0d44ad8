"""Greedy layer-wise pre-training (Hinton & Salakhutdinov 2006; Bengio et al. 2007) with
autoencoders, then supervised fine-tuning of the whole network.

    stages = pretrain_layerwise(model, x_train, epochs=5)         # unsupervised, layer by layer
    fine_tune(model, x_train, y_train, nn.CrossEntropyLoss())     # supervised, all layers

`model` is a `Sequential`. It is cut into stages, each starting at a layer with weights
(`Linear`, `Maxout`) and holding the layers after it up to the next one (its activation,
batch norm, dropout). Every stage but the last (the output layer) is trained in turn as the
encoder of an autoencoder: a new decoder maps its output back to its input, the pair learns
to reconstruct the stage's input (optionally from a corrupted copy: a denoising autoencoder,
Vincent et al. 2008), then the encoder is frozen and its outputs on the data become the next
stage's inputs. The decoders are thrown away; the model keeps only the pre-trained encoders.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import autograd
from autograd import Tensor

from . import functional as F
from .data import DataLoader
from .layers import Linear, Maxout, Sequential
from .module import Module, Parameter
from .optim import Adam, Optimizer
from .seeding import resolve_generator

__all__ = ["StageReport", "split_stages", "pretrain_layerwise", "fine_tune"]

WEIGHTED_LAYERS = (Linear, Maxout)


@dataclass(frozen=True)
class StageReport:
    """The reconstruction error (mean squared, on clean inputs) of one pre-trained stage."""

    stage: int
    input_features: int
    output_features: int
    initial_loss: float
    final_loss: float
    losses: tuple[float, ...]  # the training loss of each epoch


def split_stages(model: Sequential) -> list[Sequential]:
    """Cut a Sequential into stages that each start at a Linear or Maxout layer."""
    if not isinstance(model, Sequential):
        raise TypeError(f"split_stages: expected a Sequential, got {type(model).__name__}")
    stages: list[list[Module]] = []
    for layer in model:
        if isinstance(layer, WEIGHTED_LAYERS):
            stages.append([layer])
        elif not stages:
            raise ValueError(f"split_stages: the model must start with a Linear or Maxout layer, "
                             f"not {type(layer).__name__}")
        else:
            stages[-1].append(layer)
    return [Sequential(*layers) for layers in stages]


class TiedDecoder(Module):
    """Decodes with the encoder layer's own weight W (out, in), shared as in an unrolled RBM
    stack, plus a bias of its own: x̂ = h·W + b."""

    def __init__(self, encoder: Linear):
        super().__init__()
        self.weight = encoder.weight  # the same Parameter: both directions train it
        self.bias = Parameter(np.zeros(encoder.in_features, encoder.weight.dtype))

    def forward(self, h):
        return F.linear(h, autograd.transpose(self.weight), self.bias)


def _corrupt(batch: Tensor, noise: float, corruption: str, generator) -> Tensor:
    """Masking noise zeroes a fraction `noise` of the inputs; gaussian noise adds N(0, noise²)."""
    if noise == 0:
        return batch
    data = batch.data
    if corruption == "mask":
        return Tensor(data * (generator.random(data.shape) >= noise).astype(data.dtype))
    return Tensor(data + generator.normal(0.0, noise, data.shape).astype(data.dtype))


def _train_epochs(forward_loss: Callable[[tuple], Tensor], loader: DataLoader, optimizer: Optimizer,
                  epochs: int) -> list[float]:
    """Run `epochs` passes of minibatch training; the mean batch loss of each epoch."""
    history = []
    for _ in range(epochs):
        total, count = 0.0, 0
        for batch in loader:
            optimizer.zero_grad()
            loss = forward_loss(batch)
            loss.backward()
            optimizer.step()
            size = len(batch[0]) if isinstance(batch, tuple) else len(batch)
            total, count = total + loss.item() * size, count + size
        history.append(total / count)
    return history


def _reconstruction_error(encoder: Module, decoder: Module, inputs: np.ndarray) -> float:
    with autograd.no_grad():
        return F.mse_loss(decoder(encoder(Tensor(inputs))), Tensor(inputs)).item()


def _default_optimizer(lr: float) -> Callable[[list], Optimizer]:
    return lambda params: Adam(params, lr=lr)


def pretrain_layerwise(model: Sequential, x, *, epochs: int = 5, batch_size: int = 64, lr: float = 1e-3,
                       noise: float = 0.0, corruption: str = "mask", tied: bool = False,
                       make_optimizer: Callable[[list], Optimizer] | None = None, seed=None,
                       unfreeze: bool = True) -> list[StageReport]:
    """Pre-train every stage of `model` except the last as an autoencoder, bottom up.

    Each stage learns to reconstruct its input (mean squared error) through a fresh linear
    decoder (with `tied=True`, the transpose of the stage's Linear weight). With `noise` > 0 it
    sees a corrupted input (`corruption`="mask": a fraction `noise` of the values zeroed;
    "gaussian": N(0, noise²) added) but must reconstruct the clean one. Trained stages are frozen
    while the ones above them train; with `unfreeze=True` (default) every parameter is trainable
    again at the end, ready for `fine_tune`. Returns one StageReport per pre-trained stage.
    """
    if corruption not in ("mask", "gaussian"):
        raise ValueError(f"pretrain_layerwise: corruption must be 'mask' or 'gaussian', got {corruption!r}")
    if corruption == "mask" and not 0 <= noise < 1:
        raise ValueError(f"pretrain_layerwise: masking noise must be in [0, 1), got {noise}")
    stages = split_stages(model)
    if len(stages) < 2:
        raise ValueError("pretrain_layerwise: the model needs a hidden stage below its output layer")
    generator = resolve_generator(seed)
    make_optimizer = make_optimizer or _default_optimizer(lr)
    inputs = np.asarray(x.data if isinstance(x, Tensor) else x)
    was_training = model.training
    reports = []
    for index, encoder in enumerate(stages[:-1]):
        encoder.train()
        layer = encoder[0]
        with autograd.no_grad():
            width = encoder(Tensor(inputs[:2])).shape[-1]
        if tied and isinstance(layer, Linear):
            decoder = TiedDecoder(layer)
        else:
            decoder = Linear(width, inputs.shape[1], dtype=inputs.dtype, generator=generator)
        initial = _reconstruction_error(encoder.eval(), decoder, inputs)
        encoder.train()

        def reconstruction_loss(batch, encoder=encoder, decoder=decoder):
            return F.mse_loss(decoder(encoder(_corrupt(batch, noise, corruption, generator))), batch)

        parameters = list(Sequential(encoder, decoder).parameters())  # a tied weight counted once
        loader = DataLoader(inputs, batch_size=batch_size, shuffle=True, seed=generator)
        losses = _train_epochs(reconstruction_loss, loader, make_optimizer(parameters), epochs)
        encoder.eval()
        reports.append(StageReport(index, inputs.shape[1], width, initial,
                                   _reconstruction_error(encoder, decoder, inputs), tuple(losses)))
        encoder.requires_grad_(False)  # frozen: the stages above train on its fixed features
        with autograd.no_grad():
            inputs = encoder(Tensor(inputs)).data
    model.train(was_training)
    if unfreeze:
        model.requires_grad_(True)
    return reports


def fine_tune(model: Module, x, y, loss_fn: Callable, *, epochs: int = 10, batch_size: int = 64,
              lr: float = 1e-3, make_optimizer: Callable[[list], Optimizer] | None = None,
              seed=None) -> list[float]:
    """Train the whole network (all parameters unfrozen) on the supervised loss; returns the
    mean training loss of each epoch."""
    model.requires_grad_(True)
    model.train()
    optimizer = (make_optimizer or _default_optimizer(lr))(list(model.parameters()))
    loader = DataLoader(x, y, batch_size=batch_size, shuffle=True, seed=seed)
    return _train_epochs(lambda batch: loss_fn(model(batch[0]), batch[1]), loader, optimizer, epochs)
