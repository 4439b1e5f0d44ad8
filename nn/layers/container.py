"""Containers: `Sequential` (a pipeline of layers) and `ModuleList` (an indexable list of them)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator

import numpy as np

from ..module import Module
from .fusion import run_layers


class ModuleList(Module):
    """A list of modules whose parameters the parent sees, named by position ("0", "1", ...)."""

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        self._items: list[Module] = []
        for module in modules:
            self._check_module(None, module)
            self._items.append(module)

    def _named_members(self):
        yield from zip(self._item_names(), self._items)
        for name, value in super()._named_members():  # members a subclass adds as attributes
            if not name.startswith("_items."):
                yield name, value

    def _item_names(self) -> list[str]:
        return [str(i) for i in range(len(self._items))]

    def append(self, module: Module) -> ModuleList:
        """Add a module at the end."""
        self._check_module("append", module)
        self._items.append(module)
        return self

    def _check_module(self, method: str | None, module) -> None:
        """TypeError unless `module` is a Module instance, with the fix for the usual slips."""
        if isinstance(module, Module):
            return
        where = type(self).__name__ + (f".{method}" if method else "")
        if isinstance(module, type) and issubclass(module, Module):
            raise TypeError(f"{where}: got the class {module.__name__}, not a layer; "
                            f"create one: {module.__name__}(...)")
        if isinstance(module, (list, tuple)) and all(isinstance(m, Module) for m in module):
            raise TypeError(f"{where}: got a {type(module).__name__} of modules; pass them one by one: "
                            f"{type(self).__name__}(*layers)")
        raise TypeError(f"{where}: expected a Module, got {type(module).__name__}")

    def _position(self, index: int) -> int:
        """`index` as a position in the list, or an IndexError naming the length."""
        if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, got {type(index).__name__}")
        length = len(self._items)
        if not -length <= index < length:
            raise IndexError(f"{type(self).__name__} index {index} is out of range: it holds {length} "
                             f"module{'s' * (length != 1)} (valid indices {-length}..{length - 1})"
                             if length else f"{type(self).__name__} index {index} is out of range: it is empty")
        return int(index) % length

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert a module before position `index` (as list.insert does)."""
        self._check_module("insert", module)
        self._items.insert(index, module)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._of(self._items[index])
        return self._items[self._position(index)]

    @classmethod
    def _of(cls, modules: list[Module]):
        return cls(modules)

    def __setitem__(self, index: int, module: Module) -> None:
        self._check_module("__setitem__", module)
        self._items[self._position(index)] = module

    def __delitem__(self, index) -> None:
        del self._items[index if isinstance(index, slice) else self._position(index)]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items)


class Sequential(ModuleList):
    """Layers applied one after the other: `Sequential(Linear(2, 16), Tanh(), Linear(16, 2))`.

    Also accepts one OrderedDict of name -> module, whose names then appear in parameter paths.
    """

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            names, layers = list(modules[0].keys()), list(modules[0].values())
        else:
            names, layers = None, modules
        super().__init__(layers)
        self._custom_names = names

    @classmethod
    def _of(cls, modules: list[Module]):
        return cls(*modules)

    def _item_names(self) -> list[str]:
        names = getattr(self, "_custom_names", None)
        if names is not None and len(names) == len(self._items):
            return names
        return [str(i) for i in range(len(self._items))]

    def __getattr__(self, name: str):
        # Only called when normal lookup fails: find a layer by its OrderedDict name.
        names = self.__dict__.get("_custom_names")
        if names and name in names:
            return self.__dict__["_items"][names.index(name)]
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def append(self, module: Module) -> Sequential:
        super().append(module)
        if getattr(self, "_custom_names", None) is not None:
            self._custom_names = None  # positional names once the layer list changes
        return self

    fuse = True  # run a Linear + ReLU/Tanh/Sigmoid pair as one op (nn/layers/fusion.py); False: one by one

    def forward(self, x):
        return run_layers(self, x)
