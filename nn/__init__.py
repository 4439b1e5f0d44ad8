"""gradsight's `nn`: PyTorch-style modules, functional ops, initializers, optimizers, data and
greedy layer-wise pre-training, all on the `autograd` engine.

    import nn
    import nn.functional as F

    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
"""
from __future__ import annotations

from . import data, functional, init, layers, optim, pretrain, utils
from .layers import *  # noqa: F403  (the layer, activation and loss modules)
from .layers import __all__ as _layer_names
from .module import Module, Parameter
from .seeding import default_generator, manual_seed

__all__ = ["Module", "Parameter", "functional", "init", "layers", "optim", "data", "pretrain", "utils",
           "manual_seed", "default_generator", *_layer_names]
