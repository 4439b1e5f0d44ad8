"""Adam (Kingma & Ba 2015) and AdamW (Loshchilov & Hutter 2019, decoupled weight decay)."""
from __future__ import annotations

import numpy as np

from autograd.function import bump_version

from .optimizer import Optimizer, check_non_negative


class Adam(Optimizer):
    """`torch.optim.Adam`: at step t, for each parameter p with gradient g,

        g ← g + weight_decay·p                    (Adam: L2 penalty folded into the gradient)
        m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
        v_max ← max(v_max, v) and use v_max for v (amsgrad)
        p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps)
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False):
        name = type(self).__name__
        check_non_negative(name, lr=lr, eps=eps, weight_decay=weight_decay)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), e.g. betas=(0.9, 0.999); got {betas!r}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: invalid beta parameter at index {i}: {beta} (must be in [0, 1))")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def step(self) -> None:
        """One Adam (AdamW) step on every parameter that has a gradient."""
        self.check_step()  # everything is checked before any parameter or state changes
        decoupled = self.decoupled_weight_decay
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
            buffers = ("exp_avg", "exp_avg_sq") + ("max_exp_avg_sq",) * bool(amsgrad)
            for p, grad in self._gradients(group, l2_weight_decay=not decoupled):
                state = self._state_of(p, *buffers)
                state["step"] += 1
                step = state["step"]
                if decoupled and weight_decay != 0:
                    p.data *= 1 - lr * weight_decay
                    bump_version(p._version_counter)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                # one scratch array serves each moment update in turn (the hot path allocates little)
                scratch = np.subtract(grad, exp_avg)
                scratch *= 1 - beta1
                exp_avg += scratch  # m + (1 − β1)(g − m): torch's lerp
                np.multiply(grad, 1 - beta2, out=scratch)
                scratch *= grad
                exp_avg_sq *= beta2
                exp_avg_sq += scratch
                step_size = lr / (1 - beta1 ** step)
                bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
                if amsgrad:
                    second_moment = state["max_exp_avg_sq"]
                    np.maximum(second_moment, exp_avg_sq, out=second_moment)
                else:
                    second_moment = exp_avg_sq
                np.sqrt(second_moment, out=scratch)
                scratch /= bias_correction2_sqrt
                scratch += eps
                np.divide(exp_avg, scratch, out=scratch)
                scratch *= step_size
                p.data -= scratch
                bump_version(p._version_counter)


class AdamW(Adam):
    """`torch.optim.AdamW`: Adam whose weight decay shrinks the weights directly,
    p ← p·(1 − lr·weight_decay), instead of adding weight_decay·p to the gradient."""

    decoupled_weight_decay = True

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
