"""Module mechanics: parameter discovery, modes, hooks, repr, state dicts and checkpoints."""
import os
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn

TORCH_CHECKPOINT = os.path.join(os.path.dirname(__file__), "data", "torch_mlp_checkpoint.npz")


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 8), nn.BatchNorm1d(8), nn.ReLU())
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.layers(x))


def batch(n=6, features=4, seed=0):
    return autograd.tensor(np.random.default_rng(seed).normal(size=(n, features)).astype(np.float32))


def snapshot(model):
    return {name: value.copy() for name, value in model.state_dict().items()}


def assert_same_state(a: dict, b: dict):
    assert list(a) == list(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
        assert a[key].dtype == b[key].dtype


# ----- discovery ------------------------------------------------------------------------------
def test_named_parameters_have_dotted_paths_in_attribute_order():
    names = [name for name, _ in MLP().named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
                     "layers.3.weight", "layers.3.bias", "head.weight", "head.bias"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in MLP().parameters())


def test_children_and_modules_walk_the_tree_depth_first():
    model = MLP()
    assert [name for name, _ in model.named_children()] == ["layers", "head"]
    assert [name for name, _ in model.named_modules()] == [
        "", "layers", "layers.0", "layers.1", "layers.2", "layers.3", "layers.4", "head"]
    assert list(model.modules())[0] is model
    assert list(model.children())[1] is model.head


def test_lists_of_modules_and_parameters_are_found():
    class Plain(nn.Module):
        def __init__(self):
            super().__init__()
            self.blocks = [nn.Linear(2, 2), nn.Linear(2, 1)]
            self.scales = [nn.Parameter(np.ones(1)), nn.Parameter(np.ones(1))]
            self.hidden = nn.ModuleList([nn.Linear(1, 1)])
            self.not_a_member = [1, 2]

    names = [name for name, _ in Plain().named_parameters()]
    # a module's own parameters come before its children's, as in PyTorch
    assert names == ["scales.0", "scales.1", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
                     "blocks.1.bias", "hidden.0.weight", "hidden.0.bias"]


def test_shared_parameters_are_counted_once_but_saved_under_each_name():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.Tanh(), shared)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # as PyTorch does


def test_a_subclass_that_forgets_super_init_still_works():
    class Forgetful(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 1)

        def forward(self, x):
            return self.fc(x)

    model = Forgetful()
    assert [name for name, _ in model.named_parameters()] == ["fc.weight", "fc.bias"]
    model.eval()
    assert model.training is False and model.fc.training is False
    model.register_forward_hook(lambda module, inputs, output: output * 0)
    assert np.all(model(batch(2, 2)).data == 0)


def test_sequential_indexing_slicing_and_named_layers():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[1], nn.ReLU) and isinstance(model[-1], nn.Linear)
    head = model[1:]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[1] is model[2]
    named = nn.Sequential(OrderedDict(hidden=nn.Linear(2, 3), act=nn.Tanh(), out=nn.Linear(3, 1)))
    assert [name for name, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias", "out.weight",
                                                              "out.bias"]
    assert named.hidden is named[0]
    with pytest.raises(TypeError, match="Module"):
        nn.ModuleList([nn.Linear(1, 1)]).append("not a module")


