"""The op base class `Function`, its graph node role, and the one registry of ops."""
from __future__ import annotations

import itertools
import re
import traceback

import numpy as np

from . import grad_mode
from .dtypes import as_operand
from .grad_mode import collector_pause

REGISTRY: dict[str, type[Function]] = {}
_NATIVE_FLOAT_DTYPES = frozenset(np.dtype(code) for code in "efdg")  # a set lookup costs less than dtype.kind
_creation_order = itertools.count()  # node sequence numbers: a consumer always outranks its inputs
Tensor = None  # bound by tensor.py once the class exists (the two modules import each other)


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Function:
    """Base class of every differentiable op, built-in or user-defined.

    Subclass it and define two static methods, then call ``MyOp.apply(*inputs, **params)``:

    ``forward(ctx, *arrays, **params) -> ndarray``
        Computes the result on NumPy arrays. Tensor inputs arrive as their ``.data``; Python
        scalars arrive as 0-d arrays of the other operands' dtype. Keyword ``params`` are
        non-differentiable settings (an axis, a shape). Save what backward needs with
        ``ctx.save_for_backward(...)`` (inputs and/or the output array); plain settings and
        constant masks may be stored as attributes of ``ctx``.

    ``backward(ctx, grad) -> gradient or tuple of gradients``
        Returns one gradient per input (``None`` where ``ctx.needs_input_grad[i]`` is False or
        the input is not differentiable). Gradients may have the broadcast shape of the result:
        the engine reduces them to each input's shape (the one place un-broadcasting happens).

    One backward serves both orders of differentiation. On the plain first-order path
    ``ctx.saved`` holds arrays, ``grad`` is an array and ``ctx.xp`` is ``numpy``, so backward
    runs at NumPy speed. Under ``create_graph=True`` the same code runs with ``ctx.saved``
    holding Tensors connected to the graph, ``grad`` a Tensor and ``ctx.xp`` the ``autograd``
    module, so the gradient is itself differentiable. Write backward with arithmetic operators,
    ``.reshape``/``.transpose``/``.sum`` and ``ctx.xp.<numpy-named function>``; constant masks
    (``x > 0``) may stay arrays. An op whose backward cannot be written that way defines
    ``composite(*tensors, **params)``, the same forward built from differentiable ops, and
    must save all its inputs first, in order (it may save more after them); higher-order
    gradients then flow through it.

    Subclasses register themselves under ``name`` (snake case of the class name by default);
    set ``register = False`` on an abstract helper base. ``differentiable_inputs`` limits
    which positional inputs can carry a gradient (e.g. ``(1, 2)`` for ``where``).
    ``analytic = True`` declares that forward (and backward) also accept complex arrays and
    compute the holomorphic extension, so gradient checks may use the exact complex-step oracle.
    """

    name: str = "function"
    register: bool = True
    differentiable_inputs: tuple[int, ...] | None = None
    analytic: bool = False
    xp = np

    # Graph-node state, in slots so that the compiled core reads and writes them in place; `_new_node`
    # gives each its default (unrecorded: sequence -1, empty tuples, no hooks, not freed) and apply sets
    # them when the op is recorded. An op's own settings (ctx.axis, a mask) go in its instance dict.
    __slots__ = ("sequence", "parents", "needs_input_grad", "input_meta", "saved", "hooks", "freed")
    # of a node that saved something: per input, then for the output, the array's id and the version
    # counter of its Tensor (None for a constant), flat (pairs as tuples would cost an allocation each)
    origins: list = []
    params: dict = {}
    retained = None  # a weak reference to the output whose .grad backward keeps
    created_at = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = _snake_case(cls.__name__)
        if cls.__dict__.get("register", True):
            previous = REGISTRY.get(cls.name)
            if previous is not None and previous.__qualname__ != cls.__qualname__:
                raise ValueError(f"op name {cls.name!r} is already registered by {previous.__qualname__}")
            REGISTRY[cls.name] = cls

    @staticmethod
    def forward(ctx, *arrays, **params):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    def save_for_backward(self, *arrays) -> None:
        self.saved = arrays

    @classmethod
    def apply(cls, *inputs, **params):
        """Run the op on Tensors (or array-likes) and record it in the graph when needed."""
        # The per-op hot path: plain loops and direct attribute access, nothing lazy-imported.
        requires_grad = False
        has_constant = False
        arrays = []
        parents = []
        needs = []
        meta = []
        origins = []
        for x in inputs:
            if isinstance(x, Tensor):
                data = x.data
                arrays.append(data)
                meta.append((data.shape, data.dtype))
                origins.append(id(data))
                origins.append(x._version_counter)
                if x.requires_grad:
                    requires_grad = True
                    parents.append(x.grad_fn or x)  # a node is always truthy
                    needs.append(True)
                    continue
            else:
                arrays.append(x)
                origins.append(None)  # filled in once the constant is an array
                origins.append(None)
                has_constant = True
            parents.append(None)
            needs.append(False)
        if has_constant:
            _with_constants(inputs, arrays, meta, origins)
        ctx = _new_node(cls)
        try:
            # arguments spelled out for one or two inputs and no params: Python then runs the call inline
            arity = len(arrays)
            if params:
                raw_out = cls.forward(ctx, *arrays, **params)
            elif arity == 2:
                raw_out = cls.forward(ctx, arrays[0], arrays[1])
            elif arity == 1:
                raw_out = cls.forward(ctx, arrays[0])
            else:
                raw_out = cls.forward(ctx, *arrays)
        except (ValueError, IndexError, TypeError) as error:
            raise _forward_error(cls, error, arrays) from error
        # NumPy returns scalars for 0-d results; the graph always holds arrays
        out = raw_out if type(raw_out) is np.ndarray else np.asarray(raw_out)
        state = grad_mode.state
        if state.anomaly:
            _check_forward(ctx, out)
        result = object.__new__(Tensor)
        result.data = out
        result._grad = None
        result._hooks = None
        # a view of an input's data shares its version counter, so an in-place change through either is seen
        result._version_counter = [0, -1] if out.base is None else _counter_of_viewed(out.base, inputs, arrays)
        if not (requires_grad and state.grad_enabled
                and (out.dtype in _NATIVE_FLOAT_DTYPES or out.dtype.kind == "f")):
            return _unrecorded(cls, result, requires_grad and state.grad_enabled)
        allowed = cls.differentiable_inputs
        if allowed is not None:
            parents = [p if i in allowed else None for i, p in enumerate(parents)]
            needs = [p is not None for p in parents]
        ctx.sequence = sequence = next(_creation_order)
        if sequence >= collector_pause.next_check:
            collector_pause.recorded(ctx)
        ctx.parents = tuple(parents)
        ctx.needs_input_grad = tuple(needs)
        ctx.input_meta = tuple(meta)
        if params:
            ctx.params = params  # most ops take none: the class's empty dict serves them
        if ctx.saved:
            # which saved arrays are inputs or the output (for create_graph and viz), and the version
            # counters of the inputs and the output: backward refuses one changed after now
            if out is not raw_out:
                ctx.saved = tuple([out if s is raw_out else s for s in ctx.saved])
            origins.append(id(out))
            origins.append(result._version_counter)
            ctx.origins = origins
        result.requires_grad = True
        result.grad_fn = ctx
        return result

    # The two methods below do what `apply` does for a built-in op of one or two inputs and no params,
    # unrolled: no per-input loop, no lists, and so about a third fewer bytecodes per op. The op
    # functions and Tensor's operators call them; tests/test_apply_paths.py checks that every op routed
    # through them records the same node as through `apply`. Anything unusual goes through `apply`.
    @classmethod
    def _apply1(cls, x):
        """`cls.apply(x)` for an op without params."""
        if not isinstance(x, Tensor) or cls.differentiable_inputs is not None:
            return cls.apply(x)
        data = x.data
        ctx = _new_node(cls)
        try:
            raw_out = cls.forward(ctx, data)
        except (ValueError, IndexError, TypeError) as error:
            raise _forward_error(cls, error, [data]) from error
        out = raw_out if type(raw_out) is np.ndarray else np.asarray(raw_out)
        state = grad_mode.state
        if state.anomaly:
            _check_forward(ctx, out)
        result = object.__new__(Tensor)
        result.data = out
        result._grad = None
        result._hooks = None
        base = out.base  # a view of the input's data (.T, a reshape) shares its version counter
        result._version_counter = [0, -1] if base is None else \
            x._version_counter if base is data or base is data.base else [0, -1]
        needs = x.requires_grad
        if not (needs and state.grad_enabled and (out.dtype in _NATIVE_FLOAT_DTYPES or out.dtype.kind == "f")):
            return _unrecorded(cls, result, needs and state.grad_enabled)
        ctx.sequence = sequence = next(_creation_order)
        if sequence >= collector_pause.next_check:
            collector_pause.recorded(ctx)
        ctx.parents = (x.grad_fn or x,)
        ctx.needs_input_grad = (True,)
        ctx.input_meta = ((data.shape, data.dtype),)
        if ctx.saved:
            if out is not raw_out:
                ctx.saved = tuple([out if s is raw_out else s for s in ctx.saved])
            ctx.origins = [id(data), x._version_counter, id(out), result._version_counter]
        result.requires_grad = True
        result.grad_fn = ctx
        return result

    @classmethod
    def _apply2(cls, a, b):
        """`cls.apply(a, b)` for an op without params; a Python scalar beside a Tensor is a cached constant."""
        if not isinstance(a, Tensor) or not isinstance(b, Tensor) or cls.differentiable_inputs is not None:
            if cls.differentiable_inputs is not None:
                return cls.apply(a, b)
            if isinstance(a, Tensor) and type(b) in _PYTHON_SCALARS:
                b = _scalar_constant(b, a.data.dtype)  # `y * 0.5`, `x / n`
            elif isinstance(b, Tensor) and type(a) in _PYTHON_SCALARS:
                a = _scalar_constant(a, b.data.dtype)  # `0.5 * y`, `1 - y`
            else:
                return cls.apply(a, b)
        a_data, b_data = a.data, b.data
        ctx = _new_node(cls)
        try:
            raw_out = cls.forward(ctx, a_data, b_data)
        except (ValueError, IndexError, TypeError) as error:
            raise _forward_error(cls, error, [a_data, b_data]) from error
        out = raw_out if type(raw_out) is np.ndarray else np.asarray(raw_out)
        state = grad_mode.state
        if state.anomaly:
            _check_forward(ctx, out)
        result = object.__new__(Tensor)
        result.data = out
        result._grad = None
        result._hooks = None
        result._version_counter = [0, -1] if out.base is None else \
            _counter_of_viewed(out.base, (a, b), (a_data, b_data))
        a_needs, b_needs = a.requires_grad, b.requires_grad
        if not ((a_needs or b_needs) and state.grad_enabled
                and (out.dtype in _NATIVE_FLOAT_DTYPES or out.dtype.kind == "f")):
            return _unrecorded(cls, result, (a_needs or b_needs) and state.grad_enabled)
        ctx.sequence = sequence = next(_creation_order)
        if sequence >= collector_pause.next_check:
            collector_pause.recorded(ctx)
        ctx.parents = ((a.grad_fn or a) if a_needs else None, (b.grad_fn or b) if b_needs else None)
        ctx.needs_input_grad = (bool(a_needs), bool(b_needs))
        ctx.input_meta = ((a_data.shape, a_data.dtype), (b_data.shape, b_data.dtype))
        if ctx.saved:
            if out is not raw_out:
                ctx.saved = tuple([out if s is raw_out else s for s in ctx.saved])
            ctx.origins = [id(a_data), a._version_counter, id(b_data), b._version_counter,
                           id(out), result._version_counter]
        result.requires_grad = True
        result.grad_fn = ctx
        return result

    @property
    def saved_sources(self) -> tuple:
        """Per saved array: the input index it is, 'out' for the output, or None (a constant)."""
        *input_ids, output_id = self.origins[::2] or [None]  # a node that saved nothing has no origins
        sources = []
        for item in self.saved:
            if id(item) == output_id:
                sources.append("out")
            elif id(item) in input_ids:
                sources.append(input_ids.index(id(item)))
            else:
                sources.append(None)
        return tuple(sources)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} backward>"


