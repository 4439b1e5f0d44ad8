"""The `Optimizer` base: parameter groups, per-parameter state, zero_grad and state_dict."""
from __future__ import annotations

import copy
import math
import numbers
import operator
from collections.abc import Iterable

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
        groups = _parameter_list(type(self).__name__, params)
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own hyper-parameters (missing ones take the defaults)."""
        name = type(self).__name__
        if not isinstance(param_group, dict) or "params" not in param_group:
            raise TypeError(f"{name}: a parameter group is a dict with a 'params' entry, got {param_group!r:.80}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (list, tuple)):
            params = list(params)  # an empty group is allowed, as in PyTorch
        else:
            params = _parameter_list(name, params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, got {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__} cannot optimize a non-leaf Tensor (shape {p.shape})")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params) or len({id(p) for p in params}) != len(params):
            raise ValueError(f"{type(self).__name__}: a parameter appears in more than one group")
        group["params"] = params
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._check_settings(group)
        self.param_groups.append(group)

    def _check_settings(self, group: dict) -> None:
        """A group's numeric settings must be finite numbers (a string lr is a TypeError), lr >= 0."""
        read = self.__dict__.get("_numeric_settings")
        if read is None:  # which settings are numbers, found once (an abstract isinstance per step costs ~6%)
            keys = tuple(key for key, default in self.defaults.items()
                         if isinstance(default, numbers.Real) and not isinstance(default, bool))
            # itemgetter of two or more keys returns the tuple of their values, read at C speed
            values_of = operator.itemgetter(*keys) if len(keys) >= 2 else lambda group: tuple(group[k] for k in keys)
            read = self._numeric_settings = (keys, values_of)
        keys, values_of = read
        values = values_of(group)
        checked = self.__dict__.setdefault("_checked_settings", {})
        if checked.get(id(group)) == values:
            return  # these very values passed already (a scheduler that sets lr makes them differ)
        name = type(self).__name__
        for key, value in zip(keys, values):
            _check_number(name, key, value)
        if not group["lr"] >= 0:
            raise ValueError(f"{name}: invalid lr {group['lr']!r} (must be >= 0)")
        checked[id(group)] = values

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every optimized parameter (drop them, or fill with zeros)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p._grad = None  # the `.grad` setter's checks have nothing to check in None
                elif p._grad is not None:
                    p._grad.data.fill(0)

    def step(self) -> None:
        """Update every parameter that has a gradient by one step of the optimizer's rule.
        Subclasses call `check_step()` first, so a bad gradient or setting changes nothing."""
        raise NotImplementedError

    def check_step(self) -> None:
        """Check every group's settings and every gradient before a step changes anything (all or
        nothing): a gradient must be a Tensor of its parameter's shape and dtype, and the
        parameter's array writable."""
        for group in self.param_groups:
            self._check_settings(group)
            for p in group["params"]:
                grad = p._grad
                if grad is None:
                    continue
                data, grad_data = p.data, grad.data
                # the common case in four comparisons; the precise message is built only on failure
                if (type(grad_data) is not np.ndarray or grad_data.shape != data.shape
                        or grad_data.dtype != data.dtype or not data.flags.writeable):
                    self._refuse_gradient(p)

    def _refuse_gradient(self, p: Tensor) -> None:
        for g, group in enumerate(self.param_groups):
            for i, q in enumerate(group["params"]):
                if q is p:
                    _check_gradient(f"{type(self).__name__}.step", f"param_groups[{g}]['params'][{i}]", p)

    def _gradients(self, group: dict, l2_weight_decay: bool = True) -> list[tuple[Tensor, np.ndarray]]:
        """(p, g) for each parameter of `group` that has a gradient, as torch's update rules read it:
        g negated under `maximize`, then (unless `l2_weight_decay` is False) g + weight_decay·p."""
        maximize, weight_decay = group["maximize"], group.get("weight_decay", 0)
        decay = l2_weight_decay and weight_decay != 0
        pairs = []  # a list, not a generator: resuming one per parameter costs more than the append
        for p in group["params"]:
            grad = p._grad
            if grad is None:
                continue
            grad = -grad.data if maximize else grad.data
            if decay:
                grad = grad + weight_decay * p.data  # a new array: p.grad itself stays untouched
            pairs.append((p, grad))
        return pairs

    def _state_of(self, p: Tensor, *buffers: str) -> dict:
        """p's state, created at its first step as a step count and one zero array per buffer name."""
        state = self.state.get(p)
        if state is None:
            state = self.state[p] = {"step": 0}
        for name in buffers:
            if name not in state:  # also a buffer a setting switched on later needs (amsgrad, momentum)
                state[name] = np.zeros_like(p.data)
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
        """Restore hyper-parameters and state saved by state_dict(); everything is checked before
        anything changes."""
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= state_dict.keys():
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected the dict an optimizer's state_dict() "
                             "returns, with 'state' and 'param_groups' (a model's state dict goes to "
                             "model.load_state_dict)")
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
            if index not in position:
                raise ValueError(f"{type(self).__name__}.load_state_dict: state for parameter {index!r}, "
                                 f"which no saved group lists")
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
        settings = [{**group, **{k: v for k, v in saved.items() if k != "params"}}
                    for saved, group in zip(groups, self.param_groups)]
        for merged in settings:
            self._check_settings(merged)  # a saved lr of "0.1" or NaN is refused before anything changes
        for merged, group in zip(settings, self.param_groups):
            group.update(merged)
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params")
        return "\n".join(lines) + "\n)"


