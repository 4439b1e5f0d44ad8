"""The unrolled `Function._apply1` / `_apply2` (what the op functions and Tensor's operators call) record
exactly the node that the general `Function.apply` records, for every registered op they can serve: both
the Python reference and the compiled core's translation of it (autograd/_core.c), where it is built."""
import inspect
import itertools
import re
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import compiled
from autograd.function import _scalar_constants
from tests.test_registry import ALL_SPECS

# each test runs the Python reference and, where it is built, the compiled core
ENGINES = ["python", pytest.param("compiled", marks=pytest.mark.skipif(
    not compiled.active, reason=f"the compiled core is not in use: {compiled.why_not}"))]


def _unrolled(engine: str, arity: int):
    """The unrolled apply of one engine, called as `apply(op, *inputs)`."""
    if engine == "compiled":
        core = compiled._core
        return core.apply1 if arity == 1 else core.apply2
    return (compiled._PYTHON_APPLY1 if arity == 1 else compiled._PYTHON_APPLY2).__func__


def _routed_ops(arity: int) -> set:
    """The ops that autograd's op functions and Tensor's operators run through `_apply1` / `_apply2`."""
    source = inspect.getsource(ag.ops) + inspect.getsource(sys.modules["autograd.tensor"])
    return {name for name, op in ag.REGISTRY.items() if re.search(rf"\b{op.__name__}\._apply{arity}\b", source)}


UNARY, BINARY = _routed_ops(1), _routed_ops(2)
UNROLLED_SPECS = [spec for spec in ALL_SPECS if spec.name in UNARY | BINARY]


def _node_summary(result):
    """What a recorded node holds, with arrays by value and tensors' version counters by identity."""
    node = result.grad_fn
    if node is None:
        return {"requires_grad": result.requires_grad}
    return {
        "type": type(node), "parents": node.parents, "needs": node.needs_input_grad,
        "meta": node.input_meta, "params": node.params, "sources": node.saved_sources,
        "counters": [id(c) for c in node.origins[1::2][:-1]] if node.origins else None,
        "output_counter_is_result's": not node.origins or node.origins[-1] is result._version_counter,
        "saved": [np.asarray(s).tobytes() for s in node.saved],
    }


def _record_both_ways(op, inputs, engine):
    unrolled = _unrolled(engine, len(inputs))(op, *inputs)
    general = op.apply(*inputs)
    return unrolled, general


def test_the_unrolled_paths_serve_the_ops_they_should():
    assert {"neg", "tanh", "relu", "exp", "transpose"} <= UNARY
    assert {"add", "sub", "mul", "div", "matmul", "pow"} <= BINARY
    assert all(ag.REGISTRY[name].differentiable_inputs is None for name in UNARY | BINARY)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("spec", UNROLLED_SPECS, ids=lambda s: s.id)
@given(data=st.data())
def test_unrolled_apply_records_the_node_apply_records(spec, engine, data):
    arrays = spec.sample(data.draw).arrays  # params (transpose's axes) are dropped: the unrolled paths take none
    if len(arrays) != (1 if spec.name in UNARY else 2):
        return  # e.g. pow with a scalar exponent: the other test covers scalar operands
    op = ag.REGISTRY[spec.name]
    all_flags = itertools.product((True, False), repeat=len(arrays))
    for dtype, flags in itertools.product((np.float64, np.float32), list(all_flags)):
        inputs = [ag.tensor(a.astype(dtype), requires_grad=flag) for a, flag in zip(arrays, flags)]
        unrolled, general = _record_both_ways(op, inputs, engine)
        np.testing.assert_array_equal(unrolled.data, general.data)
        assert unrolled.dtype == general.dtype
        assert _node_summary(unrolled) == _node_summary(general), f"{spec.id}, {dtype.__name__}, requires_grad {flags}"
        if unrolled.requires_grad:
            grad = np.ones(unrolled.shape, unrolled.dtype)
            wanted = [t for t in inputs if t.requires_grad]
            for a, b in zip(ag.grad(unrolled, wanted, grad), ag.grad(general, wanted, grad)):
                np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "maximum", "minimum"])
