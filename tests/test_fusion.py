"""nn.Sequential runs Linear layers in a row (each with or without ReLU/Tanh/Sigmoid) as one fused op,
and a lone Linear + activation pair as another: the same numbers, bit for bit, and nothing a user can
observe changes (hooks, anomaly mode, errors, traces, second order, in-place checks)."""
import numpy as np
import pytest

import autograd as ag
import nn
import viz

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def make_model(activation, bias=True, dtype=np.float32, seed=0, structure="stack"):
    """Three Linear layers, the first two with `activation`: one fused stack, or (with a
    run-breaking Dropout(0) after each activation) two fused pairs and a lone Linear."""
    rng = np.random.default_rng(seed)
    act = ACTIVATIONS[activation]
    breaks = [nn.Dropout(0.0)] if structure == "pairs" else []
    return nn.Sequential(nn.Linear(5, 4, bias=bias, dtype=dtype, generator=rng), act(), *breaks,
                         nn.Linear(4, 3, bias=bias, dtype=dtype, generator=rng), act(), *breaks,
                         nn.Linear(3, 2, dtype=dtype, generator=rng))


def fused_names(activation, structure):
    if structure == "stack":
        return ["linear_stack", "mul", "sum"]
    return [f"linear_{activation}"] * 2 + ["linear", "mul", "sum"]


def step(model, x, fuse, create_graph=False):
    model.fuse = fuse
    model.zero_grad()
    out = model(x)
    loss = (out * out).sum()
    names = [node.name for node in ag.topological_order(loss.grad_fn)]
    grads = ag.grad(loss, list(model.parameters()), create_graph=create_graph)
    return out, grads, names


