"""The compiled core (autograd/_core.c) against the Python engine it translates: the same gradients, the same
copies and refusals, no leaked references, and never a stale build. The rest of the suite runs on whichever
engine is in use (the core, once `make setup` built it), and `.ci/run` runs the engine's own tests again
with GRADSIGHT_PURE_PYTHON=1."""
import gc
import os
import shutil
import subprocess
import sys
import sysconfig
import weakref
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
from autograd import compiled, engine

needs_core = pytest.mark.skipif(not compiled.active, reason=f"the compiled core is not in use: {compiled.why_not}")


def _compiler_available() -> bool:
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    headers = Path(sysconfig.get_paths()["include"]) / "Python.h"
    return shutil.which(compiler) is not None and headers.exists()


def test_the_core_is_in_use_wherever_it_can_be_built():
    if os.environ.get(compiled.PURE_PYTHON_VARIABLE, "") not in ("", "0"):
        pytest.skip(f"{compiled.PURE_PYTHON_VARIABLE} is set: this run tests the Python engine")
    if not _compiler_available():
        pytest.skip("no C compiler or Python headers here: gradsight runs its Python engine")
    assert compiled.active, f"make setup builds the compiled core here, yet it is not in use: {compiled.why_not}"
    assert compiled.engine_name() == "compiled core"


def test_a_build_older_than_its_source_is_not_loaded(monkeypatch):
    if compiled._core is None:
        pytest.skip(f"no build to test: {compiled.why_not}")
    monkeypatch.setattr(compiled, "source_hash", lambda path=compiled.SOURCE: "not-the-built-one")
    core, why_not = compiled._load_core()
    assert core is None and "make setup" in why_not


