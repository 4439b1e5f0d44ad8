"""Stochastic gradient descent with momentum, Nesterov momentum and L2 weight decay."""
from __future__ import annotations

from autograd.function import bump_versions

from .optimizer import Optimizer, check_non_negative


class SGD(Optimizer):
    """`torch.optim.SGD`: for each parameter p with gradient g,

        g ← g + weight_decay·p
        b ← g (first step),  b ← momentum·b + (1 − dampening)·g (later steps)
        g ← g + momentum·b (nesterov)  or  g ← b (momentum ≠ 0)
        p ← p − lr·g
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        check_non_negative("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov, maximize=maximize))

    def step(self) -> None:
        """One SGD step on every parameter that has a gradient."""
        self.check_step()  # everything is checked before any parameter or state changes
        changed = []  # version counters, bumped together with one stamp (even if a step fails midway)
        try:
            for group in self.param_groups:
                lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
                nesterov = group["nesterov"]
                if not (momentum or group["weight_decay"] or group["maximize"]):
                    # plain SGD, p ← p − lr·g: the rule below with every option off, in one pass
                    for p in group["params"]:
                        grad = p._grad
                        if grad is not None:
                            p.data -= lr * grad.data
                            changed.append(p._version_counter)
                    continue
                for p, grad in self._gradients(group):
                    if momentum != 0:
                        state = self.state.setdefault(p, {})
                        buffer = state.get("momentum_buffer")
                        if buffer is None:
                            buffer = state["momentum_buffer"] = grad.copy()
                        else:
                            buffer *= momentum
                            buffer += grad if dampening == 0 else (1 - dampening) * grad
                        grad = grad + momentum * buffer if nesterov else buffer
                    p.data -= lr * grad
                    changed.append(p._version_counter)
        finally:
            bump_versions(changed)
