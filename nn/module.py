"""`Module`, the base of every layer and model, and `Parameter`, a tensor a module trains.

A module's parameters and sub-modules are found by walking its attributes (in the order they
were set), so a model is plain Python: assign `self.fc = Linear(2, 3)` and `fc.weight` shows up
in `parameters()`, `named_parameters()` (as `"fc.weight"`) and `state_dict()`.
"""
from __future__ import annotations

import itertools
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import NamedTuple

import numpy as np

from autograd import Tensor

from .checkpoint import write_npz_atomically
from .error_path import name_module_in_error


class Parameter(Tensor):
    """A Tensor that a Module trains: requires_grad is True and Module.parameters() finds it."""

    __slots__ = ()

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What load_state_dict(strict=False) skipped: keys the model lacks and keys the state lacks."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class CallChanges:
    """Counts the changes to how any module is called (a forward hook added or removed, a `forward`
    set on an instance): a plan cached from them (Sequential's fusion) is stale once this moves."""

    count = 0


class RemovableHandle:
    """Returned by register_*_hook; `.remove()` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: dict):
        self._hooks = hooks
        self.id = next(RemovableHandle._ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)
        CallChanges.count += 1


def _is_member(value) -> bool:
    return isinstance(value, (Parameter, Module))


def _check_replacement(module: Module, name: str, current, value) -> None:
    """Refuse to rebind a Parameter (or sub-module) attribute to something that silently unregisters it."""
    owner, given = type(module).__name__, type(value).__name__
    if isinstance(current, Parameter) and not isinstance(value, Parameter):
        raise TypeError(
            f"{owner}.{name} is a Parameter of shape {current.shape}; assigning an object of type {given} "
            f"to it would unregister it (no longer trained, saved or loaded). To change its values: "
            f"`module.{name}.data[...] = value`; to replace it: `module.{name} = nn.Parameter(value)`; "
            f"to remove it on purpose: `del module.{name}` first")
    if isinstance(current, Module) and not isinstance(value, Module):
        raise TypeError(
            f"{owner}.{name} is a sub-module ({type(current).__name__}); assigning an object of type {given} "
            f"to it would drop it from parameters() and state_dict(). Assign a Module, or `del module.{name}` first")


class Module:
    """Base class of layers and models: subclass it, set layers and Parameters as attributes in
    `__init__`, and define `forward`. Calling the module runs its hooks around `forward`.

    Parameters live in attributes that hold a `Parameter`, and sub-modules in attributes that hold
    a `Module` (or a non-empty list/tuple of only Parameters or only Modules, named `attr.0`, ...).
    Buffers (state that is saved but not trained, e.g. batch norm's running statistics) are
    declared with `register_buffer`.
    """

    training: bool = True
    # Class-level defaults keep a subclass working even if it forgets super().__init__().
    _buffer_names: tuple | list = ()
    _forward_hooks: dict | None = None
    _forward_pre_hooks: dict | None = None

    def __init__(self):
        self.training = True

    def __setattr__(self, name: str, value) -> None:
        current = self.__dict__.get(name)
        if current is not None and value is not None:
            _check_replacement(self, name, current, value)
        # a registered buffer stays a Tensor, so state_dict and load_state_dict can rely on .data
        if name in self._buffer_names and value is not None and not isinstance(value, Tensor):
            value = Tensor(np.asarray(value))
        if name == "forward":
            CallChanges.count += 1
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name == "forward":
            CallChanges.count += 1
        object.__delattr__(self, name)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        # try costs nothing until something raises (Python 3.11's zero-cost exceptions)
        try:
            if self._forward_pre_hooks or self._forward_hooks:
                return self._call_with_hooks(args, kwargs)
            return self.forward(*args, **kwargs)
        except Exception as error:
            name_module_in_error(error, self)
            raise

    def _call_with_hooks(self, args: tuple, kwargs: dict):
        for hook in list((self._forward_pre_hooks or {}).values()):
            replaced = hook(self, args)
            if replaced is not None:
                args = replaced if isinstance(replaced, tuple) else (replaced,)
        output = self.forward(*args, **kwargs)
        for hook in list((self._forward_hooks or {}).values()):
            replaced = hook(self, args, output)
            if replaced is not None:
                output = replaced
        return output

    # ----- hooks ------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(module, inputs)` before forward; a returned value replaces the inputs."""
        return self._add_hook("_forward_pre_hooks", hook)

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """Call `hook(module, inputs, output)` after forward; a returned value replaces the output."""
        return self._add_hook("_forward_hooks", hook)

    def _add_hook(self, attribute: str, hook: Callable) -> RemovableHandle:
        # the dict is made on first use, so modules without hooks pay nothing in __call__
        hooks = getattr(self, attribute)
        if hooks is None:
            hooks = {}
            setattr(self, attribute, hooks)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        CallChanges.count += 1
        return handle

    # ----- buffers ----------------------------------------------------------------------
    def register_buffer(self, name: str, value, persistent: bool = True) -> None:
        """Add state that is saved in state_dict but not trained (a Tensor, an array, or None)."""
        if not name or "." in name:
            raise KeyError(f"register_buffer: invalid buffer name {name!r}")
        if value is not None and not isinstance(value, Tensor):
            value = Tensor(np.asarray(value))
        if not isinstance(self._buffer_names, list):
            self._buffer_names = []
            self._non_persistent = set()
        if name not in self._buffer_names:
            self._buffer_names.append(name)
        if not persistent:
            self._non_persistent.add(name)
        setattr(self, name, value)

    # ----- walking the module tree ------------------------------------------------------
    def _named_members(self) -> Iterator[tuple[str, Parameter | Module]]:
        """This module's own parameters and children, in attribute order (containers override)."""
        for name, value in vars(self).items():
            if _is_member(value):
                yield name, value
            elif isinstance(value, (list, tuple)) and value and all(_is_member(v) for v in value):
                for i, item in enumerate(value):
                    yield f"{name}.{i}", item

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, value in self._named_members():
            if isinstance(value, Module):
                yield name, value

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def named_modules(self, prefix: str = "", remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Every module in the tree, this one first (named `prefix`), in depth-first pre-order."""
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child_name}" if name else child_name, child)
                        for child_name, child in module.named_children()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted path, Parameter) for every parameter, e.g. ("layers.2.weight", ...)."""
        seen: set[int] = set()
        modules = self.named_modules(prefix, remove_duplicate) if recurse else [(prefix, self)]
        for module_name, module in modules:
            for name, value in module._named_members():
                if not isinstance(value, Parameter):
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, parameter in self.named_parameters(recurse=recurse):
            yield parameter

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      persistent_only: bool = False) -> Iterator[tuple[str, Tensor]]:
        modules = self.named_modules(prefix) if recurse else [(prefix, self)]
        for module_name, module in modules:
            skipped = getattr(module, "_non_persistent", ()) if persistent_only else ()
            for name in module._buffer_names:
                value = getattr(module, name)
                if value is not None and name not in skipped:
                    yield (f"{module_name}.{name}" if module_name else name), value

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], object]) -> Module:
        """Call `fn(module)` on every sub-module (children first) and on this one; returns self."""
        for module in reversed(list(self.modules())):
            fn(module)
        return self

    # ----- modes and gradients ----------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm on batch statistics) on the whole tree."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (dropout off, batch norm on running statistics); same as train(False)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze (True) every parameter of the tree."""
        for parameter in self.parameters():
            parameter.requires_grad = requires_grad
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient: drop it (default) or fill it with zeros."""
        for parameter in self.parameters():
            if set_to_none:
                parameter.grad = None
            elif parameter.grad is not None:
                parameter.grad.data.fill(0)

    def to(self, dtype) -> Module:
        """Convert floating parameters and buffers to `dtype` (do it before making an optimizer)."""
        if isinstance(dtype, str) and dtype.split(":")[0] in ("cpu", "cuda", "mps", "xpu", "meta"):
            raise TypeError(f"{type(self).__name__}.to: gradsight runs on NumPy, on the CPU, so there is no device "
                            f"to move to (drop .to({dtype!r})); .to(dtype) converts, e.g. .to(np.float64)")
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{type(self).__name__}.to: expected a floating dtype, got {dtype}")
        for tensor in itertools.chain(self.parameters(), self.buffers()):
            if tensor.data.dtype.kind == "f":
                tensor.data = tensor.data.astype(dtype)
                tensor.grad = None
        return self

    def double(self) -> Module:
        """PyTorch's name for `to(np.float64)`."""
        return self.to(np.float64)

    def float(self) -> Module:
        """PyTorch's name for `to(np.float32)`."""
        return self.to(np.float32)

    def cpu(self) -> Module:
        """Returns self: gradsight computes with NumPy, always on the CPU."""
        return self

    def cuda(self, device=None) -> Module:
        """No GPU here: raises TypeError saying so (rather than an AttributeError)."""
        raise TypeError(f"{type(self).__name__}.cuda: gradsight runs on NumPy, on the CPU; there is no GPU to "
                        "move to (drop .cuda())")

    # ----- state ------------------------------------------------------------------------
    def _state_tensors(self) -> OrderedDict[str, Tensor]:
        """Name -> Tensor for everything in the state dict, in PyTorch's order."""
        entries: OrderedDict[str, Tensor] = OrderedDict()
        for module_name, module in self.named_modules(remove_duplicate=False):
            for name, value in module.named_parameters(prefix=module_name, recurse=False,
                                                       remove_duplicate=False):
                entries[name] = value
            for name, value in module.named_buffers(prefix=module_name, recurse=False,
                                                    persistent_only=True):
                entries[name] = value
        return entries

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter and persistent buffer as NumPy arrays, keyed by dotted path."""
        return OrderedDict((name, tensor.data.copy()) for name, tensor in self._state_tensors().items())

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy arrays (NumPy arrays, Tensors, or a PyTorch state dict's CPU tensors) into the
        parameters and buffers. Every key and shape is checked before anything is changed."""
        if isinstance(state_dict, (str, bytes, os.PathLike)):
            raise TypeError(f"{type(self).__name__}.load_state_dict takes a dict of arrays, not a path; "
                            f"to read a checkpoint file: model.load({os.fsdecode(state_dict)!r})")
        targets = self._state_tensors()
        values, errors = {}, []
        for key, value in state_dict.items():
            try:
                values[key] = np.asarray(value.data if isinstance(value, Tensor) else value)
            except Exception as error:  # noqa: BLE001  (any unconvertible value is reported below)
                errors.append(f"value for {key!r} cannot be read as an array ({error})")
        missing = [key for key in targets if key not in values]
        unexpected = [key for key in values if key not in targets]
        if strict:
            if missing:
                errors.append("missing key(s): " + ", ".join(missing))
            if unexpected:
                errors.append("unexpected key(s): " + ", ".join(unexpected))
            if missing and unexpected and all(key.startswith("module.") for key in unexpected):
                errors.append("the checkpoint's keys start with 'module.' (saved from a DataParallel/DDP-wrapped "
                              "model): strip it, {key.removeprefix('module.'): value for key, value in "
                              "state.items()}")
        for key, target in targets.items():
            value = values.get(key)
            if value is None:
                continue
            if value.shape != target.shape:
                errors.append(f"shape mismatch for {key}: the checkpoint has {value.shape}, "
                              f"the model has {target.shape}")
            elif not np.can_cast(value.dtype, target.data.dtype, casting="same_kind"):
                errors.append(f"dtype mismatch for {key}: the checkpoint has {value.dtype}, "
                              f"the model has {target.data.dtype}")
            elif not target.data.flags.writeable:
                errors.append(f"{key} is backed by a read-only array (give it a writable copy: "
                              f"`tensor.data = tensor.data.copy()`)")
        if errors:
            raise RuntimeError(f"load_state_dict: cannot load into {type(self).__name__} "
                               "(nothing was changed):\n  " + "\n  ".join(errors))
        for key, target in targets.items():
            if key in values:
                np.copyto(target.data, values[key], casting="same_kind")
                target._bump_version()
        return IncompatibleKeys(missing, unexpected)

    def save(self, path: str | os.PathLike) -> None:
        """Write state_dict() to `path` as an .npz archive, atomically (see nn/checkpoint.py: a save
        killed midway leaves the old file intact, and the next save removes what it left)."""
        write_npz_atomically(path, self.state_dict())

    def load(self, path: str | os.PathLike, strict: bool = True) -> IncompatibleKeys:
        """Load a checkpoint written by save(); a corrupted or mismatched file raises and leaves
        the model unchanged."""
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"{type(self).__name__}.load: no checkpoint at {path}")
        try:
            archive = np.load(path, allow_pickle=False)
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single array, not an .npz archive")
            with archive:
                state = {name: archive[name] for name in archive.files}
        except Exception as error:  # noqa: BLE001  (zip, zlib, format and pickle errors alike)
            raise ValueError(f"{type(self).__name__}.load: {path} is not a readable .npz checkpoint "
                             f"({type(error).__name__}: {error}); the model was not changed") from error
        return self.load_state_dict(state, strict=strict)

    # ----- printing ---------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The settings shown inside this module's parentheses in repr (override in layers)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for name, child in self.named_children():
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_text}")
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and extra:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
