"""The engine: accumulation on reused tensors and diamonds, deep graphs, memory, freed graphs, hooks,
grad modes, dtype rules, anomaly detection and the errors bad input must raise."""
import gc
import sys
import threading
import weakref

import numpy as np
import pytest

import autograd as ag


def leaf(values, dtype=np.float64):
    return ag.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


@pytest.fixture
def no_automatic_gc():
    """Only reference counting may free memory in these tests: no cycle collector runs."""
    was_enabled = gc.isenabled()
    gc.disable()
    yield
    if was_enabled:
        gc.enable()


# ----- accumulation -----------------------------------------------------------------------
def test_reused_tensor_accumulates():
    x = leaf([1.0, -2.0, 3.0])
    (x * x + x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data + 1)


def test_diamond_accumulates_both_paths():
    x = leaf([0.5, -1.0])
    left, right = x * 2, ag.exp(x)
    (left * right).sum().backward()  # d/dx 2x e^x = 2 e^x + 2x e^x
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(x.data) * (1 + x.data))


def test_nested_diamonds_match_numerical():
    x = leaf([[0.3, -0.7, 1.1]])

    def nested(x):
        a = ag.tanh(x)
        b, c = a * x, a + x
        d = b * c + ag.sin(b)
        return (d * a).sum(axis=1) + d.mean()

    assert ag.gradcheck(nested, [x])


def test_gradients_accumulate_over_separate_backwards():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 + 2 * x.data)


@pytest.mark.parametrize("small, big", [((), (3, 4)), ((1,), (3, 4)), ((3, 1), (3, 4)), ((4,), (2, 3, 4)),
                                        ((1, 1), (4,)), ((2, 1, 4), (3, 1))])
def test_broadcast_gradients_reduce_to_each_input_shape(small, big):
    a, b = leaf(np.full(small, 2.0)), leaf(np.ones(big))
    out = a * b
    out.sum().backward()
    assert a.grad.shape == small and b.grad.shape == big
    np.testing.assert_allclose(a.grad.data, np.full(small, out.size / a.size))
    np.testing.assert_allclose(b.grad.data, np.broadcast_to(2.0, big) * out.size / b.size)


def test_unbroadcast_sums_leading_and_size_one_axes():
    grad = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(ag.unbroadcast(grad, (3, 1)), grad.sum(axis=(0, 2))[:, None])
    np.testing.assert_allclose(ag.unbroadcast(grad, ()), grad.sum())
    assert ag.unbroadcast(grad, (2, 3, 4)) is grad