def test_the_environment_variable_selects_the_python_engine():
    code = "from autograd import compiled; print(compiled.engine_name())"
    env = {**os.environ, compiled.PURE_PYTHON_VARIABLE: "1"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == f"pure Python ({compiled.PURE_PYTHON_VARIABLE} is set)"


# ----- the same gradients from both backward loops and both accumulations ------------------------------------

def _graphs():
    """Graphs that exercise delivery: broadcasting, a float32 op under float64 leaves, a tensor used twice,
    views, a scalar constant, a matmul with a transposed operand, and a leaf that is its own root."""
    rng = np.random.default_rng(0)
    w = rng.normal(size=(4, 3))
    b = rng.normal(size=3)
    x = rng.normal(size=(5, 4))

    def mlp(t):
        h = ag.tanh(t["x"] @ t["w"] + t["b"])
        return ((h * h).sum() + (h.T @ h).mean() * 0.5) / 3

    def shared(t):
        y = t["x"] * t["x"]
        z = y + y.T.T - t["x"]
        return (z * 2.0).sum() + (1 - z).mean()

    def reshaped(t):
        return (t["x"].reshape(20) * t["x"].T.reshape(20)).sum()

    def cast(t):
        return (ag.tensor(t["x"].data.astype(np.float32)) * t["x"]).sum()  # a float32 operand, float64 leaf

    return {"mlp": (mlp, {"x": x, "w": w, "b": b}), "shared": (shared, {"x": x}),
            "reshaped": (reshaped, {"x": x}), "cast": (cast, {"x": x})}


def _gradients(build, arrays, python: bool, monkeypatch):
    with monkeypatch.context() as patch:
        if python:
            patch.setattr(engine, "backward_plain", None)
            patch.setattr(engine, "accumulate_plain", engine._accumulate_plain)
        leaves = {k: ag.tensor(v, requires_grad=True) for k, v in arrays.items()}
        build(leaves).backward()
        build(leaves).backward()  # a second backward adds to .grad
        return {k: t.grad.data for k, t in leaves.items()}


@needs_core
@pytest.mark.parametrize("name", sorted(_graphs()))
def test_both_backward_loops_give_the_same_gradients(name, monkeypatch):
    build, arrays = _graphs()[name]
    python = _gradients(build, arrays, True, monkeypatch)
    core = _gradients(build, arrays, False, monkeypatch)
    assert python.keys() == core.keys()
    for key in python:
        np.testing.assert_array_equal(core[key], python[key], err_msg=f"{name}: leaf {key}")


ACCUMULATORS = [pytest.param(engine._accumulate_plain, id="python"),
                pytest.param(getattr(compiled._core, "accumulate", None), id="compiled", marks=needs_core)]


@pytest.mark.parametrize("accumulate", ACCUMULATORS)
def test_accumulation_copies_exactly_what_is_shared(accumulate):
    owned = np.ones((2, 3))
    exclusive_view = np.ones((3, 2)).T  # its base is referenced by the view only: stored as it is
    kept = np.ones((2, 3))
    base = np.ones((3, 2))
    shared_view = base.T  # `base` is still referenced here: copied
    leaves = [ag.tensor(np.zeros((2, 3)), requires_grad=True) for _ in range(4)]
    held = {id(kept)}
    accumulate(dict(zip(leaves, [owned, exclusive_view, kept, shared_view])), held)
    stored = [leaf.grad.data for leaf in leaves]
    assert stored[0] is owned and stored[1] is exclusive_view
    assert stored[2] is not kept and not np.shares_memory(stored[3], base)
    assert {id(a) for a in stored} <= held
    for leaf in leaves:
        assert leaf.grad.grad_fn is None and not leaf.grad.requires_grad and leaf.grad._version_counter == [0, -1]


@pytest.mark.parametrize("accumulate", ACCUMULATORS)
def test_accumulation_is_all_or_nothing(accumulate):
    first = ag.tensor(np.zeros(2), requires_grad=True)
    second = ag.tensor(np.zeros(3), requires_grad=True)
    first.grad = ag.tensor(np.ones(2))
    second.grad = ag.tensor(np.ones(3))
    before = first.grad
    with pytest.raises(RuntimeError, match=r"cannot add a gradient of shape \(4,\) to the .grad of shape \(3,\)"):
        accumulate({first: np.ones(2), second: np.ones(4)}, set())
    assert first.grad is before and second.grad.shape == (3,)


# ----- errors and rare paths through the core -----------------------------------------------------------------

def test_a_forward_error_names_the_op_and_keeps_its_cause():
    with pytest.raises(ValueError, match=r"matmul.*\(2, 3\).*\(2, 3\)") as caught:
        ag.tensor(np.ones((2, 3)), requires_grad=True) @ ag.tensor(np.ones((2, 3)))
    assert isinstance(caught.value.__cause__, ValueError)


def test_a_backward_with_the_wrong_number_of_gradients_is_refused_and_grad_mode_restored():
    class TwoForOne(ag.Function):
        register = False

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = ag.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 2 gradients for 1 inputs"):
        TwoForOne.apply(x).sum().backward()
    assert ag.is_grad_enabled()


def test_hooks_retained_gradients_and_anomaly_checks_run_through_the_core():
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 3.0
    y.retain_grad()
    y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()
    np.testing.assert_array_equal(y.grad.data, 2 * y.data * 10)  # the gradient after the hooks
    np.testing.assert_array_equal(x.grad.data, 2 * y.data * 10 * 3)
    with ag.detect_anomaly(), np.errstate(divide="ignore"):  # sqrt's gradient at 0 is inf: what anomaly mode catches
        z = ag.tensor(np.array([0.0, 1.0]), requires_grad=True)
        with pytest.raises(FloatingPointError, match="backward of sqrt produced"):
            ag.sqrt(z).sum().backward()


# ----- no leaked references --------------------------------------------------------------------------------

def _step(x, w):
    y = x
    for _ in range(20):
        y = ag.tanh(y @ w.T + 0.5) * 1.0001
    (y - 1.0).sum().backward()


def test_a_training_step_leaks_no_references():
    x = ag.tensor(np.ones((4, 3)), requires_grad=True)
    w = ag.tensor(np.eye(3), requires_grad=True)
    for _ in range(3):
        _step(x, w)
    data_references = sys.getrefcount(x.data), sys.getrefcount(w.data)
    gc.collect()
    objects = len(gc.get_objects())
    for _ in range(50):
        _step(x, w)
    gc.collect()
    assert (sys.getrefcount(x.data), sys.getrefcount(w.data)) == data_references
    assert len(gc.get_objects()) - objects < 50  # 50 steps of 100 ops: a leak of one object per op shows


def test_refused_calls_leak_no_references():
    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    w = ag.tensor(np.ones((2, 3)))

    def refused():
        calls = (lambda: x @ w, lambda: (x * 2.0).backward(np.ones(4)), lambda: (x * w).sum().backward(1, 2, 3, 4, 5))
        for call in calls:  # a forward error, a seed of the wrong shape, too many arguments
            with pytest.raises((ValueError, RuntimeError, TypeError)):
                call()

    for _ in range(3):
        refused()
    data_references = sys.getrefcount(x.data), sys.getrefcount(w.data)
    gc.collect()
    objects = len(gc.get_objects())
    for _ in range(100):
        refused()
    gc.collect()
    assert (sys.getrefcount(x.data), sys.getrefcount(w.data)) == data_references
    assert len(gc.get_objects()) - objects < 50


def test_the_graph_is_freed_once_its_output_is_dropped():
    x = ag.tensor(np.ones(3), requires_grad=True)
    y = ag.tanh(x * 2.0) + x
    node = weakref.ref(y.grad_fn)
    y.sum().backward()
    del y
    assert node() is None


# ----- Tensor.backward and the .grad setter: the compiled calls give what engine.backward gives ------------------

BACKWARD_CALLS = {
    "0-d loss": ((), {}, lambda x: (x * x).sum()),
    "array seed": ((np.full(3, 2.0),), {}, lambda x: x * x),
    "Tensor seed": ((ag.tensor(np.full(3, 2.0)),), {}, lambda x: x * x),
    "float32 seed, cast": ((np.full(3, 2.0, np.float32),), {}, lambda x: x * x),
    "list seed": (([1.0, 2.0, 3.0],), {}, lambda x: x * x),
    "keywords": ((), {"retain_graph": True}, lambda x: (x * x).sum()),
    "positional retain": ((None, True), {}, lambda x: (x * x).sum()),
    "create_graph": ((None, False, True), {}, lambda x: (x * x).sum()),
    "shape-(1,) loss": ((), {}, lambda x: (x * x).sum().reshape(1)),
}
BACKWARD_ERRORS = {
    "non-scalar without a seed": ((), lambda x: x * x),
    "seed of the wrong shape": ((np.ones(4),), lambda x: x * x),
    "no grad_fn": ((), lambda x: ag.tensor(1.0)),
}


@pytest.mark.parametrize("name", sorted(BACKWARD_CALLS))
def test_tensor_backward_gives_what_engine_backward_gives(name):
    args, kwargs, build = BACKWARD_CALLS[name]
    grads = []
    for call in (lambda y: y.backward(*args, **kwargs), lambda y: engine.backward(y, *args, **kwargs)):
        x = ag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
        call(build(x))
        grads.append(x.grad.data)
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize("name", sorted(BACKWARD_ERRORS))
def test_tensor_backward_refuses_what_engine_backward_refuses(name):
    args, build = BACKWARD_ERRORS[name]
    x = ag.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(RuntimeError) as python_error:
        engine.backward(build(x), *args)
    with pytest.raises(RuntimeError) as tensor_error:
        build(x).backward(*args)
    assert str(tensor_error.value) == str(python_error.value) and x.grad is None


def test_the_grad_setter_still_checks_what_it_is_given():
    x = ag.tensor(np.ones(3), requires_grad=True)
    x.grad = ag.tensor(np.full(3, 2.0))
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])
    x.grad = None
    assert x.grad is None
    with pytest.raises(RuntimeError, match="the assigned gradient has shape"):
        x.grad = ag.tensor(np.ones(4))
    with pytest.raises(TypeError, match="assign a Tensor or None"):
        x.grad = np.ones(3)
    assert x.grad is None