@pytest.mark.parametrize("scalar", [0.5, 2, True, 0.0, -3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("engine", ENGINES)
def test_a_python_scalar_operand_gives_what_apply_gives(name, scalar, dtype, engine):
    op = ag.REGISTRY[name]
    apply2 = _unrolled(engine, 2)
    x = ag.tensor(np.array([[1.5, -2.0], [3.0, 4.0]]).astype(dtype), requires_grad=dtype != np.int64)
    for inputs in ((x, scalar), (scalar, x)):
        with np.errstate(all="ignore"):
            try:
                general = op.apply(*inputs)
            except ValueError as error:  # integers to negative integer powers: the same error both ways
                with pytest.raises(ValueError, match=re.escape(str(error))):
                    apply2(op, *inputs)
                continue
            unrolled = apply2(op, *inputs)
        np.testing.assert_array_equal(unrolled.data, general.data)
        assert unrolled.dtype == general.dtype, f"{name}{inputs}: {unrolled.dtype} vs {general.dtype}"
        summary, expected = _node_summary(unrolled), _node_summary(general)
        if "counters" in expected:  # a constant has no tensor: apply records no counter, _apply2 the cache's
            summary.pop("counters"), expected.pop("counters")
        assert summary == expected


def test_a_cached_scalar_constant_is_read_only_and_shared():
    x = ag.tensor(np.ones(3, np.float32), requires_grad=True)
    (x * 0.25).sum().backward()
    constant = _scalar_constants[(0.25, np.dtype(np.float32))]
    assert not constant.data.flags.writeable and not constant.requires_grad
    (0.25 * x).sum().backward()
    assert _scalar_constants[(0.25, np.dtype(np.float32))] is constant
    np.testing.assert_array_equal(x.grad.data, np.full(3, 0.5, np.float32))


def test_a_non_tensor_operand_other_than_a_python_scalar_goes_through_apply():
    x = ag.tensor(np.ones((2, 2)), requires_grad=True)
    y = x * np.array([1.0, 2.0])  # an array constant: apply's general path
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 2.0], [1.0, 2.0]])
    # a list: apply makes an array of the default dtype
    np.testing.assert_array_equal(ag.tanh([0.0, 1.0]).data, np.tanh(np.array([0.0, 1.0], np.float32)))


def _comparable(result):
    """`_node_summary` with the parents and counters that are not the test's own leaves by kind only: a
    spec's function may build helper nodes, which differ between two calls."""
    summary = _node_summary(result)
    if "parents" in summary:
        summary["parents"] = [p if p is None or isinstance(p, ag.Tensor) else type(p) for p in summary["parents"]]
        summary.pop("counters")
    return summary


# a call of these changes what the next one sees (a new random generator each call, running statistics)
STATEFUL = {"dropout", "batch_norm"}


@pytest.mark.skipif(not compiled.active, reason=f"the compiled core is not in use: {compiled.why_not}")
@pytest.mark.parametrize("spec", [s for s in ALL_SPECS if s.name not in STATEFUL], ids=lambda s: s.id)
@given(data=st.data())
def test_compiled_apply_records_the_node_python_apply_records(spec, data):
    case = spec.sample(data.draw)
    inputs = [ag.tensor(a, requires_grad=spec.is_differentiable(i)) for i, a in enumerate(case.arrays)]
    with np.errstate(all="ignore"):
        compiled_result = spec.fn(*inputs, **case.params)
        ag.Function.apply = classmethod(compiled._PYTHON_APPLY.__func__)
        try:
            python_result = spec.fn(*inputs, **case.params)
        finally:
            ag.Function.apply = classmethod(compiled._core.apply)
    np.testing.assert_array_equal(compiled_result.data, python_result.data)
    assert _comparable(compiled_result) == _comparable(python_result), spec.id
    if compiled_result.requires_grad:
        wanted = [t for t in inputs if t.requires_grad]
        grad = np.ones(compiled_result.shape, compiled_result.dtype)
        for a, b in zip(ag.grad(compiled_result, wanted, grad), ag.grad(python_result, wanted, grad)):
            np.testing.assert_array_equal(a.data, b.data)