def _new_node(cls) -> Function:
    """An op's node before its forward runs, every slot at its default (the compiled core's new_node)."""
    node = object.__new__(cls)
    node.sequence = -1
    node.parents = node.needs_input_grad = node.input_meta = node.saved = ()
    node.hooks = None  # made by register_hook or retain_grad on the output
    node.freed = False  # set by a backward that frees the saved values
    return node


class VersionClock:
    """The stamp of the latest in-place change anywhere: while it is older than a node, nothing the
    node saved can have changed, so backward checks each node with one comparison."""

    latest = -1


def bump_version(counter: list) -> None:
    """Record an in-place change of the data that owns `counter` ([version, stamp of the change])."""
    counter[0] += 1
    counter[1] = VersionClock.latest = next(_creation_order)


def bump_versions(counters: list) -> None:
    """Record in-place changes made together (an optimizer step's): one stamp serves them all."""
    stamp = VersionClock.latest = next(_creation_order)
    for counter in counters:
        counter[0] += 1
        counter[1] = stamp


def _forward_error(cls, error: Exception, arrays: list) -> Exception:
    """The error of a failed forward, naming the op and its inputs' shapes (the error path only:
    the import here keeps the hot path's imports as they are)."""
    from .errors import forward_error

    return forward_error(cls, error, arrays)


