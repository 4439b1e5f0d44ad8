"""RMSprop: steps scaled by a running root-mean-square of recent gradients."""
from __future__ import annotations

import numpy as np

from autograd.function import bump_version

from .optimizer import Optimizer, check_non_negative


class RMSprop(Optimizer):
    """`torch.optim.RMSprop` (Hinton's lecture 6e): for each parameter p with gradient g,

        g ← g + weight_decay·p
        v ← alpha·v + (1 − alpha)·g²
        centered:  m ← alpha·m + (1 − alpha)·g,  d ← √(v − m²) + eps;  otherwise d ← √v + eps
        momentum > 0:  b ← momentum·b + g/d,  p ← p − lr·b;  otherwise p ← p − lr·g/d
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False, *,
                 maximize: bool = False):
        check_non_negative("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered, maximize=maximize))

    def step(self) -> None:
        """One RMSprop step on every parameter that has a gradient."""
        self.check_step()  # everything is checked before any parameter or state changes
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            momentum, centered = group["momentum"], group["centered"]
            buffers = ("square_avg",) + ("momentum_buffer",) * (momentum > 0) + ("grad_avg",) * bool(centered)
            for p, grad in self._gradients(group):
                state = self._state_of(p, *buffers)
                state["step"] += 1
                square_avg = state["square_avg"]
                square_avg *= alpha
                square_avg += (1 - alpha) * grad * grad
                if centered:
                    grad_avg = state["grad_avg"]
                    grad_avg += (1 - alpha) * (grad - grad_avg)  # lerp towards g, as torch does
                    average = np.sqrt(square_avg - grad_avg * grad_avg)
                else:
                    average = np.sqrt(square_avg)
                average += eps
                if momentum > 0:
                    buffer = state["momentum_buffer"]
                    buffer *= momentum
                    buffer += grad / average
                    p.data -= lr * buffer
                else:
                    p.data -= lr * (grad / average)
                bump_version(p._version_counter)
