"""Version counters and copy semantics: a saved tensor changed in place before backward is an error,
never a silently wrong gradient; `tensor` copies, `as_tensor`/`from_numpy` share."""
import numpy as np
import pytest

import autograd as ag
import nn
from nn import optim


def leaf(values, dtype=np.float64):
    return ag.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def tanh_net():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.Tanh())
    x = ag.tensor(rng.standard_normal((5, 3)).astype(np.float32), requires_grad=True)
    return model, x


# ----- the counter ------------------------------------------------------------------------
def test_every_in_place_change_made_through_gradsight_bumps_the_version():
    t = ag.tensor(np.zeros(3))
    assert t._version == 0
    t += 1
    t -= 1
    t *= 2
    t /= 2
    assert t._version == 4
    t.zero_()
    t.fill_(3.0)
    t.copy_(np.arange(3.0))
    assert t._version == 7 and t.data.tolist() == [0.0, 1.0, 2.0]


def test_optimizer_steps_and_load_state_dict_bump_the_version():
    model = nn.Linear(2, 2)
    for optimizer_class in (optim.SGD, optim.Adam, optim.RMSprop, optim.Adagrad):
        optimizer = optimizer_class(model.parameters(), lr=0.1)
        before = model.weight._version
        model.weight.grad = ag.tensor(np.ones((2, 2), np.float32))
        optimizer.step()
        assert model.weight._version > before, optimizer_class.__name__
    before = model.bias._version
    model.load_state_dict(model.state_dict())
    assert model.bias._version == before + 1


def test_detach_and_views_share_the_counter():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    detached, view = x.detach(), x.T
    with ag.no_grad():
        detached += 1
    assert x._version == view._version == 1
    with ag.no_grad():
        x.T.reshape(4)  # no in-place change: versions stay
    assert x._version == 1


def test_a_new_result_gets_its_own_counter():
    x = leaf([1.0, 2.0])
    y = x * 2
    with ag.no_grad():
        y += 1
    assert y._version == 1 and x._version == 0


# ----- backward refuses changed saved tensors ---------------------------------------------
def test_optimizer_step_between_forward_and_backward_raises():
    model, x = tanh_net()
    optimizer = optim.SGD(model.parameters(), lr=0.5)
    loss = (model(x) ** 2).mean()
    loss.backward(retain_graph=True)
    optimizer.step()
    expected = r"backward of 'linear_stack'.*its input 1, shape \(4, 3\).*in-place"  # the first layer's weight
    with pytest.raises(RuntimeError, match=expected) as caught:
        loss.backward()
    message = str(caught.value)
    assert "detect_anomaly" in message and "optimizer.step() after loss.backward()" in message


def test_anomaly_mode_names_the_line_that_created_the_op():
    w = leaf([[1.0, 2.0], [3.0, 4.0]])
    x = ag.tensor(np.ones((3, 2)))
    with ag.detect_anomaly():
        y = ag.tanh(x @ w).sum()
    with ag.no_grad():
        w -= 1
    with pytest.raises(RuntimeError, match=r"created at\s+\S*test_versions.py:\d+"):
        y.backward()


def test_a_change_through_a_view_is_caught():
    w = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = (ag.tensor(np.ones((3, 2))) @ w.T).sum()  # matmul saved the view w.T
    with ag.no_grad():
        w *= 2
    with pytest.raises(RuntimeError, match="matmul"):
        y.backward()


def test_a_changed_input_that_needs_no_grad_is_caught():
    x = ag.tensor(np.ones((3, 2)))
    w = leaf([[1.0], [2.0]])
    y = (x @ w).sum()  # w's gradient is x.T @ grad: x was saved
    x += 5
    with pytest.raises(RuntimeError, match=r"shape \(3, 2\)"):
        y.backward()


def test_a_changed_saved_output_is_caught():
    x = leaf([0.1, 0.2])
    y = ag.tanh(x)  # tanh saves its output: d tanh = 1 - y**2
    with ag.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="'tanh'.*its output"):
        y.sum().backward()


def test_a_changed_input_that_backward_does_not_use_is_fine():
    x = leaf([0.1, 0.2])
    y = ag.exp(x)  # exp saves only its output
    expected = np.exp(x.data)
    with ag.no_grad():
        x += 1
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, expected)


def test_bump_version_after_a_deliberate_data_write_makes_it_checked():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    x.data[0] = 5.0  # the escape hatch: not counted by itself...
    x._bump_version()  # ...until the writer says so
    with pytest.raises(RuntimeError, match="'mul'"):
        y.backward()


def test_no_check_is_left_after_the_graph_was_freed():
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    with ag.no_grad():
        x -= 0.1 * x.grad  # the usual update after backward
    np.testing.assert_allclose(x.data, [0.8, 1.6])


# ----- copy semantics ---------------------------------------------------------------------
def test_tensor_copies_its_data():
    array = np.ones(3)
    for t in (ag.tensor(array), ag.Tensor(array), ag.tensor(array[:2]), nn.Parameter(array)):
        array[0] = 7.0
        assert t.data[0] == 1.0
        array[0] = 1.0


def test_changing_the_source_array_after_the_forward_does_not_change_the_gradient():
    w_np = np.array([1.0, 2.0])
    w = ag.tensor(w_np, requires_grad=True)
    y = (w * w).sum()
    w_np[:] = 100.0
    y.backward()
    np.testing.assert_allclose(w.grad.data, [2.0, 4.0])


def test_as_tensor_and_from_numpy_share_memory():
    array = np.ones(3, np.float32)
    shared, from_numpy = ag.as_tensor(array), ag.from_numpy(array)
    array[0] = 7.0
    assert shared.data[0] == from_numpy.data[0] == 7.0
    assert shared.dtype == np.float32
    t = ag.tensor([1.0, 2.0])
    assert ag.as_tensor(t) is t
    assert ag.as_tensor(t, dtype="float64").dtype == np.float64
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray"):
        ag.from_numpy([1.0, 2.0])


def test_vector_to_parameters_between_forward_and_backward_is_refused():
    import nn
    from nn.utils import parameters_to_vector, vector_to_parameters

    layer = nn.Linear(3, 2)
    loss = layer(ag.tensor(np.ones((4, 3), np.float32))).tanh().sum()
    vector_to_parameters(parameters_to_vector(layer.parameters()) * 2, layer.parameters())
    with pytest.raises(RuntimeError, match="in-place"):
        loss.backward()


def test_batch_norm_training_step_bumps_the_running_statistics_versions():
    layer = nn.BatchNorm1d(3)
    before = (layer.running_mean._version, layer.running_var._version, layer.num_batches_tracked._version)
    layer(ag.tensor(np.random.default_rng(0).normal(size=(8, 3))))
    after = (layer.running_mean._version, layer.running_var._version, layer.num_batches_tracked._version)
    assert all(b < a for b, a in zip(before, after))
    layer.eval()
    layer(ag.tensor(np.ones((2, 3))))
    assert (layer.running_mean._version, layer.running_var._version) == after[:2]  # eval reads, never writes