@needs_core
def test_switching_engines_in_one_process_routes_every_entry_point():
    x = ag.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    w = ag.tensor(np.array([0.5, 0.25, 2.0]))
    results = []
    try:
        for on in (False, True, False):
            compiled.use_compiled(on)
            assert compiled.active is on and (compiled.engine_name() == "compiled core") is on
            assert (type(vars(ag.Tensor)["backward"]).__name__ == "instancemethod") is on
            assert (type(vars(ag.Tensor)["__mul__"]).__name__ == "Operator") is on
            x.grad = None
            (ag.tanh(x * w + 1.0).T @ x).backward()
            results.append(x.grad.data)
    finally:
        compiled.use_compiled(True)
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_array_equal(results[1], results[2])


# ----- the operators, the grad-mode switches and the in-place fields the core uses -------------------------

OPERATOR_CASES = {  # each Tensor operator the core replaces, with tensor and Python-scalar operands
    "add": lambda x, w: x + w + 2.0, "radd": lambda x, w: 2.0 + x, "sub": lambda x, w: x - w - 1.5,
    "rsub": lambda x, w: 1.5 - x, "mul": lambda x, w: x * w * 3.0, "rmul": lambda x, w: 3.0 * x,
    "truediv": lambda x, w: x / w / 4.0, "rtruediv": lambda x, w: 4.0 / x, "matmul": lambda x, w: x @ w,
    "rmatmul": lambda x, w: w.data @ x, "neg": lambda x, w: -x,
}


