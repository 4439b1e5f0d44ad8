"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients."""
from __future__ import annotations

import numpy as np

from autograd.function import bump_version

from .optimizer import Optimizer, check_non_negative


class Adagrad(Optimizer):
    """`torch.optim.Adagrad` (Duchi et al. 2011): at step t, for each parameter p with gradient g,

        g ← g + weight_decay·p
        lr_t ← lr / (1 + (t − 1)·lr_decay)
        s ← s + g²                          (s starts at initial_accumulator_value)
        p ← p − lr_t · g / (√s + eps)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False):
        check_non_negative("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                           initial_accumulator_value=initial_accumulator_value, eps=eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, eps=eps,
                                      maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                self._initial_state(p, group)

    def _initial_state(self, p, group: dict) -> dict:
        # Made eagerly, as torch does, so state_dict() shows the accumulators before any step.
        state = self.state[p] = {"step": 0, "sum": np.full_like(p.data, group["initial_accumulator_value"])}
        return state

    def step(self) -> None:
        """One Adagrad step on every parameter that has a gradient."""
        self.check_step()  # everything is checked before any parameter or state changes
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            for p, grad in self._gradients(group):
                state = self.state.get(p) or self._initial_state(p, group)
                state["step"] += 1
                step_lr = lr / (1 + (state["step"] - 1) * lr_decay)
                total = state["sum"]
                total += grad * grad
                denominator = np.sqrt(total)
                denominator += eps
                p.data -= step_lr * (grad / denominator)
                bump_version(p._version_counter)
