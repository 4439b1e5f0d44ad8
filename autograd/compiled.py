"""The compiled core: the engine's per-op bookkeeping in C (autograd/_core.c), when it is built.

`make setup` builds it (`python -m autograd.build_core`; it needs a C compiler and Python's headers,
and NumPy's are not used). Without it, or with the environment variable GRADSIGHT_PURE_PYTHON=1,
gradsight runs the Python engine, which is the reference: `_core.c` translates its hot path line by
line (`Function.apply`, `_apply1` and `_apply2`; `run_backward` without create_graph or capture, its
loop and the plain path of `.grad` accumulation) and calls back into the Python helpers for every
rare path and every error message. The ops' own forward and backward are Python either way, and the test suite runs
both engines (docs/design.md, "The compiled core").
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from . import engine, function, grad_mode

PURE_PYTHON_VARIABLE = "GRADSIGHT_PURE_PYTHON"
SOURCE = Path(__file__).resolve().parent / "_core.c"


def source_hash(path: Path = SOURCE) -> str:
    """What a build of the core records, and what it must match to be loaded."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _load_core():
    """The compiled module, or None and the reason."""
    if os.environ.get(PURE_PYTHON_VARIABLE, "") not in ("", "0"):
        return None, f"{PURE_PYTHON_VARIABLE} is set"
    try:
        from . import _core
    except ImportError:
        return None, "not built: run `make setup` or `python -m autograd.build_core`"
    try:
        current = source_hash()
    except OSError:
        current = _core.source_hash  # an installed copy without its source: the build is what there is
    if _core.source_hash != current:
        return None, "its build is older than autograd/_core.c: run `make setup` to rebuild it"
    return _core, ""


_core, why_not = _load_core()  # why_not is shown by `engine_name()` and in benchmark reports


active = False  # set by `install`


def engine_name() -> str:
    """Which engine runs: 'compiled core' or 'pure Python (<why>)'."""
    return "compiled core" if active else f"pure Python ({why_not})"


_PYTHON_APPLY = function.Function.apply  # the reference implementations, kept for the fallbacks and tests
_PYTHON_APPLY1 = function.Function._apply1
_PYTHON_APPLY2 = function.Function._apply2
_RECORDING = ("apply", "_apply1", "_apply2")
_python_recording = {name: vars(function.Function)[name] for name in _RECORDING}  # the classmethod objects
_tensor = {}  # set by install: the Tensor class and its Python `backward` and `grad`


def install(tensor_type) -> bool:
    """Route the hot path through the compiled core, if it was built (tensor.py calls this once)."""
    if _core is None or _tensor:
        return active
    state = _core.GradState()  # the current thread's modes carry over: this runs while gradsight is imported
    state.grad_enabled, state.anomaly = grad_mode.state.grad_enabled, grad_mode.state.anomaly
    grad_mode.state = state
    _core.bind({
        "Tensor": tensor_type, "ndarray": np.ndarray, "asarray": np.asarray,
        "grad_state": grad_mode.state, "collector_pause": grad_mode.collector_pause,
        "creation_order": function._creation_order, "native_floats": function._NATIVE_FLOAT_DTYPES,
        "scalar_constants": function._scalar_constants, "version_clock": function.VersionClock,
        "apply1": _PYTHON_APPLY1.__func__, "apply2": _PYTHON_APPLY2.__func__,
        "scalar_constant": function._scalar_constant, "forward_error": function._forward_error,
        "check_forward": function._check_forward, "counter_of_viewed": function._counter_of_viewed,
        "unrecorded": function._unrecorded, "reduced_to": engine._reduced_to,
        "check_delivered": engine._check_delivered, "check_usable": engine._check_saved_values_usable,
        "node_hooks": engine._node_hooks, "refuse_count": engine._refuse_gradient_count,
        "check_accumulation": engine._check_accumulation, "with_constants": function._with_constants,
        "accumulate_into_leaves": engine._accumulate_into_leaves, "leaf_hooks": engine.LeafHooks,
        "backward": engine.backward, "set_grad": tensor_type._set_grad, "array": np.array,
        "Function": function.Function,
    })
    _tensor.update(type=tensor_type, backward=vars(tensor_type)["backward"], grad=vars(tensor_type)["grad"])
    use_compiled(True)
    return True


def use_compiled(on: bool) -> None:
    """Route the hot path through the compiled core (True) or the Python engine (False), in this process.
    For measuring one against the other side by side (benchmarks/engine_ab.py) and for tests; a program
    chooses with GRADSIGHT_PURE_PYTHON before it starts."""
    global active, why_not
    if on and not _tensor:
        raise RuntimeError(f"the compiled core is not in use: {why_not}")
    compiled_recording = {"apply": _core.apply, "_apply1": _core.apply1, "_apply2": _core.apply2} if on else {}
    for name in _RECORDING:
        setattr(function.Function, name,
                classmethod(compiled_recording[name]) if on else _python_recording[name])
    engine.backward_plain = _core.backward_plain if on else None
    engine.accumulate_plain = _core.accumulate if on else engine._accumulate_plain
    tensor_type = _tensor.get("type")
    if tensor_type is not None:
        tensor_type.backward = _core.as_method(_core.backward) if on else _tensor["backward"]
        python_grad = _tensor["grad"]
        tensor_type.grad = property(python_grad.fget, _core.set_grad, None, python_grad.__doc__) if on else python_grad
    active, why_not = on, "" if on else "switched off by use_compiled(False)"
    bind_operators()


# Tensor's operators that the core replaces: (op class, reflected, unary); each is tensor.py's one-line
# delegation (`def __mul__(self, other): return _mul(self, other)`) without its Python frame
_OPERATORS = {"__add__": ("Add", False, False), "__radd__": ("Add", True, False),
              "__sub__": ("Sub", False, False), "__rsub__": ("Sub", True, False),
              "__mul__": ("Mul", False, False), "__rmul__": ("Mul", True, False),
              "__truediv__": ("Div", False, False), "__rtruediv__": ("Div", True, False),
              "__matmul__": ("Matmul", False, False), "__rmatmul__": ("Matmul", True, False),
              "__neg__": ("Neg", False, True)}
_python_operators = {}  # tensor.py's own, kept for use_compiled(False)


def bind_operators() -> None:
    """tensor.py binds its operators' ops once (`_add = Add._apply2`) and then calls this; so does each
    switch: bind them again, and give Tensor the core's operators while it runs."""
    import sys

    tensor_module = sys.modules.get(f"{__package__}.tensor")
    if tensor_module is None or not hasattr(tensor_module, "_add"):
        return  # tensor.py is still being imported: it calls this once its operators are bound
    ops = tensor_module._ops
    tensor_module._add, tensor_module._sub = ops.Add._apply2, ops.Sub._apply2
    tensor_module._mul, tensor_module._div = ops.Mul._apply2, ops.Div._apply2
    tensor_module._matmul, tensor_module._neg = ops.Matmul._apply2, ops.Neg._apply1
    tensor_module._transpose = ops.Transpose._apply1
    tensor_type = tensor_module.Tensor
    if not _python_operators:
        _python_operators.update({name: vars(tensor_type)[name] for name in _OPERATORS})
    for name, (op_name, reflected, unary) in _OPERATORS.items():
        setattr(tensor_type, name, _core.operator(name, getattr(ops, op_name), reflected, unary) if active
                else _python_operators[name])