# ----- modes, gradients, dtype ----------------------------------------------------------------
def test_train_and_eval_reach_every_submodule():
    model = MLP()
    assert model.eval() is model
    assert all(not m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_zero_grad_and_freezing():
    model = MLP()
    model(batch()).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.layers.requires_grad_(False)
    model(batch()).sum().backward()
    assert all(p.grad is None for p in model.layers.parameters())
    assert model.head.weight.grad is not None


def test_to_converts_parameters_and_float_buffers():
    model = MLP().to(np.float64)
    assert all(p.dtype == np.float64 for p in model.parameters())
    assert model.layers[3].running_var.dtype == np.float64
    assert model.layers[3].num_batches_tracked.dtype == np.int64
    assert model(batch().astype(np.float64)).dtype == np.float64


# ----- hooks ----------------------------------------------------------------------------------
def test_forward_hooks_see_and_may_replace_inputs_and_outputs():
    layer = nn.Linear(4, 2)
    seen = []
    handle = layer.register_forward_hook(lambda module, inputs, output: seen.append((module, inputs, output)))
    x = batch()
    out = layer(x)
    assert seen[0][0] is layer and seen[0][1][0] is x and seen[0][2] is out
    handle.remove()
    layer(x)
    assert len(seen) == 1
    pre = layer.register_forward_pre_hook(lambda module, inputs: inputs[0] * 0)
    np.testing.assert_allclose(layer(x).data, np.broadcast_to(layer.bias.data, (6, 2)))
    pre.remove()
    doubled = layer.register_forward_hook(lambda module, inputs, output: output * 2)
    np.testing.assert_allclose(layer(x).data, 2 * out.data, rtol=1e-6)
    doubled.remove()


def test_hooks_run_in_registration_order():
    layer = nn.Identity()
    order = []
    layer.register_forward_pre_hook(lambda m, i: order.append("pre"))
    layer.register_forward_hook(lambda m, i, o: order.append("first"))
    layer.register_forward_hook(lambda m, i, o: order.append("second"))
    layer(batch())
    assert order == ["pre", "first", "second"]


# ----- repr -----------------------------------------------------------------------------------
def test_repr_is_a_tree_like_pytorch():
    assert repr(MLP()) == """MLP(
  (layers): Sequential(
    (0): Linear(in_features=4, out_features=8, bias=True)
    (1): Tanh()
    (2): Linear(in_features=8, out_features=8, bias=True)
    (3): BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
    (4): ReLU()
  )
  (head): Linear(in_features=8, out_features=3, bias=True)
)"""
    assert repr(nn.Parameter(np.zeros(2, np.float32))).startswith("Parameter containing:\ntensor(")


# ----- state dicts ----------------------------------------------------------------------------
def trained(seed=0):
    nn.manual_seed(seed)
    model = MLP()
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(3):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(batch(seed=step)), np.array([0, 1, 2, 0, 1, 2])).backward()
        optimizer.step()
    return model


def test_state_dict_round_trips_exactly():
    source, target = trained(0), trained(1)
    state = source.state_dict()
    assert list(state) == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
                           "layers.3.weight", "layers.3.bias", "layers.3.running_mean", "layers.3.running_var",
                           "layers.3.num_batches_tracked", "head.weight", "head.bias"]
    assert int(state["layers.3.num_batches_tracked"]) == 3
    target.load_state_dict(state)
    assert_same_state(target.state_dict(), state)
    for mode in ("train", "eval"):
        getattr(source, mode)(), getattr(target, mode)()
        np.testing.assert_array_equal(source(batch(seed=9)).data, target(batch(seed=9)).data)


def test_state_dict_is_a_copy():
    model = MLP()
    state = model.state_dict()
    model.head.weight.data += 1
    assert not np.array_equal(state["head.weight"], model.head.weight.data)


def test_load_keeps_parameter_identity():
    model = MLP()
    weight = model.head.weight
    array = weight.data
    model.load_state_dict(trained().state_dict())
    assert model.head.weight is weight and weight.data is array  # optimizers keep working


@pytest.mark.parametrize("damage", ["missing", "unexpected", "shape", "dtype"])
def test_bad_state_dicts_fail_before_anything_changes(damage):
    model = MLP()
    before = snapshot(model)
    state = trained().state_dict()
    if damage == "missing":
        del state["head.bias"]
        message = "missing key.*head.bias"
    elif damage == "unexpected":
        state["head.extra"] = np.zeros(3)
        message = "unexpected key.*head.extra"
    elif damage == "shape":
        state["head.weight"] = np.zeros((8, 3), np.float32)
        message = r"head.weight.*\(8, 3\).*\(3, 8\)"
    else:
        state["layers.3.num_batches_tracked"] = np.array(2.5)
        message = "dtype mismatch.*num_batches_tracked"
    with pytest.raises(RuntimeError, match=message):
        model.load_state_dict(state)
    assert_same_state(model.state_dict(), before)


def test_non_strict_loading_reports_what_it_skipped():
    model = MLP()
    state = trained().state_dict()
    del state["head.bias"]
    state["unknown"] = np.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["head.bias"] and result.unexpected_keys == ["unknown"]
    np.testing.assert_array_equal(model.head.weight.data, state["head.weight"])


