"""Layers: thin Modules around `nn.functional` ops, with PyTorch's names and parameter layouts."""
from __future__ import annotations

from .activation import (
    ELU,
    GELU,
    SELU,
    LeakyReLU,
    LogSoftmax,
    PReLU,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Swish,
    Tanh,
)
from .container import ModuleList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout
from .linear import Linear, Maxout
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    MultiLabelHingeLoss,
    MultiMarginLoss,
    NLLLoss,
    SmoothL1Loss,
)
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .shape import Flatten, Identity

__all__ = [
    "Sequential", "ModuleList", "Linear", "Maxout", "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d",
    "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Dropout", "Identity",
    "Flatten", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "Softplus", "SiLU", "Swish",
    "GELU", "Softmax", "LogSoftmax", "MSELoss", "L1Loss", "HuberLoss", "SmoothL1Loss", "BCELoss", "BCEWithLogitsLoss",
    "CrossEntropyLoss", "NLLLoss", "MultiMarginLoss", "MultiLabelHingeLoss", "KLDivLoss",
]