@pytest.mark.parametrize("structure", ["stack", "pairs"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch_shape", [(6,), (2, 3), ()])
def test_fused_layers_give_bitwise_the_same_values_and_gradients(structure, activation, bias, dtype, batch_shape):
    model = make_model(activation, bias, dtype, structure=structure)
    x = ag.tensor(np.random.default_rng(1).normal(size=batch_shape + (5,)).astype(dtype))
    fused_out, fused_grads, names = step(model, x, fuse=True)
    plain_out, plain_grads, plain_names = step(model, x, fuse=False)
    assert names == fused_names(activation, structure)
    assert plain_names == ["linear", activation] * 2 + ["linear", "mul", "sum"]
    np.testing.assert_array_equal(fused_out.data, plain_out.data)
    for fused, plain in zip(fused_grads, plain_grads):
        assert fused.dtype == plain.dtype
        np.testing.assert_array_equal(fused.data, plain.data)


def test_relu_at_a_zero_pre_activation_takes_the_relu_subgradient():
    linear = nn.Linear(2, 2)
    linear.weight.data[...] = [[1.0, -1.0], [1.0, 1.0]]
    linear.bias.data[...] = 0.0
    model = nn.Sequential(linear, nn.ReLU())
    x = ag.tensor(np.array([[1.0, 1.0]], np.float32), requires_grad=True)  # first unit's input is exactly 0
    model(x).sum().backward()
    assert model(x).grad_fn.name == "linear_relu"
    np.testing.assert_array_equal(x.grad.data, [[1.0, 1.0]])  # relu'(0) = 0: only the second unit passes
    np.testing.assert_array_equal(linear.bias.grad.data, [0.0, 1.0])


@pytest.mark.parametrize("structure", ["stack", "pairs"])
def test_second_order_through_fused_layers_matches_the_unfused_layers(structure):
    model = make_model("tanh", dtype=np.float64, structure=structure)
    x = ag.tensor(np.random.default_rng(2).normal(size=(4, 5)))
    penalties = []
    for fuse in (True, False):
        _, grads, _ = step(model, x, fuse, create_graph=True)
        penalty = sum((g * g).sum() for g in grads)
        penalties.append([g.data for g in ag.grad(penalty, list(model.parameters()))])
    for fused, plain in zip(*penalties):
        np.testing.assert_allclose(fused, plain, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("hooked, expected", [
    (0, ["linear", "relu", "linear_stack"]),  # a hooked layer runs alone; the layers around it still fuse
    (1, ["linear", "relu", "linear_stack"]),
    (2, ["linear_relu", "linear", "relu", "linear"]),
    (3, ["linear_stack", "relu", "linear"]),
    (4, ["linear_stack", "linear"]),
])
def test_a_forward_hook_on_a_layer_runs_that_layer_on_its_own(hooked, expected):
    model = make_model("relu")
    seen = []
    model[hooked].register_forward_hook(lambda module, inputs, output: seen.append(output.shape))
    out = model(ag.tensor(np.ones((3, 5), np.float32)))
    assert [node.name for node in ag.topological_order(out.grad_fn)] == expected
    assert seen == [out.shape if hooked == 4 else (3, 4 if hooked < 2 else 3)]


def test_anomaly_mode_and_fuse_false_run_every_layer_on_its_own():
    model = make_model("sigmoid")
    x = ag.tensor(np.ones((3, 5), np.float32))
    assert model(x).grad_fn.name == "linear_stack"
    with ag.detect_anomaly():
        assert model(x).grad_fn.name == "linear" and model(x).grad_fn.parents[0].name == "sigmoid"
    model.fuse = False
    assert model(x).grad_fn.parents[0].name == "sigmoid"


def test_a_linear_subclass_with_its_own_forward_is_not_fused():
    class Doubled(nn.Linear):
        def forward(self, x):
            return super().forward(x) * 2.0

    model = nn.Sequential(Doubled(3, 3), nn.Tanh())
    assert model(ag.tensor(np.ones((1, 3), np.float32))).grad_fn.name == "tanh"


@pytest.mark.parametrize("structure", ["stack", "pairs"])
def test_a_shape_error_in_fused_layers_names_the_linear_layer(structure):
    model = make_model("tanh", structure=structure)
    with pytest.raises(ValueError, match=r"^0 \(Linear\): .*input of shape \(2, 7\) does not fit weight"):
        model(ag.tensor(np.ones((2, 7), np.float32)))
    layer = 3 if structure == "pairs" else 2
    model[layer].weight = nn.Parameter(np.ones((3, 6), np.float32))  # no longer fits the layer before
    with pytest.raises(ValueError, match=rf"^{layer} \(Linear\): .*input of shape \(2, 4\) does not fit weight"):
        model(ag.tensor(np.ones((2, 5), np.float32)))


@pytest.mark.parametrize("structure", ["stack", "pairs"])
@pytest.mark.parametrize("gradients", ["hook", "compute"])
def test_a_trace_shows_fused_layers_as_their_ops(gradients, structure):
    model = make_model("tanh", structure=structure)
    x = ag.tensor(np.random.default_rng(3).normal(size=(4, 5)).astype(np.float32))
    summaries = []
    for fuse in (True, False):
        model.fuse = fuse
        model.zero_grad()
        loss = (model(x) ** 2).mean()
        traced = viz.trace(loss, model=model, gradients=gradients)
        if gradients == "hook":
            loss.backward()
            traced.update()
        summaries.append([(n.name, n.shape, n.module, n.value and round(n.value.mean, 6),
                           n.grad and round(n.grad.rms, 6), n.activation and n.activation.saturated_fraction)
                          for n in traced.nodes])
    assert summaries[0] == summaries[1]
    assert [name for name, *_ in summaries[0]].count("tanh") == 2
    assert all(grad is not None for name, _, _, _, grad, _ in summaries[0] if name in ("linear", "tanh"))


def test_a_monitor_sees_every_layer_of_a_fusable_model():
    model = make_model("relu")
    monitor = viz.Monitor(model)
    loss = (model(ag.tensor(np.ones((3, 5), np.float32))) ** 2).sum()
    loss.backward()
    monitor.step(loss)
    layers = monitor.record().layers
    assert [layer.name for layer in layers] == ["0", "1", "2", "3", "4"]
    assert layers[1].kind == "ReLU" and layers[1].activation is not None and layers[1].output_grad is not None


def test_the_cached_fusion_plan_follows_hooks_forward_overrides_and_new_layers():
    model = make_model("tanh")
    x = ag.tensor(np.ones((2, 5), np.float32))

    def names():
        return [node.name for node in ag.topological_order(model(x).grad_fn)][:2]

    assert names() == ["linear_stack"]  # the plan is made and cached here
    handle = model[1].register_forward_hook(lambda module, inputs, output: None)
    assert names() == ["linear", "tanh"]
    handle.remove()
    assert names() == ["linear_stack"]
    model[0].forward = lambda inputs: nn.functional.linear(inputs, model[0].weight, model[0].bias)
    assert names() == ["linear", "tanh"]
    del model[0].forward
    assert names() == ["linear_stack"]
    model.append(nn.Tanh())  # the last Linear now has an activation after it
    assert model(x).grad_fn.name == "linear_stack"
    assert model(x).grad_fn.params["layers"] == (("tanh", True),) * 3


def test_a_stack_with_a_frozen_first_layer_and_layers_without_bias_or_activation():
    rng = np.random.default_rng(4)
    model = nn.Sequential(nn.Linear(5, 4, generator=rng), nn.Sigmoid(), nn.Linear(4, 4, bias=False, generator=rng),
                          nn.Linear(4, 3, generator=rng), nn.ReLU(), nn.Linear(3, 2, bias=False, generator=rng))
    model[0].weight.requires_grad_(False)
    model[0].bias.requires_grad_(False)
    x = ag.tensor(rng.normal(size=(6, 5)).astype(np.float32))
    trained = [p for p in model.parameters() if p.requires_grad]
    results = []
    for fuse in (True, False):
        model.fuse = fuse
        out = model(x)
        results.append((out, ag.grad((out * out).sum(), trained)))
    (fused_out, fused_grads), (plain_out, plain_grads) = results
    assert fused_out.grad_fn.params["layers"] == (("sigmoid", True), (None, False), ("relu", True), (None, False))
    np.testing.assert_array_equal(fused_out.data, plain_out.data)
    for fused, plain in zip(fused_grads, plain_grads):
        np.testing.assert_array_equal(fused.data, plain.data)


def test_a_stack_refuses_a_backward_after_its_weights_changed_in_place():
    model = make_model("relu")
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    loss = (model(ag.tensor(np.ones((2, 5), np.float32))) ** 2).sum()
    loss.backward(retain_graph=True)
    optimizer.step()  # changes the weights the stack saved
    with pytest.raises(RuntimeError, match="backward of 'linear_stack'.*changed by an in-place operation"):
        loss.backward()


def test_linear_stack_refuses_mismatched_layer_lists():
    x, weight = ag.tensor(np.ones((2, 3), np.float32)), ag.tensor(np.ones((3, 3), np.float32))
    with pytest.raises(ValueError, match="linear_stack: expected as many biases and activations as weights"):
        nn.functional.linear_stack(x, [weight, weight], [None], ["relu", None])
    with pytest.raises(ValueError, match="linear_stack: an activation must be one of"):
        nn.functional.linear_stack(x, [weight], [None], ["gelu"])


def test_a_stack_that_uses_one_linear_twice_sums_both_uses_into_its_gradient():
    rng = np.random.default_rng(5)
    shared = nn.Linear(4, 4, dtype=np.float64, generator=rng)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    x = ag.tensor(rng.normal(size=(3, 4)))
    fused_out, fused_grads, names = step(model, x, fuse=True)
    plain_out, plain_grads, _ = step(model, x, fuse=False)
    assert names[0] == "linear_stack" and len(fused_out.grad_fn.parents) == 5  # x, then (weight, bias) twice
    np.testing.assert_array_equal(fused_out.data, plain_out.data)
    for fused, plain in zip(fused_grads, plain_grads):  # the two uses may be summed in the other order
        np.testing.assert_allclose(fused.data, plain.data, rtol=1e-13, atol=1e-15)