@needs_core
@pytest.mark.parametrize("name", sorted(OPERATOR_CASES))
def test_the_cores_operators_record_what_tensors_own_operators_record(name):
    rng = np.random.default_rng(1)
    x0, w0 = rng.uniform(1, 2, size=(3, 3)), rng.uniform(1, 2, size=(3, 3))
    outcomes = []
    try:
        for on in (False, True):
            compiled.use_compiled(on)
            x, w = ag.tensor(x0, requires_grad=True), ag.tensor(w0, requires_grad=True)
            out = OPERATOR_CASES[name](x, w)
            out.sum().backward()
            outcomes.append((out.data, out.grad_fn.name, x.grad.data, None if w.grad is None else w.grad.data))
    finally:
        compiled.use_compiled(True)
    (out_py, op_py, gx_py, gw_py), (out_c, op_c, gx_c, gw_c) = outcomes
    np.testing.assert_array_equal(out_py, out_c)
    assert op_py == op_c
    np.testing.assert_array_equal(gx_py, gx_c)
    assert (gw_py is None) == (gw_c is None)
    if gw_py is not None:
        np.testing.assert_array_equal(gw_py, gw_c)


@needs_core
def test_an_operator_is_a_method_like_the_python_one_it_replaces():
    x = ag.tensor(np.array([1.0, 2.0]))
    operator = vars(ag.Tensor)["__rsub__"]
    assert operator.__name__ == "__rsub__" and "Sub" in repr(operator)
    assert ag.Tensor.__rsub__ is operator
    np.testing.assert_array_equal(x.__rsub__(5.0).data, [4.0, 3.0])  # bound: (other, self) for the op
    np.testing.assert_array_equal(ag.Tensor.__neg__(x).data, [-1.0, -2.0])
    with pytest.raises(TypeError, match="takes 2 arguments"):
        operator(x)
    with pytest.raises(TypeError, match="takes 2 arguments"):
        operator(x, 1.0, other=2.0)


