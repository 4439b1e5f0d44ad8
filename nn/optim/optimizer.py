"""The `Optimizer` base: parameter groups, per-parameter state, zero_grad and state_dict."""
from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator

import numpy as np

from autograd import Tensor


class Optimizer:
    """Base class of the optimizers, with `torch.optim.Optimizer`'s interface.

    `params` is an iterable of Parameters, or of dicts (parameter groups) each holding
    `"params"` and any hyper-parameters that override `defaults` for that group. Subclasses
    implement `step()`, which reads `p.grad` and updates `p.data` in place with NumPy (no graph
    is built). Per-parameter state (momentum buffers, moment estimates) lives in `self.state[p]`.
    """

    def __init__(self, params, defaults: dict):
        self.defaults = dict(defaults)
        self.state: dict[Tensor, dict] = {}
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or dicts, "
                            "got a single Tensor (wrap it in a list)")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones take the defaults)."""
        group = dict(param_group)
        params = group.get("params")
        params = [params] if isinstance(params, Tensor) else list(params or ())
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__} cannot optimize a non-leaf Tensor (shape {p.shape})")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group")
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every optimized parameter (drop them, or fill with zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.data.fill(0)

    def step(self) -> None:
        """Update every parameter that has a gradient by one step of the optimizer's rule."""
        raise NotImplementedError

    def _gradients(self, group: dict, l2_weight_decay: bool = True) -> Iterator[tuple[Tensor, np.ndarray]]:
        """(p, g) for each parameter of `group` that has a gradient, as torch's update rules read it:
        g negated under `maximize`, then (unless `l2_weight_decay` is False) g + weight_decay·p."""
        maximize, weight_decay = group["maximize"], group.get("weight_decay", 0)
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = -p.grad.data if maximize else p.grad.data
            if l2_weight_decay and weight_decay != 0:
                grad = grad + weight_decay * p.data  # a new array: p.grad itself stays untouched
            yield p, grad

    def _state_of(self, p: Tensor, *buffers: str) -> dict:
        """p's state, created at its first step as a step count and one zero array per buffer name."""
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {"step": 0, **{name: np.zeros_like(p.data) for name in buffers}}
        return state

    # ----- checkpoints ------------------------------------------------------------------
    def state_dict(self) -> dict:
        """{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}, as in PyTorch
        (parameters are numbered in group order); arrays are copies."""
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index_of.setdefault(id(p), len(index_of)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index_of[id(p)]] = copy.deepcopy(self.state[p])
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyper-parameters and state saved by state_dict(); sizes are checked first."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state has {len(groups)} parameter "
                             f"groups, the optimizer has {len(self.param_groups)}")
        params = [p for g in self.param_groups for p in g["params"]]
        for saved, group in zip(groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: a saved group has "
                                 f"{len(saved['params'])} parameters, the optimizer's has {len(group['params'])}")
        saved_indices = [index for saved in groups for index in saved["params"]]
        position = dict(zip(saved_indices, range(len(params))))
        new_state = {}
        for index, values in state_dict["state"].items():
            p = params[position[index]]
            entry = {}
            for name, value in values.items():
                if isinstance(value, np.ndarray):
                    if value.shape != p.shape:
                        raise ValueError(f"{type(self).__name__}.load_state_dict: state {name!r} has shape "
                                         f"{value.shape}, its parameter has shape {p.shape}")
                    value = value.astype(p.data.dtype, copy=True)
                entry[name] = copy.deepcopy(value)
            new_state[p] = entry
        for saved, group in zip(groups, self.param_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines) + "\n)"


def check_non_negative(optimizer: str, **values: float) -> None:
    """Raise ValueError naming the first hyper-parameter that is negative."""
    for name, value in values.items():
        if not value >= 0.0:
            raise ValueError(f"{optimizer}: invalid {name} {value!r} (must be >= 0)")


def parameters_of(params: Iterable) -> list[Tensor]:
    """Parameters from a Tensor, an iterable of Tensors, or an iterable of parameter-group dicts."""
    if isinstance(params, Tensor):
        return [params]
    result = []
    for item in params:
        if isinstance(item, dict):
            result.extend(parameters_of(item["params"]))
        else:
            result.append(item)
    return result