def test_chain_of_100000_ops_with_default_recursion_limit():
    assert sys.getrecursionlimit() <= 3000  # nothing raised it for us
    x = leaf(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    np.testing.assert_allclose(x.grad.data, 1.00001 ** 100_000, rtol=1e-9)
    del y  # freeing a 100,000-deep graph must not recurse either


def test_wide_graph_of_many_roots():
    x = leaf(np.ones(3))
    outputs = [x * float(k) for k in range(1000)]
    total = outputs[0].sum()
    for out in outputs[1:]:
        total = total + out.sum()
    total.backward()
    np.testing.assert_allclose(x.grad.data, np.full(3, 999 * 1000 / 2))


# ----- memory: no reference cycles --------------------------------------------------------
def _graph_with_weakrefs(x):
    hidden = ag.exp(x)
    out = (hidden * hidden).sum()
    refs = [weakref.ref(hidden), weakref.ref(hidden.data), weakref.ref(hidden.grad_fn), weakref.ref(out.grad_fn)]
    refs += [weakref.ref(a) for a in out.grad_fn.saved if isinstance(a, np.ndarray)]
    return hidden, out, refs


@pytest.mark.usefixtures("no_automatic_gc")
@pytest.mark.parametrize("how", ["backward", "retain_graph", "no_backward", "grad"])
def test_intermediates_are_freed_without_gc(how):
    x = leaf([0.1, 0.2, 0.3])
    hidden, out, refs = _graph_with_weakrefs(x)
    if how == "backward":
        out.backward()
    elif how == "retain_graph":
        out.backward(retain_graph=True)
    elif how == "grad":
        ag.grad(out, x)
    del hidden, out
    assert [r() for r in refs] == [None] * len(refs)


@pytest.mark.usefixtures("no_automatic_gc")
def test_create_graph_gradient_is_the_only_owner_of_its_graph():
    x = leaf([0.1, 0.2, 0.3])
    hidden, out, refs = _graph_with_weakrefs(x)
    out.backward(create_graph=True)
    del hidden, out
    assert x.grad.grad_fn is not None
    x.grad = None
    assert [r() for r in refs] == [None] * len(refs)


@pytest.mark.usefixtures("no_automatic_gc")
def test_retain_grad_and_hooks_do_not_keep_the_graph_alive():
    x = leaf([0.1, 0.2])
    hidden = ag.tanh(x)
    hidden.retain_grad()
    hidden.register_hook(lambda g: g * 2)
    out = hidden.sum()
    refs = [weakref.ref(hidden.grad_fn), weakref.ref(hidden.data)]
    out.backward()
    assert hidden.grad is not None
    del hidden, out
    assert [r() for r in refs] == [None, None]


# ----- freed graphs and retain_graph ------------------------------------------------------
def test_second_backward_through_freed_graph_raises():
    x = leaf([1.0, 2.0])
    y = (ag.exp(x) * x).sum()
    y.backward()
    first = x.grad.data.copy()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    np.testing.assert_allclose(x.grad.data, first)  # nothing was silently doubled


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    y = (ag.exp(x) * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * first)


def test_grad_does_not_touch_dot_grad_and_gives_hessian_vector_products():
    x = leaf([0.5, -1.0, 2.0])
    y = (x ** 3).sum()
    (g,) = ag.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.data, 3 * x.data ** 2)
    assert x.grad is None
    v = np.array([1.0, 2.0, -1.0])
    (hv,) = ag.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv.data, 6 * x.data * v)


# ----- errors for bad backward calls -------------------------------------------------------
def test_non_scalar_backward_needs_a_gradient():
    y = leaf([1.0, 2.0, 3.0]) * 2
    with pytest.raises(RuntimeError, match=r"scalar.*\(3,\)"):
        y.backward()


def test_backward_with_a_wrong_shaped_gradient_raises():
    y = leaf([1.0, 2.0, 3.0]) * 2
    with pytest.raises(RuntimeError, match=r"\(4,\).*\(3,\)"):
        y.backward(np.ones(4))


def test_backward_of_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).sum().backward()


def test_hook_returning_a_wrong_shape_raises():
    x = leaf([1.0, 2.0, 3.0])
    y = x * 2
    y.register_hook(lambda g: ag.ones((5,), dtype=np.float64))
    with pytest.raises(RuntimeError, match=r"hook.*\(5,\).*\(3,\)"):
        y.sum().backward()


def test_backward_returning_a_wrong_shape_names_the_op():
    class WrongShape(ag.Function):
        register = False  # a deliberately broken op must not join the registry

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return np.ones(7)

    with pytest.raises(RuntimeError, match=r"wrong_shape.*\(7,\).*\(3,\)"):
        WrongShape.apply(leaf([1.0, 2.0, 3.0])).sum().backward()


