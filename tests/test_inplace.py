"""In-place operators and the checks on the engine's public surface: `.grad` assignment,
`autograd.grad`'s grad_outputs, complex tensors, unreducible custom gradients, PyTorch's names."""
import numpy as np
import pytest

import autograd as ag
import nn


def leaf(values, dtype=np.float64):
    return ag.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


# ----- in-place operators -----------------------------------------------------------------
def test_update_under_no_grad_trains_the_model():
    model = nn.Linear(3, 1)
    x = ag.tensor(np.ones((4, 3), np.float32))
    before = model.weight.data.copy()
    (model(x) ** 2).mean().backward()
    with ag.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    np.testing.assert_allclose(model.weight.data, before - 0.1 * model.weight.grad.data, rtol=1e-6)


def test_update_outside_no_grad_raises_and_changes_nothing():
    model = nn.Linear(3, 1)
    (model(ag.tensor(np.ones((4, 3), np.float32))) ** 2).mean().backward()
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(RuntimeError, match=r"-=: in-place change of a leaf tensor that requires grad.*no_grad"):
        for p in model.parameters():
            p -= 0.1 * p.grad
    for p, old in zip(model.parameters(), before):
        np.testing.assert_array_equal(p.data, old)


def test_in_place_on_a_graph_tensor_raises():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match="a tensor in the graph"):
        y += 1


def test_in_place_on_a_plain_tensor_acts_in_place():
    t = ag.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    alias = t
    t += ag.tensor(np.array([1.0, 1.0]))  # broadcasting into the tensor's shape is fine
    t *= 2
    t /= 4
    t @= np.eye(2) * 2
    assert t is alias
    np.testing.assert_allclose(t.data, [[2.0, 3.0], [4.0, 5.0]])


def test_an_operand_that_requires_grad_is_refused():
    t = ag.tensor(np.zeros(2))
    with pytest.raises(RuntimeError, match="operand.*requires grad"):
        t += leaf([1.0, 2.0])


def test_in_place_cannot_change_shape_or_dtype():
    t = ag.tensor(np.zeros(3))
    with pytest.raises(ValueError, match=r"\+=.*shape \(2, 3\).*shape \(3,\)"):
        t += np.ones((2, 3))
    integers = ag.tensor(np.array([1, 2, 3]))
    with pytest.raises(TypeError, match="/=.*dtype float64.*dtype int64"):
        integers /= 2
    assert t._version == 0 and integers.data.tolist() == [1, 2, 3]


def test_a_read_only_tensor_is_refused():
    array = np.zeros(3)
    array.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        ag.from_numpy(array).fill_(1.0)


def test_zero_fill_copy_follow_the_same_rule():
    p = leaf([1.0, 2.0])
    for change in (lambda: p.zero_(), lambda: p.fill_(1.0), lambda: p.copy_(np.ones(2))):
        with pytest.raises(RuntimeError, match="no_grad"):
            change()
    with ag.no_grad():
        p.copy_(np.array([3.0, 4.0]))
    assert p.data.tolist() == [3.0, 4.0] and p._version == 1


# ----- .grad assignment --------------------------------------------------------------------
def test_grad_assignment_checks_shape_and_dtype():
    w = leaf(np.zeros((2, 3)), dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*shape \(2, 3\)"):
        w.grad = ag.tensor(np.ones(3, np.float32))
    with pytest.raises(RuntimeError, match="dtype float64.*dtype float32"):
        w.grad = ag.tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match="assign a Tensor or None"):
        w.grad = np.ones((2, 3), np.float32)
    w.grad = ag.tensor(np.ones((2, 3), np.float32))
    w.grad = None
    assert w.grad is None


# ----- autograd.grad -----------------------------------------------------------------------
def test_grad_outputs_must_match_the_outputs():
    x = leaf([1.0, 2.0])
    y1, y2 = x * 2, x * 3
    with pytest.raises(ValueError, match="1 grad_outputs for 2 outputs"):
        ag.grad([y1, y2], [x], grad_outputs=[np.ones(2)])
    with pytest.raises(ValueError, match="3 grad_outputs for 2 outputs"):
        ag.grad([y1, y2], [x], grad_outputs=[np.ones(2)] * 3)
    (both,) = ag.grad([y1, y2], [x], grad_outputs=[np.ones(2), np.ones(2)])
    np.testing.assert_allclose(both.data, [5.0, 5.0])


def test_a_single_array_is_one_grad_output():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    (g,) = ag.grad(x * 2, x, grad_outputs=np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_allclose(g.data, [[2.0, 0.0], [0.0, 2.0]])


# ----- complex, custom ops, PyTorch's names ---------------------------------------------------
def test_complex_tensors_cannot_require_grad():
    with pytest.raises(TypeError, match="complex128.*does not differentiate complex"):
        ag.tensor(np.zeros(2, complex), requires_grad=True)
    with pytest.raises(TypeError, match="mul: the result is complex"):
        leaf([1.0, 2.0]) * 1j
    assert (ag.tensor([1.0, 2.0]) * 1j).dtype.kind == "c"  # without a gradient, complex values are fine


class BadGradient(ag.Function):
    register = False

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return np.ones(3)  # wrong: the input has shape (2, 2)


def test_unreducible_custom_gradient_names_the_op_and_both_shapes():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match=r"backward of 'bad_gradient'.*shape \(3,\).*shape \(2, 2\)"):
        BadGradient.apply(x).sum().backward()
    y = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"'bad_gradient'.*shape \(3,\).*shape \(2,\)"):
        BadGradient.apply(y).sum().backward()


def test_pytorch_keyword_names_get_numpy_names_in_the_error():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    for call, expected in ((lambda: x.mean(dim=1), "axis= instead of PyTorch's dim="),
                           (lambda: x.sum(axis=1, keepdim=True), "keepdims= instead of PyTorch's keepdim="),
                           (lambda: x.flatten(start_dim=1), "start_axis= instead"),
                           (lambda: x.size(), "use `.shape`")):
        with pytest.raises(TypeError, match=expected):
            call()
    assert x.size == 4 and x.sum(axis=1, keepdims=True).shape == (2, 1)
