"""The Tensor: an ndarray, a gradient, and the op that made it."""
from __future__ import annotations

import functools
import operator
import weakref

import numpy as np

from . import compiled, engine, function, grad_mode
from .dtypes import as_array, as_operand


class _ElementCount(int):
    """`Tensor.size`: NumPy's element count; calling it (PyTorch's `size()`) explains the difference."""

    def __call__(self, *axis):
        raise TypeError("size: in gradsight (as in NumPy) `.size` is the number of elements, not a method; "
                        "use `.shape` for PyTorch's `size()` and `.shape[axis]` for `size(axis)`")


_PYTORCH_KEYWORDS = {"dim": "axis", "keepdim": "keepdims", "start_dim": "start_axis", "end_dim": "end_axis"}


def _numpy_keywords(method):
    """Turn a PyTorch keyword (`dim=`, `keepdim=`) into an error naming gradsight's (NumPy's) keyword."""
    @functools.wraps(method)
    def checked(self, *args, **kwargs):
        for pytorch_name, numpy_name in _PYTORCH_KEYWORDS.items():
            if pytorch_name in kwargs:
                raise TypeError(f"{method.__name__}: gradsight uses NumPy's keyword names: write "
                                f"{numpy_name}= instead of PyTorch's {pytorch_name}=")
        return method(self, *args, **kwargs)
    return checked