# ----- hooks and retain_grad --------------------------------------------------------------
def test_hooks_see_and_replace_gradients():
    x = leaf([1.0, 2.0])
    seen = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    handle = x.register_hook(lambda g: g * 10)
    y = x * 3
    y.register_hook(lambda g: g + 1)  # on a non-leaf: changes what flows further back
    y.sum().backward()
    np.testing.assert_allclose(seen[0], [6.0, 6.0])
    np.testing.assert_allclose(x.grad.data, [60.0, 60.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


@pytest.mark.parametrize("on", ["leaf", "op"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_a_hook_changing_the_gradient_dtype_is_refused(on, create_graph):
    x = leaf([1.0, 2.0])  # float64
    y = x * 3
    (x if on == "leaf" else y).register_hook(lambda g: ag.tensor(g.data, dtype=np.float32))
    with pytest.raises(RuntimeError, match="returned a gradient of dtype float32; expected float64"):
        y.sum().backward(create_graph=create_graph)
    assert x.grad is None


def test_a_refused_leaf_gradient_leaves_every_grad_as_it_was():
    a, b, c = leaf([1.0, 2.0]), leaf([3.0, 4.0]), leaf([5.0, 6.0])

    def loss():
        return (a * b * c).sum()

    loss().backward()
    before = [t.grad.data.copy() for t in (a, b, c)]
    b.data = np.array([[3.0, 4.0]])  # a new shape: the kept .grad of shape (2,) no longer fits
    with pytest.raises(RuntimeError, match=r"cannot add a gradient of shape \(1, 2\) to the .grad of shape \(2,\)"):
        loss().backward()
    for t, kept in zip((a, b, c), before):
        np.testing.assert_array_equal(t.grad.data, kept)
    b.data = np.array([3.0, 4.0])
    c.register_hook(lambda g: g.data.astype(np.float32))  # refused: another dtype
    with pytest.raises(RuntimeError, match="dtype float32"):
        loss().backward()
    for t, kept in zip((a, b, c), before):
        np.testing.assert_array_equal(t.grad.data, kept)


def test_retain_grad_keeps_non_leaf_gradients():
    x = leaf([1.0, 2.0])
    hidden, other = x * 2, x * 3
    hidden.retain_grad()
    (hidden * other).sum().backward()
    np.testing.assert_allclose(hidden.grad.data, other.data)
    assert other.grad is None


# ----- a leaf's .grad owns its memory ---------------------------------------------------------
def _held_by_hook(kind, x):
    """y = x + 0 (whose backward passes its gradient through unchanged) with a retained gradient or a
    hook that keeps the gradient it sees; returns y and a function giving the gradient held."""
    y = x + 0.0
    if kind == "retain_grad":
        y.retain_grad()
        return y, lambda: y.grad
    kept = []
    target = y if kind == "hook on the op's output" else x
    target.register_hook(kept.append)
    return y, lambda: kept[0]


@pytest.mark.parametrize("kind", ["retain_grad", "hook on the op's output", "hook on the leaf"])
def test_a_leaf_gradient_never_shares_memory_with_a_gradient_a_hook_kept(kind):
    # a leaf's .grad is changed in place (zero_grad(set_to_none=False), clip_grad_norm_, zero_()); a
    # gradient the program kept through retain_grad or a hook must not change with it, as in PyTorch
    x = leaf([1.0, 2.0, 3.0])
    y, held = _held_by_hook(kind, x)
    (y * 2).sum().backward()
    assert not np.shares_memory(x.grad.data, held().data)
    x.grad.zero_()
    np.testing.assert_array_equal(held().data, [2.0, 2.0, 2.0])


def test_two_leaves_given_one_gradient_array_get_separate_buffers():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).backward(np.array([1.0, 1.0]))  # add's backward returns the same array for both inputs
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0])


def test_under_create_graph_a_leaf_gradient_is_a_differentiable_copy_of_its_own():
    x, a, b = leaf([1.0, 2.0, 3.0]), leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y = x + 0.0
    y.retain_grad()
    seed = ag.tensor(np.array([1.0, 1.0, 1.0]))
    y.backward(seed, create_graph=True)  # the caller's seed, y.grad and x.grad would all be one Tensor
    (a + b).backward(ag.tensor(np.array([1.0, 1.0])), create_graph=True)
    for first, second in ((x.grad, y.grad), (x.grad, seed), (a.grad, b.grad)):
        assert first is not second and not np.shares_memory(first.data, second.data)
    with ag.no_grad():
        x.grad.zero_()
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0, 1.0])
    x2 = leaf([1.0, 2.0])
    (x2 * x2).sum().backward(create_graph=True)
    (second_order,) = ag.grad(x2.grad.sum(), x2)  # the copy passes second-order gradients on
    np.testing.assert_allclose(second_order.data, [2.0, 2.0])