def test_grad_mode_and_anomaly_mode_belong_to_each_thread():
    import threading

    seen = {}

    def other_thread():
        seen["defaults"] = (ag.is_grad_enabled(), ag.grad_mode.is_anomaly_enabled())
        ag.set_grad_enabled(False)
        seen["recorded"] = (ag.tensor([1.0], requires_grad=True) * 2.0).requires_grad

    with ag.no_grad(), ag.detect_anomaly():
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert not ag.is_grad_enabled() and ag.grad_mode.is_anomaly_enabled()
    assert seen == {"defaults": (True, False), "recorded": False}
    assert ag.is_grad_enabled() and not ag.grad_mode.is_anomaly_enabled()  # the other thread's change stayed there
    assert (ag.tensor([1.0], requires_grad=True) * 2.0).requires_grad


def test_the_grad_mode_switches_hold_booleans_and_cannot_be_removed():
    state = ag.grad_mode.state
    try:
        ag.set_grad_enabled(0)
        assert state.grad_enabled is False
    finally:
        ag.set_grad_enabled(True)
    if compiled.active:
        assert type(state).__name__ == "GradState"
        with pytest.raises(AttributeError):
            del state.grad_enabled
        with pytest.raises(AttributeError):
            state.misspelt = True


def test_the_collector_pause_refuses_a_misspelt_setting():
    with pytest.raises(AttributeError):
        ag.grad_mode.collector_pause.ops_before_paus = 10


def test_a_node_starts_with_every_graph_field_at_its_default():
    x = ag.tensor(np.ones(2), requires_grad=True)
    with ag.no_grad():
        assert (x * 2.0).grad_fn is None

    class Peek(ag.Function):
        register = False
        seen = {}

        @staticmethod
        def forward(ctx, a):
            Peek.seen.update(sequence=ctx.sequence, parents=ctx.parents, needs=ctx.needs_input_grad,
                             meta=ctx.input_meta, saved=ctx.saved, hooks=ctx.hooks, freed=ctx.freed)
            return a * 1.0

        @staticmethod
        def backward(ctx, grad):
            return grad

    Peek.apply(x)
    assert Peek.seen == {"sequence": -1, "parents": (), "needs": (), "meta": (), "saved": (), "hooks": None,
                         "freed": False}


@pytest.mark.parametrize("engine_on", [False, pytest.param(True, marks=needs_core)])
def test_a_field_redefined_on_an_op_class_after_use_is_honoured(engine_on):
    """The core reads a node's fields in place only while the op's class keeps Function's slot; a class
    changed after the core last checked it (here: hooks made a property) is read through the property."""
    class Scaled(ag.Function):
        register = False

        @staticmethod
        def forward(ctx, a):
            return a * 3.0

        @staticmethod
        def backward(ctx, grad):
            return grad * 3.0

    x = ag.tensor(np.ones(2), requires_grad=True)
    switch = compiled.use_compiled if compiled._tensor else (lambda on: None)  # no core: the Python engine runs
    try:
        switch(engine_on)
        Scaled.apply(x).backward(np.ones(2))  # no other op in between: the core last checked Scaled
        np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
        Scaled.hooks = property(lambda node: [lambda grad: grad * 10.0], lambda node, value: None)
        x.grad = None
        Scaled.apply(x).backward(np.ones(2))
        np.testing.assert_array_equal(x.grad.data, [30.0, 30.0])
    finally:
        switch(True)


def test_a_cached_python_scalar_keeps_each_operands_dtype():
    for dtype in (np.float32, np.float64, np.float32, np.float16):
        x = ag.tensor(np.ones(3, dtype), requires_grad=True)
        for _ in range(3):
            y = x * 1.0001
            assert y.dtype == dtype
        y.sum().backward()
        np.testing.assert_allclose(x.grad.data, np.full(3, 1.0001, dtype), rtol=1e-3)
