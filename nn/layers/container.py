"""Containers: `Sequential` (a pipeline of layers) and `ModuleList` (an indexable list of them)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator

from ..module import Module


class ModuleList(Module):
    """A list of modules whose parameters the parent sees, named by position ("0", "1", ...)."""

    def __init__(self, modules: Iterable[Module] = ()):
        super().__init__()
        self._items: list[Module] = []
        for module in modules:
            self.append(module)

    def _named_members(self):
        yield from zip(self._item_names(), self._items)
        for name, value in super()._named_members():  # members a subclass adds as attributes
            if not name.startswith("_items."):
                yield name, value

    def _item_names(self) -> list[str]:
        return [str(i) for i in range(len(self._items))]

    def append(self, module: Module) -> ModuleList:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.append: expected a Module, got {type(module).__name__}")
        self._items.append(module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.insert: expected a Module, got {type(module).__name__}")
        self._items.insert(index, module)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._of(self._items[index])
        return self._items[index]

    @classmethod
    def _of(cls, modules: list[Module]):
        return cls(modules)

    def __setitem__(self, index: int, module: Module) -> None:
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: expected a Module, got {type(module).__name__}")
        self._items[index] = module

    def __delitem__(self, index) -> None:
        del self._items[index]

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

    def forward(self, x):
        for layer in self._items:
            x = layer(x)
        return x