def _check_forward(ctx, out: np.ndarray) -> None:
    """Under detect_anomaly: note where the op was created, and refuse a NaN or Inf result."""
    ctx.created_at = _user_frame()
    _check_finite(out, f"forward of {ctx.name}", ctx)


def _unrecorded(cls, result, recording: bool):
    """`result` as a tensor outside the graph: grad mode is off, no input requires grad, or the result
    is not floating (integer and boolean results have no gradient; a complex one is refused)."""
    if recording and result.data.dtype.kind == "c":
        raise TypeError(f"{cls.name}: the result is complex ({result.data.dtype}) and an input requires "
                        "grad; gradsight does not differentiate complex values (docs/design.md)")
    result.requires_grad = False
    result.grad_fn = None
    return result


def _counter_of_viewed(base: np.ndarray, inputs, arrays) -> list:
    """The version counter of the Tensor input whose data `base` is (or shares a base with), else a new one."""
    for x, array in zip(inputs, arrays):
        if (array is base or array.base is base) and isinstance(x, Tensor):
            return x._version_counter
    return [0, -1]


def check_saved_versions(node: Function) -> None:
    """Raise if a tensor this node saved for backward was changed in place after the node was recorded."""
    sources = node.saved_sources
    *inputs, output = node.origins[1::2]
    changed = [(index, counter) for index, counter in enumerate(inputs)
               if counter is not None and counter[1] > node.sequence and index in sources]
    if output[1] > node.sequence and "out" in sources:
        changed.append(("out", output))
    if not changed:
        return  # changed tensors that backward does not use
    index, counter = changed[0]
    shape = node.saved[sources.index("out")].shape if index == "out" else node.input_meta[index][0]
    role = "its output" if index == "out" else f"its input {index}"
    where = (f"the op was created at\n  {node.created_at}\n" if node.created_at is not None else
             "run the forward inside `with autograd.detect_anomaly():` to see where the op was created; ")
    raise RuntimeError(
        f"backward of '{node.name}': a tensor it saved for backward ({role}, shape {shape}) was changed "
        f"by an in-place operation after the forward (its version is now {counter[0]}), so its gradient "
        f"would be computed from the new values; {where}fix: change the tensor only after backward "
        "(e.g. optimizer.step() after loss.backward()), or compute a new tensor (`x = x + y`) instead "
        "of changing it in place")


