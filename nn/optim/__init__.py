"""Optimizers with `torch.optim`'s names, arguments, defaults and update rules; penalties;
gradient clipping; learning-rate schedulers (`nn.optim.lr_scheduler`)."""
from __future__ import annotations

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .clip import clip_grad_norm_, clip_grad_value_
from .optimizer import Optimizer
from .penalty import l1_penalty, l2_penalty
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "l1_penalty", "l2_penalty",
           "clip_grad_norm_", "clip_grad_value_", "lr_scheduler"]