# ----- checkpoints on disk --------------------------------------------------------------------
def test_save_and_load_round_trip(tmp_path):
    source, target = trained(0), trained(1)
    path = tmp_path / "model.npz"
    source.save(path)
    target.load(path)
    assert_same_state(target.state_dict(), source.state_dict())
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind


def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    first = trained(0)
    first.save(path)
    original = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        trained(1).save(path)
    assert path.read_bytes() == original
    assert os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.parametrize("damage", ["truncated", "garbage", "flipped", "single_array"])
def test_corrupted_checkpoints_raise_and_leave_the_model_unchanged(tmp_path, damage):
    path = tmp_path / "model.npz"
    trained(0).save(path)
    data = bytearray(path.read_bytes())
    if damage == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif damage == "garbage":
        path.write_bytes(np.random.default_rng(0).bytes(len(data)))
    elif damage == "flipped":
        data[len(data) // 3] ^= 0xFF  # inside an array's bytes: the zip CRC check fails
        path.write_bytes(bytes(data))
    else:
        np.save(path.open("wb"), np.zeros(3))
    model = trained(1)
    before = snapshot(model)
    with pytest.raises(ValueError, match="not a readable .npz checkpoint"):
        model.load(path)
    assert_same_state(model.state_dict(), before)


def test_a_checkpoint_of_another_architecture_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    nn.Sequential(nn.Linear(4, 8), nn.Tanh()).save(path)
    model = MLP()
    before = snapshot(model)
    with pytest.raises(RuntimeError, match="missing key"):
        model.load(path)
    assert_same_state(model.state_dict(), before)
    with pytest.raises(FileNotFoundError):
        model.load(tmp_path / "absent.npz")


# ----- PyTorch compatibility ------------------------------------------------------------------
def torch_like_model():
    return nn.Sequential(nn.Linear(5, 7), nn.BatchNorm1d(7), nn.Tanh(), nn.Linear(7, 6), nn.ReLU(),
                         nn.LayerNorm(6), nn.PReLU(), nn.Linear(6, 3))


def test_a_pytorch_state_dict_loads_as_is_and_gives_pytorchs_outputs():
    fixture = np.load(TORCH_CHECKPOINT)
    state = {key[len("state/"):]: fixture[key] for key in fixture.files if key.startswith("state/")}
    model = torch_like_model()
    assert list(model.state_dict()) == list(state)  # same names, same order
    model.load_state_dict(state)
    x = autograd.tensor(fixture["input"])
    np.testing.assert_allclose(model.eval()(x).data, fixture["eval_output"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.train()(x).data, fixture["train_output"], rtol=1e-5, atol=1e-6)
    for key, value in model.state_dict().items():  # the training forward updated running stats alike
        np.testing.assert_allclose(value, fixture[f"state_after_train/{key}"], rtol=1e-6, atol=1e-7)


# ----- utilities ------------------------------------------------------------------------------
def test_apply_buffers_and_parameter_vectors():
    model = MLP()
    visited = []
    assert model.apply(lambda m: visited.append(type(m).__name__)) is model
    assert visited[-1] == "MLP" and visited.count("Linear") == 3
    assert [name for name, _ in model.named_buffers()] == [
        "layers.3.running_mean", "layers.3.running_var", "layers.3.num_batches_tracked"]
    assert nn.utils.count_parameters(model) == 4 * 8 + 8 + 8 * 8 + 8 + 8 + 8 + 8 * 3 + 3
    model.head.requires_grad_(False)
    assert nn.utils.count_parameters(model, trainable_only=True) == 4 * 8 + 8 + 8 * 8 + 8 + 8 + 8
    vector = nn.utils.parameters_to_vector(model.parameters())
    other = MLP()
    nn.utils.vector_to_parameters(vector, other.parameters())
    np.testing.assert_array_equal(nn.utils.parameters_to_vector(other.parameters()), vector)
    with pytest.raises(ValueError, match="flat vector"):
        nn.utils.vector_to_parameters(vector[:-1], other.parameters())


def test_assigning_an_array_to_a_buffer_keeps_it_a_tensor():
    layer = nn.BatchNorm1d(3)
    layer.running_mean = np.ones(3, np.float32)
    assert isinstance(layer.running_mean, autograd.Tensor)
    np.testing.assert_array_equal(layer.state_dict()["running_mean"], np.ones(3))