def _with_constants(inputs, arrays: list, meta: list, origins: list) -> None:
    """`arrays`, `meta` and `origins` completed for the non-Tensor operands: a Python scalar takes the
    Tensor operands' dtype (floats preferred) when that loses nothing (no silent upcast to float64)."""
    like = None
    for _, dtype in meta:  # so far, meta holds the Tensor operands only
        if dtype.kind == "f":
            like = dtype
            break
        if like is None:
            like = dtype
    for index, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            # the common `0.5 * x` in one dict lookup; 0 is never cached (-0.0 == 0.0 as keys)
            constant = _scalar_constants.get((x, like)) if type(x) in _PYTHON_SCALARS and x else None
            array = _constant_array(x, like) if constant is None else constant.data
            arrays[index] = array
            meta.insert(index, (array.shape, array.dtype))
            origins[2 * index] = id(array)


_scalar_constants: dict = {}  # (Python scalar, float dtype) -> constant Tensor of a read-only 0-d array
_PYTHON_SCALARS = (float, int, bool)


def _constant_array(value, like: np.dtype | None) -> np.ndarray:
    if like is None or like.kind != "f" or type(value) not in _PYTHON_SCALARS or not value:
        return as_operand(value, like)  # zeros are not cached: -0.0 == 0.0 as a key, yet they differ
    return _scalar_constant(value, like).data


def _scalar_constant(value, like: np.dtype):
    """A Tensor (requires_grad False) of Python scalar `value` in `like`, or in the type NumPy gives it
    where `like` would lose it (`as_operand`): `0.5 * x` converts 0.5 once per dtype, not per op."""
    if like.kind != "f" or not value:
        return Tensor._make(as_operand(value, like), None)
    key = (value, like)  # 1, 1.0 and True give the same array of a float dtype, so they may share it
    constant = _scalar_constants.get(key)
    if constant is None:
        if len(_scalar_constants) >= 4096:
            _scalar_constants.clear()  # a loop over ever-new scalars must not grow the cache forever
        array = as_operand(value, like)
        array.flags.writeable = False  # shared by every op that uses this scalar
        constant = _scalar_constants[key] = Tensor._make(array, None)
    return constant


def _user_frame() -> str:
    """The innermost stack frame outside this package, formatted as 'file:line in func'."""
    import os

    package_dir = os.path.dirname(os.path.abspath(__file__))
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not os.path.abspath(frame.filename).startswith(package_dir):
            return f"{frame.filename}:{frame.lineno} in {frame.name}\n    {frame.line}"
    return "<unknown>"


def _check_finite(array, where: str, node) -> None:
    if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
        kind = "NaN" if np.isnan(array).any() else "Inf"
        raise FloatingPointError(
            f"detect_anomaly: {where} produced {kind}; the op was created at\n  {node.created_at}")