def check_non_negative(optimizer: str, **values: float) -> None:
    """Raise TypeError for a hyper-parameter that is not a number, ValueError for a negative or
    non-finite one, naming it."""
    for name, value in values.items():
        _check_number(optimizer, name, value)
        if not value >= 0.0:
            raise ValueError(f"{optimizer}: invalid {name} {value!r} (must be >= 0)")


def _check_number(optimizer: str, name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fix = f" (write {name}={float(value)!r})" if isinstance(value, str) and _is_float(value) else ""
        raise TypeError(f"{optimizer}: {name} must be a number, got {type(value).__name__} {value!r:.40}{fix}")
    if not math.isfinite(value):
        raise ValueError(f"{optimizer}: invalid {name} {value!r} (must be finite)")


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_gradient(where: str, which: str, p: Tensor) -> None:
    """Raise unless p.grad can be applied to p in place: a Tensor of p's shape and dtype, p writable."""
    grad = p.grad
    if not isinstance(grad, Tensor):
        raise TypeError(f"{where}: the gradient of {which} is a {type(grad).__name__}, not a Tensor "
                        f"(assign `p.grad = autograd.tensor(array)`)")
    if grad.shape != p.shape:
        raise ValueError(f"{where}: the gradient of {which} has shape {grad.shape}, the parameter has shape "
                         f"{p.shape}; nothing was changed (a gradient is never broadcast onto a parameter: "
                         f"give it the parameter's shape)")
    if grad.dtype != p.dtype:
        raise TypeError(f"{where}: the gradient of {which} has dtype {grad.dtype}, the parameter has dtype "
                        f"{p.dtype}; nothing was changed (convert it: `p.grad = p.grad.astype(p.dtype)`)")
    if not p.data.flags.writeable:
        raise ValueError(f"{where}: {which} (shape {p.shape}) is backed by a read-only array, so it cannot be "
                         f"updated in place; nothing was changed (give it a writable copy: `p.data = p.data.copy()`)")


def _parameter_list(optimizer: str, params) -> list:
    """`params` as a list, refusing what a PyTorch user might pass by mistake."""
    if isinstance(params, Tensor):
        raise TypeError(f"{optimizer}: params must be an iterable of Tensors or dicts, "
                        "got a single Tensor (wrap it in a list)")
    if hasattr(params, "named_parameters") and hasattr(params, "forward"):
        raise TypeError(f"{optimizer}: params is a Module ({type(params).__name__}); pass its parameters: "
                        f"{optimizer}(model.parameters(), ...)")
    if callable(params) and getattr(params, "__name__", "") == "parameters":
        raise TypeError(f"{optimizer}: params is the method model.parameters itself; call it: "
                        f"{optimizer}(model.parameters(), ...)")
    if isinstance(params, dict):
        raise TypeError(f"{optimizer}: params is one parameter-group dict; pass a list of groups: "
                        f"{optimizer}([group], ...)")
    if not isinstance(params, Iterable) or isinstance(params, (str, bytes)):
        raise TypeError(f"{optimizer}: params must be an iterable of Tensors or of parameter-group dicts, "
                        f"got {type(params).__name__}")
    items = list(params)
    if not items:
        raise ValueError(f"{optimizer} got an empty parameter list (a generator such as model.parameters() "
                         "is used up after one pass: call model.parameters() again for each optimizer)")
    return items


def parameters_of(params: Iterable) -> list[Tensor]:
    """Parameters from a Tensor, an iterable of Tensors, or an iterable of parameter-group dicts."""
    if isinstance(params, Tensor):
        return [params]
    if hasattr(params, "named_parameters") and hasattr(params, "forward"):
        raise TypeError(f"expected parameters, got a Module ({type(params).__name__}); "
                        "pass model.parameters()")
    result = []
    for item in params:
        if isinstance(item, dict):
            result.extend(parameters_of(item["params"]))
        else:
            result.append(item)
    return result