def test_a_transposed_gradient_held_by_a_hook_is_copied_into_the_leaf():
    w = leaf(np.arange(6.0).reshape(2, 3))
    kept = []
    wt = w.T
    wt.register_hook(kept.append)
    (wt * 1.0).sum().backward()  # transpose's backward hands w a view of what the hook saw
    assert not np.shares_memory(w.grad.data, kept[0].data)


# ----- grad modes ---------------------------------------------------------------------------
def test_no_grad_and_enable_grad_as_context_managers():
    x = leaf([1.0])
    with ag.no_grad():
        assert not (x * 2).requires_grad
        with ag.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_no_grad_and_enable_grad_as_decorators():
    x = leaf([1.0])

    @ag.no_grad()
    def frozen(t):
        return t * 2

    @ag.enable_grad()
    def tracked(t):
        return t * 2

    assert not frozen(x).requires_grad
    with ag.no_grad():
        assert tracked(x).requires_grad
    assert ag.is_grad_enabled()


def test_grad_mode_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError), ag.no_grad():
        raise ZeroDivisionError
    assert ag.is_grad_enabled()


def test_grad_mode_is_thread_local():
    x = leaf([1.0])
    seen = {}

    def worker():
        seen["other thread records"] = (x * 2).requires_grad
        with ag.no_grad():
            seen["inside its own no_grad"] = (x * 2).requires_grad

    with ag.no_grad():
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert not (x * 2).requires_grad
    assert seen == {"other thread records": True, "inside its own no_grad": False}
    assert (x * 2).requires_grad


# ----- dtype rules ------------------------------------------------------------------------
def test_default_dtype_is_float32_and_arrays_keep_theirs():
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor(np.ones(2)).dtype == np.float64
    assert ag.zeros(3).dtype == np.float32
    ag.set_default_dtype(np.float64)
    try:
        assert ag.tensor([1.0]).dtype == np.float64
    finally:
        ag.set_default_dtype(np.float32)
    with pytest.raises(TypeError):
        ag.set_default_dtype(np.int32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_python_scalars_adopt_the_tensor_dtype(dtype):
    x = ag.tensor(np.array([1.0, 2.0], dtype=dtype), requires_grad=True)
    results = [x * 2.0, 2.0 * x, x + 1, 1 - x, x / 3.0, 3.0 / x, x ** 2, 2.0 ** x, ag.maximum(x, 0.5),
               ag.where(x.data > 1, x, 0.0), ag.clip(x, 0.5, 1.5)]
    assert [r.dtype for r in results] == [np.dtype(dtype)] * len(results)
    sum(r.sum() for r in results).backward()
    assert x.grad.dtype == dtype


@pytest.mark.parametrize("data", [[1, 2], [True, False], np.arange(3)])
def test_integer_and_bool_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match="floating"):
        ag.tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="floating"):
        ag.tensor(data).requires_grad_()


def test_comparisons_give_bool_tensors_without_gradient():
    x = leaf([1.0, -1.0])
    for result in (x > 0, x <= 0, x == x, (x > 0) & (x < 2), ~(x > 0)):
        assert result.dtype == np.bool_ and not result.requires_grad


# ----- anomaly detection ------------------------------------------------------------------
def test_detect_anomaly_names_the_forward_op_and_the_user_line():
    x = leaf([1.0, -1.0])
    with ag.detect_anomaly(), np.errstate(invalid="ignore"):
        with pytest.raises(FloatingPointError) as info:
            ag.log(x)  # the line the report must point at
    message = str(info.value)
    assert "forward of log" in message and "NaN" in message
    assert __file__ in message and "ag.log(x)  # the line the report must point at" in message