class Tensor:
    """An n-d array that records the ops applied to it so gradients can flow back.

    ``.data`` is the underlying ``numpy.ndarray``; ``.grad`` is a Tensor (or None) filled by
    ``backward``; ``.grad_fn`` is the op node that produced the tensor (None for leaves).
    ``Tensor(data)`` copies `data`, as ``autograd.tensor`` does; ``autograd.as_tensor`` shares it.

    ``._version`` counts the in-place changes made to the data through gradsight (in-place
    operators, ``zero_``/``fill_``/``copy_``, optimizer steps, ``load_state_dict``); tensors that
    view the same data share one counter, and backward refuses to use a saved tensor whose version
    moved since the op saved it. Writing into ``.data`` directly is the escape hatch that bypasses
    the counter (as in PyTorch); code that does so on purpose calls ``_bump_version()`` afterwards.
    """

    __slots__ = ("data", "requires_grad", "_grad", "grad_fn", "_hooks", "_version_counter", "__weakref__")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """np.tanh(t), ndarray + t, ...: gradsight's op of the same meaning (autograd/numpy_protocol.py)."""
        return numpy_protocol.array_ufunc(ufunc, method, *inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        """np.sum(t), np.concatenate([t, t]), ...: gradsight's op of the same meaning, or a TypeError."""
        return numpy_protocol.array_function(func, types, args, kwargs)

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        array = as_array(data, dtype)
        if array is data or array.base is not None:
            array = array.copy()  # the tensor owns its data: a later change to the caller's array is not seen
        _check_can_require_grad(array.dtype, requires_grad)
        self.data = array
        self.requires_grad = bool(requires_grad)
        self._grad = None
        self.grad_fn = None
        self._hooks = None
        self._version_counter = [0, -1]

    @classmethod
    def _make(cls, data: np.ndarray, grad_fn) -> Tensor:
        """Wrap an op's result without copying or checks (the engine's fast path)."""
        tensor = object.__new__(cls)
        tensor.data = data
        tensor.requires_grad = grad_fn is not None
        tensor._grad = None
        tensor.grad_fn = grad_fn
        tensor._hooks = None
        tensor._version_counter = [0, -1]  # [version, stamp of the last change], shared by views of the data
        return tensor

    # ----- properties -------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        """The number of elements (NumPy's meaning; PyTorch's `size()` is `.shape` here)."""
        return _ElementCount(self.data.size)

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def T(self) -> Tensor:
        return _transpose(self)  # no axes: forward's default reverses them, and the op is called without params

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted; shape is {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A leaf sharing this tensor's data (and its version counter), cut off from the graph."""
        detached = Tensor._make(self.data, None)
        detached._version_counter = self._version_counter
        return detached

    def clone(self) -> Tensor:
        """A copy that owns its memory and stays in the graph (its gradient flows back to this tensor)."""
        return _ops.clone(self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError("requires_grad_: can only change requires_grad of a leaf tensor")
        _check_can_require_grad(self.data.dtype, requires_grad)
        self.requires_grad = requires_grad
        return self

    # ----- gradient and version -----------------------------------------------------------
    def _set_grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad: assign a Tensor or None, not {type(value).__name__}; "
                                "wrap an array with autograd.tensor(array)")
            if value.shape != self.shape or value.dtype != self.dtype:
                raise RuntimeError(
                    f"grad: the assigned gradient has shape {value.shape} and dtype {value.dtype}, but the "
                    f"tensor has shape {self.shape} and dtype {self.dtype}; a gradient must match both "
                    f"(e.g. autograd.tensor(g.reshape({self.shape}), dtype='{self.dtype}'))")
        self._grad = value

    # read through a C getter (no Python frame: the optimizer reads it per parameter per step), set checked
    grad = property(operator.attrgetter("_grad"), _set_grad, None,
                    "The accumulated gradient (a Tensor of this tensor's shape and dtype), or None.")

    @property
    def _version(self) -> int:
        """How many in-place changes the data has seen through gradsight (shared by views)."""
        return self._version_counter[0]

    def _bump_version(self) -> None:
        """Record an in-place change of `.data` (call it after writing into `.data` on purpose)."""
        function.bump_version(self._version_counter)

    def astype(self, dtype) -> Tensor:
        return _ops.astype(self, dtype)

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __len__(self) -> int:
        return len(self.data)

    __hash__ = object.__hash__  # identity, as __eq__ is elementwise

    def __bool__(self) -> bool:
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.data)

    def __int__(self) -> int:
        return int(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype != np.float32:
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # ----- autograd ---------------------------------------------------------------------
    backward = engine.backward  # Tensor.backward(grad=None, retain_graph=False, create_graph=False): one call less

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a returned Tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: the tensor does not require grad")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
            engine.LeafHooks.registered = True
        else:
            if self.grad_fn.hooks is None:
                self.grad_fn.hooks = []
            hooks = self.grad_fn.hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep `.grad` for this non-leaf tensor after backward."""
        node = self.grad_fn
        if node is not None:
            node.retained = weakref.ref(self)  # weak: the node must not keep its output alive
            if node.hooks is None:
                node.hooks = []  # backward looks for hooks and a retained gradient in one test: hooks is not None

    # ----- operators (one-line delegations to ops; the arithmetic ones call the op's bound `apply` directly) --
    def __add__(self, other): return _add(self, other)
    def __radd__(self, other): return _add(other, self)
    def __sub__(self, other): return _sub(self, other)
    def __rsub__(self, other): return _sub(other, self)
    def __mul__(self, other): return _mul(self, other)
    def __rmul__(self, other): return _mul(other, self)
    def __truediv__(self, other): return _div(self, other)
    def __rtruediv__(self, other): return _div(other, self)
    def __pow__(self, other): return _ops.pow(self, other)
    def __rpow__(self, other): return _ops.pow(other, self)
    def __matmul__(self, other): return _matmul(self, other)
    def __rmatmul__(self, other): return _matmul(other, self)
    def __neg__(self): return _neg(self)
    def __pos__(self): return self
    def __abs__(self): return _ops.abs(self)
    def __getitem__(self, index): return _ops.getitem(self, index)
    def __lt__(self, other): return _ops.less(self, other)
    def __le__(self, other): return _ops.less_equal(self, other)
    def __gt__(self, other): return _ops.greater(self, other)
    def __ge__(self, other): return _ops.greater_equal(self, other)
    def __eq__(self, other): return _ops.equal(self, other)
    def __ne__(self, other): return _ops.not_equal(self, other)
    def __and__(self, other): return _ops.logical_and(self, other)
    def __or__(self, other): return _ops.logical_or(self, other)
    def __xor__(self, other): return _ops.logical_xor(self, other)
    def __invert__(self): return _ops.logical_not(self)

    # ----- methods (one-line delegations to ops) ----------------------------------------
    def exp(self): return _ops.exp(self)
    def log(self): return _ops.log(self)
    def sqrt(self): return _ops.sqrt(self)
    def abs(self): return _ops.abs(self)
    def sin(self): return _ops.sin(self)
    def cos(self): return _ops.cos(self)
    def tanh(self): return _ops.tanh(self)
    def sigmoid(self): return _ops.sigmoid(self)
    def relu(self): return _ops.relu(self)
    def clip(self, lo=None, hi=None): return _ops.clip(self, lo, hi)
    @_numpy_keywords
    def sum(self, axis=None, keepdims=False): return _ops.sum(self, axis, keepdims)
    @_numpy_keywords
    def mean(self, axis=None, keepdims=False): return _ops.mean(self, axis, keepdims)
    @_numpy_keywords
    def max(self, axis=None, keepdims=False): return _ops.max(self, axis, keepdims)
    @_numpy_keywords
    def min(self, axis=None, keepdims=False): return _ops.min(self, axis, keepdims)
    @_numpy_keywords
    def var(self, axis=None, ddof=0, keepdims=False): return _ops.var(self, axis, ddof, keepdims)
    @_numpy_keywords
    def std(self, axis=None, ddof=0, keepdims=False): return _ops.std(self, axis, ddof, keepdims)
    @_numpy_keywords
    def prod(self, axis=None, keepdims=False): return _ops.prod(self, axis, keepdims)
    @_numpy_keywords
    def logsumexp(self, axis=None, keepdims=False): return _ops.logsumexp(self, axis, keepdims)
    @_numpy_keywords
    def argmax(self, axis=None, keepdims=False): return _ops.argmax(self, axis, keepdims)
    @_numpy_keywords
    def argmin(self, axis=None, keepdims=False): return _ops.argmin(self, axis, keepdims)
    def reshape(self, *shape): return _ops.reshape(self, shape[0] if len(shape) == 1 else shape)
    def transpose(self, *axes): return _ops.transpose(self, axes[0] if len(axes) == 1 else (axes or None))
    def swapaxes(self, axis1, axis2): return _ops.swapaxes(self, axis1, axis2)
    @_numpy_keywords
    def squeeze(self, axis=None): return _ops.squeeze(self, axis)
    @_numpy_keywords
    def flatten(self, start_axis=0, end_axis=-1): return _ops.flatten(self, start_axis, end_axis)
    def broadcast_to(self, shape): return _ops.broadcast_to(self, shape)
    def matmul(self, other): return _ops.matmul(self, other)

    # ----- in place (no graph: allowed under no_grad() or on tensors that need no gradient) ---
    def __iadd__(self, other): return self._in_place("+=", np.add, other)
    def __isub__(self, other): return self._in_place("-=", np.subtract, other)
    def __imul__(self, other): return self._in_place("*=", np.multiply, other)
    def __itruediv__(self, other): return self._in_place("/=", np.true_divide, other)
    def __imatmul__(self, other): return self._in_place("@=", np.matmul, other)

    def zero_(self) -> Tensor:
        """Set every element to 0 in place."""
        return self._in_place("zero_", lambda data, _: np.zeros_like(data), 0)

    def fill_(self, value) -> Tensor:
        """Set every element to `value` in place."""
        return self._in_place("fill_", lambda data, fill: np.broadcast_to(fill, data.shape), value)

    def copy_(self, source) -> Tensor:
        """Copy `source` (broadcastable to this shape) into this tensor's data in place."""
        return self._in_place("copy_", lambda data, values: np.broadcast_to(values, data.shape), source)

    def _in_place(self, name: str, compute, other) -> Tensor:
        """Check everything, compute into a new array, then write it into `.data` and bump the version."""
        _check_in_place_allowed(self, name, other)
        data = self.data
        operand = other.data if isinstance(other, Tensor) else as_operand(other, data.dtype)
        try:
            result = compute(data, operand)
        except (ValueError, TypeError) as error:
            raise type(error)(f"{name}: {error} (tensor shape {data.shape}, operand shape "
                              f"{np.shape(operand)})") from error
        if result.shape != data.shape:
            raise ValueError(
                f"{name}: the result has shape {result.shape} but the tensor has shape {data.shape}; an "
                "in-place op cannot change a tensor's shape (write `x = x {op} y` for a new tensor)"
                .replace("{op}", name.rstrip("=_")))
        if not np.can_cast(result.dtype, data.dtype, casting="same_kind"):
            raise TypeError(f"{name}: the result has dtype {result.dtype} but the tensor has dtype "
                            f"{data.dtype}; an in-place op cannot change a tensor's dtype "
                            f"(convert first: x = x.astype('{result.dtype}'))")
        np.copyto(data, result, casting="same_kind")
        function.bump_version(self._version_counter)
        return self


def _check_can_require_grad(dtype: np.dtype, requires_grad: bool) -> None:
    if requires_grad and dtype.kind != "f":
        hint = ("gradsight does not differentiate complex tensors (docs/design.md says why); split "
                "them into real and imaginary parts") if dtype.kind == "c" else "convert with .astype('float32')"
        raise TypeError(f"only floating tensors can require grad; this one has dtype {dtype} ({hint})")


def _check_in_place_allowed(tensor: Tensor, name: str, other) -> None:
    """PyTorch's rule: an in-place change of a tensor in a graph would silently corrupt its gradient."""
    if not tensor.data.flags.writeable:
        raise ValueError(f"{name}: the tensor's data (shape {tensor.shape}) is a read-only array; "
                         "make a writable copy with autograd.tensor(array)")
    if not grad_mode.state.grad_enabled:
        return
    if tensor.requires_grad:
        kind = "a leaf tensor that requires grad" if tensor.grad_fn is None else "a tensor in the graph"
        raise RuntimeError(
            f"{name}: in-place change of {kind} (shape {tensor.shape}) while grad mode is on; update "
            "parameters inside `with autograd.no_grad():`, or write `x = x + y` for a new tensor")
    if isinstance(other, Tensor) and other.requires_grad:
        raise RuntimeError(
            f"{name}: the operand (shape {other.shape}) requires grad, but an in-place op records no "
            "graph; write `x = x + y` to get a differentiable result, or detach the operand")


class _HookHandle:
    """Returned by register_hook; `.remove()` unregisters the hook."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def tensor(data, requires_grad: bool = False, dtype=None) -> Tensor:
    """A leaf Tensor holding a copy of array-like `data` (Python floats become the default dtype)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data, dtype=None) -> Tensor:
    """A Tensor that shares memory with the NumPy array `data` where it can (no copy): changes made
    through NumPy are seen by the tensor and are not counted by its version. A Tensor is returned
    as it is when no dtype conversion is asked for."""
    if isinstance(data, Tensor):
        if dtype is None or np.dtype(dtype) == data.dtype:
            return data
        data = data.data
    return Tensor._make(as_array(data, dtype), None)


def from_numpy(array: np.ndarray) -> Tensor:
    """A Tensor sharing memory with the NumPy array `array` (no copy, same dtype)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}; "
                        "use autograd.tensor(data) for other data")
    return Tensor._make(array, None)


# The hot paths in function.py and engine.py test isinstance(x, Tensor) without a local import.
function.Tensor = engine.Tensor = Tensor
compiled.install(Tensor)  # before the operators below bind Function._apply1/_apply2

from . import numpy_protocol  # noqa: E402  (it imports ops)
from . import ops as _ops  # noqa: E402  (ops import Tensor, so they load after it)

engine._clone = _ops.clone  # for .grad under create_graph

# bound once: each call then skips two attribute lookups and making a bound method
_add, _sub, _mul, _div = _ops.Add._apply2, _ops.Sub._apply2, _ops.Mul._apply2, _ops.Div._apply2
_matmul, _neg, _transpose = _ops.Matmul._apply2, _ops.Neg._apply1, _ops.Transpose._apply1
compiled.bind_operators()  # where the compiled core runs, the operators above call it directly