def test_detect_anomaly_names_the_backward_op_and_where_it_was_created():
    x = leaf([0.0, 4.0])
    with ag.detect_anomaly(), np.errstate(divide="ignore"):
        root = ag.sqrt(x)  # created here
        with pytest.raises(FloatingPointError) as info:
            root.sum().backward()
    message = str(info.value)
    assert "backward of sqrt" in message and "Inf" in message
    assert "root = ag.sqrt(x)  # created here" in message


def test_without_detect_anomaly_nan_passes_silently():
    with np.errstate(invalid="ignore"):
        assert np.isnan(ag.log(leaf([-1.0])).data).all()


# ----- bad shapes and axes name the op and the shapes --------------------------------------
@pytest.mark.parametrize("call, pieces", [
    (lambda: ag.matmul(ag.ones((3, 4)), ag.ones((5, 6))), ["matmul", "(3, 4)", "(5, 6)"]),
    (lambda: ag.ones((2, 3)) + ag.ones((4,)), ["add", "(2, 3)", "(4,)"]),
    (lambda: ag.ones((2, 3)) * ag.ones((3, 2)), ["mul", "(2, 3)", "(3, 2)"]),
    (lambda: ag.reshape(ag.ones((2, 3)), (4, 2)), ["reshape", "(2, 3)"]),
    (lambda: ag.concatenate([ag.ones((2, 3)), ag.ones((2, 4))], axis=0), ["concatenate", "(2, 3)", "(2, 4)"]),
    (lambda: ag.einsum("ij,jk->ik", ag.ones((2, 3)), ag.ones((4, 5))), ["einsum", "(2, 3)", "(4, 5)"]),
    (lambda: ag.broadcast_to(ag.ones((3,)), (2, 4)), ["broadcast_to", "(3,)"]),
])
def test_shape_errors_name_the_op_and_the_shapes(call, pieces):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert all(piece in message for piece in pieces), message
    assert not message.startswith(f"{pieces[0]}: {pieces[0]}:")  # the op is named once


@pytest.mark.parametrize("call, op", [
    (lambda x: x.sum(axis=2), "sum"), (lambda x: x.mean(axis=-3), "mean"), (lambda x: x.max(axis=5), "max"),
    (lambda x: x.var(axis=(0, 2)), "var"), (lambda x: x.logsumexp(axis=2), "logsumexp"),
    (lambda x: ag.concatenate([x, x], axis=2), "concatenate"), (lambda x: ag.squeeze(x, 3), "squeeze"),
])
def test_axis_out_of_range_names_the_op_axis_and_shape(call, op):
    with pytest.raises(ValueError) as info:
        call(ag.ones((2, 3)))
    message = str(info.value)
    assert op in message and "out of range" in message and "(2, 3)" in message, message


def test_squeeze_of_a_non_unit_axis_names_the_size():
    with pytest.raises(ValueError, match=r"squeeze.*size 3"):
        ag.squeeze(ag.ones((2, 3)), 1)


def test_getitem_out_of_bounds_names_the_op():
    with pytest.raises(IndexError, match=r"getitem.*\(2, 3\)"):
        ag.ones((2, 3))[5]


def test_grad_runs_only_the_nodes_that_lead_to_its_inputs():
    calls = []

    class Counted(ag.Function):
        register = False  # a probe, not an op of the library

        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad * 2

    a = ag.tensor([1.0, 2.0], requires_grad=True)
    hidden = Counted.apply(a)  # below the requested input: its backward must not run
    y = hidden * 3
    (g,) = ag.grad((y * y).sum(), [y], retain_graph=True)
    np.testing.assert_allclose(g.data, 2 * y.data)
    assert calls == []
    (g,) = ag.grad((y * y).sum(), [a])  # now the probe lies on the path
    assert calls == [1]
    np.testing.assert_allclose(g.data, 2 * y.data * 3 * 2)
