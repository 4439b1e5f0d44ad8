"""Misuse of nn gets a clear error and changes nothing (issue 10, nn part; issue 13, PyTorch habits):
optimizer steps and load_state_dict check everything before they change anything, Parameter
attributes cannot be silently unregistered, regression losses refuse shapes that would broadcast,
containers and optimizers say what to pass, and an error inside a model names the module's path."""
import copy
import sys

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop

OPTIMIZERS = {
    "SGD": lambda params: SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01),
    "Adam": lambda params: Adam(params, lr=0.1, amsgrad=True),
    "AdamW": lambda params: AdamW(params, lr=0.1),
    "Adagrad": lambda params: Adagrad(params, lr=0.1),
    "RMSprop": lambda params: RMSprop(params, lr=0.1, momentum=0.5, centered=True),
}


def two_layer_model():
    nn.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 3))


def with_gradients(model):
    """Every parameter gets a gradient from one backward, as in training."""
    x = autograd.tensor(np.random.default_rng(1).normal(size=(4, 3)))
    model.zero_grad()
    (model(x) ** 2).sum().backward()
    return model


def frozen(optimizer, model):
    """Copies of everything a step may change: parameter values and the optimizer's state."""
    return [p.data.copy() for p in model.parameters()], copy.deepcopy(optimizer.state_dict())


def assert_unchanged(before, optimizer, model):
    values, state = before
    for old, p in zip(values, model.parameters()):
        np.testing.assert_array_equal(p.data, old)
    after = optimizer.state_dict()
    assert after["state"].keys() == state["state"].keys()
    for index, entries in state["state"].items():
        for name, value in entries.items():
            np.testing.assert_array_equal(after["state"][index][name], value, err_msg=name)


def stepped_optimizer(name, model):
    """An optimizer that has taken one good step (so it has momentum, moments and step counts)."""
    optimizer = OPTIMIZERS[name](model.parameters())
    with_gradients(model)
    optimizer.step()
    with_gradients(model)
    return optimizer


# ----- optimizer.step(): validate, then mutate ------------------------------------------------
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_gradient_of_the_wrong_shape_changes_nothing(name):
    model = two_layer_model()
    optimizer = stepped_optimizer(name, model)
    before = frozen(optimizer, model)
    # (3, 2): a (2,) gradient would broadcast onto it. Set through .data, the escape hatch that
    # bypasses the checks of `p.grad = ...` (a hand-edited gradient)
    model[2].weight.grad.data = np.ones(2, np.float32)
    with pytest.raises(ValueError, match=r"param_groups\[0\]\['params'\]\[2\].*shape \(2,\).*\(3, 2\)"):
        optimizer.step()
    assert_unchanged(before, optimizer, model)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_read_only_parameter_changes_nothing(name):
    model = two_layer_model()
    optimizer = stepped_optimizer(name, model)
    before = frozen(optimizer, model)
    model[2].bias.data.flags.writeable = False  # the last parameter: earlier ones would be changed first
    with pytest.raises(ValueError, match=r"read-only.*nothing was changed"):
        optimizer.step()
    assert_unchanged(before, optimizer, model)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_gradient_of_another_dtype_changes_nothing(name):
    model = two_layer_model()
    optimizer = stepped_optimizer(name, model)
    before = frozen(optimizer, model)
    model[2].bias.grad.data = np.ones(3, np.float16)
    with pytest.raises(TypeError, match="dtype float16.*float32"):
        optimizer.step()
    assert_unchanged(before, optimizer, model)


@pytest.mark.parametrize("lr", [float("nan"), float("inf"), "0.1"])
def test_a_bad_learning_rate_is_refused_at_construction_and_at_step(lr):
    model = two_layer_model()
    error = TypeError if isinstance(lr, str) else ValueError
    with pytest.raises(error, match="lr"):
        SGD(model.parameters(), lr=lr)
    optimizer = stepped_optimizer("SGD", model)
    before = frozen(optimizer, model)
    optimizer.param_groups[0]["lr"] = lr  # e.g. a scheduler or a user editing the group
    with pytest.raises(error, match="lr"):
        optimizer.step()
    assert_unchanged(before, optimizer, model)


def test_a_string_learning_rate_gets_the_fix():
    with pytest.raises(TypeError, match=r"lr must be a number, got str '0\.01' \(write lr=0\.01\)"):
        Adam(two_layer_model().parameters(), lr="0.01")


def test_switching_amsgrad_on_midway_does_not_fail_halfway():
    model = two_layer_model()
    optimizer = stepped_optimizer("AdamW", model)
    optimizer.param_groups[0]["amsgrad"] = True
    optimizer.step()  # the new buffer is created, not looked up and missed after a first update
    assert all("max_exp_avg_sq" in state for state in optimizer.state.values())


def test_pytorch_habits_with_optimizers_say_what_to_pass():
    model = two_layer_model()
    with pytest.raises(TypeError, match=r"a Module \(Sequential\); pass its parameters: SGD\(model\.parameters\(\)"):
        SGD(model, lr=0.1)
    with pytest.raises(TypeError, match=r"call it: Adam\(model\.parameters\(\)"):
        Adam(model.parameters)
    parameters = model.parameters()
    SGD(parameters, lr=0.1)
    with pytest.raises(ValueError, match="used up after one pass"):
        SGD(parameters, lr=0.1)
    with pytest.raises(TypeError, match=r"pass model\.parameters\(\)"):
        nn.utils.clip_grad_norm_(model, 1.0)
    with pytest.raises(TypeError, match=r"one parameter-group dict; pass a list of groups: SGD\(\[group\]"):
        SGD({"params": model.parameters(), "lr": 0.1})


# ----- load_state_dict and parameter vectors: validate, then mutate ----------------------------
def test_load_state_dict_into_a_read_only_parameter_changes_nothing():
    model, source = two_layer_model(), two_layer_model()
    for p in source.parameters():
        p.data += 1
    before = {key: value.copy() for key, value in model.state_dict().items()}
    model[2].bias.data.flags.writeable = False
    with pytest.raises(RuntimeError, match=r"2\.bias is backed by a read-only array.*|nothing was changed"):
        model.load_state_dict(source.state_dict())
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


def test_vector_to_parameters_into_a_read_only_parameter_changes_nothing():
    model = two_layer_model()
    before = nn.utils.parameters_to_vector(model.parameters())
    model[2].bias.data.flags.writeable = False
    with pytest.raises(ValueError, match="parameter 3 .*read-only"):
        nn.utils.vector_to_parameters(np.zeros_like(before), model.parameters())
    np.testing.assert_array_equal(nn.utils.parameters_to_vector(model.parameters()), before)


def test_optimizer_load_state_dict_checks_settings_before_changing_anything():
    model = two_layer_model()
    optimizer = stepped_optimizer("SGD", model)
    saved = optimizer.state_dict()
    saved["param_groups"][0]["lr"] = float("nan")
    saved["state"] = {}
    before = frozen(optimizer, model)
    with pytest.raises(ValueError, match="invalid lr nan"):
        optimizer.load_state_dict(saved)
    assert optimizer.param_groups[0]["lr"] == 0.1
    assert_unchanged(before, optimizer, model)


def test_optimizer_load_state_dict_refuses_a_model_state_dict():
    model = two_layer_model()
    optimizer = SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"model\.load_state_dict"):
        optimizer.load_state_dict(model.state_dict())


# ----- Parameter attributes -------------------------------------------------------------------
@pytest.mark.parametrize("value", [np.zeros((2, 3)), autograd.tensor(np.zeros((2, 3)))], ids=["ndarray", "Tensor"])
def test_assigning_a_non_parameter_to_a_parameter_attribute_raises(value):
    layer = nn.Linear(3, 2)
    weight = layer.weight
    with pytest.raises(TypeError, match=r"Linear\.weight is a Parameter of shape \(2, 3\).*\.data\[\.\.\.\] = "
                                        r".*nn\.Parameter\(value\)"):
        layer.weight = value
    assert layer.weight is weight and [name for name, _ in layer.named_parameters()] == ["weight", "bias"]


def test_parameter_attributes_still_take_parameters_none_and_deletion():
    layer = nn.Linear(3, 2)
    replacement = nn.Parameter(np.ones((2, 3), np.float32))
    layer.weight = replacement
    assert layer.weight is replacement
    layer.bias = None  # no bias, as in PyTorch
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    del layer.weight
    layer.weight = autograd.tensor(np.ones((2, 3)))  # deliberately unregistered: allowed after del
    assert list(layer.parameters()) == []


def test_assigning_a_non_module_to_a_sub_module_attribute_raises():
    model = two_layer_model()
    outer = nn.Module()
    outer.body = model
    with pytest.raises(TypeError, match=r"Module\.body is a sub-module \(Sequential\)"):
        outer.body = lambda x: x


# ----- regression losses refuse shapes that would broadcast -----------------------------------
LOSSES = {"mse_loss": F.mse_loss, "l1_loss": F.l1_loss, "huber_loss": F.huber_loss,
          "smooth_l1_loss": F.smooth_l1_loss, "MSELoss": nn.MSELoss(), "L1Loss": nn.L1Loss(),
          "HuberLoss": nn.HuberLoss(), "SmoothL1Loss": nn.SmoothL1Loss()}


@pytest.mark.parametrize("name", LOSSES)
def test_regression_losses_refuse_a_column_against_a_vector(name):
    prediction = autograd.tensor(np.zeros((5, 1)), requires_grad=True)  # a Linear(…, 1)'s output
    target = autograd.tensor(np.arange(5.0))
    with pytest.raises(ValueError, match=r"input of shape \(5, 1\) and target of shape \(5,\).*\(5, 5\)"
                                         r".*input\.squeeze\(1\) or target\.reshape\(5, 1\)"):
        LOSSES[name](prediction, target)
    assert LOSSES[name](prediction.squeeze(1), target).shape == ()


@pytest.mark.parametrize("shapes", [((5,), (5, 1)), ((3,), (4,)), ((4,), ())])
def test_regression_losses_refuse_every_shape_mismatch(shapes):
    x, target = (autograd.tensor(np.zeros(shape)) for shape in shapes)
    with pytest.raises(ValueError, match=rf"input of shape {shapes[0]}.*target of shape {shapes[1]}".replace("(", r"\(")
                       .replace(")", r"\)")):
        F.mse_loss(x, target)


def test_kl_div_target_may_broadcast_over_the_input_but_not_widen_it():
    log_probabilities = autograd.tensor(np.log(np.full((4, 1), 0.5)))
    with pytest.raises(ValueError, match=r"kl_div: target of shape \(4,\).*\(4, 1\) would widen it to \(4, 4\)"):
        F.kl_div(log_probabilities, autograd.tensor(np.full(4, 0.25)))
    batch = autograd.tensor(np.log(np.full((4, 2), 0.5)))
    F.kl_div(batch, autograd.tensor(np.array([0.3, 0.7])))  # one distribution for the whole batch


# ----- containers -----------------------------------------------------------------------------
def test_sequential_index_out_of_range_names_the_length():
    model = two_layer_model()
    with pytest.raises(IndexError, match=r"Sequential index 3 is out of range: it holds 3 modules \(valid indices "
                                         r"-3\.\.2\)"):
        model[3]
    with pytest.raises(IndexError, match="holds 3 modules"):
        model[-4] = nn.ReLU()
    assert isinstance(model[-1], nn.Linear)


def test_sequential_of_a_list_or_of_classes_says_what_to_pass():
    with pytest.raises(TypeError, match=r"Sequential: got a list of modules; pass them one by one: "
                                        r"Sequential\(\*layers\)"):
        nn.Sequential([nn.Linear(2, 2), nn.ReLU()])
    with pytest.raises(TypeError, match=r"got the class ReLU, not a layer; create one: ReLU\(\.\.\.\)"):
        nn.Sequential(nn.Linear(2, 2), nn.ReLU)


# ----- an error inside a model names the module's path -----------------------------------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Linear(4, 8)
        self.layers = nn.Sequential(nn.Tanh(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(3, 2))

    def forward(self, x):
        return self.layers(self.stem(x))


def test_a_shape_error_deep_in_a_model_names_the_layer_path_once():
    x = autograd.tensor(np.ones((2, 4)))
    with pytest.raises(ValueError) as caught:
        Net()(x)
    message = str(caught.value)
    assert message.startswith("layers.3 (Linear): linear: input of shape (2, 8) does not fit weight of shape (2, 3)")
    assert message.count("(Linear)") == 1 and message.count("layers") == 1
    with pytest.raises(ValueError, match=r"^3 \(Linear\): linear: "):  # relative to the module called
        Net().layers(autograd.tensor(np.ones((2, 8))))


def test_an_error_raised_by_the_called_module_itself_is_left_as_it_is():
    with pytest.raises(ValueError, match=r"^linear: input of shape \(2, 5\)"):
        nn.Linear(4, 8)(autograd.tensor(np.ones((2, 5))))


@pytest.mark.skipif(sys.version_info < (3, 11), reason="exception notes (add_note) are new in Python 3.11")
def test_the_module_path_keeps_the_exception_type_and_reaches_hooks_and_unusual_exceptions():
    class Lookup(nn.Module):
        def forward(self, x):
            return {"known": x}["unknown"]  # KeyError formats its own message: the path goes in a note

    model = nn.Sequential(nn.Identity(), nn.Sequential(nn.Identity(), Lookup()))
    with pytest.raises(KeyError) as caught:
        model(autograd.tensor(np.ones(2)))
    assert caught.value.args == ("unknown",)
    assert caught.value.__notes__ == ["raised in module 1.1 (Lookup)"]

    def failing_hook(module, inputs):
        raise RuntimeError("hook refused the input")

    model = nn.Sequential(nn.Identity(), nn.Identity())
    model[1].register_forward_pre_hook(failing_hook)
    with pytest.raises(RuntimeError, match=r"^1 \(Identity\): hook refused the input$"):
        model(autograd.tensor(np.ones(2)))


# ----- other PyTorch habits -------------------------------------------------------------------
def test_moving_a_model_to_a_device_says_there_is_none():
    with pytest.raises(TypeError, match=r"no device to move to \(drop \.to\('cuda:0'\)\)"):
        nn.Linear(2, 2).to("cuda:0")


def test_a_loss_module_called_like_a_function_says_to_create_it_first():
    prediction = autograd.tensor(np.zeros(3))
    with pytest.raises(TypeError, match=r"create the module first, then call it: nn\.L1Loss\(\)\(input, target\)"):
        nn.L1Loss(prediction)


def test_a_data_parallel_checkpoint_gets_the_prefix_hint_and_changes_nothing():
    model, source = nn.Linear(2, 2), nn.Linear(2, 2)
    before = model.weight.data.copy()
    wrapped = {"module." + key: value for key, value in source.state_dict().items()}
    with pytest.raises(RuntimeError, match="start with 'module.' .*DataParallel"):
        model.load_state_dict(wrapped)
    np.testing.assert_array_equal(model.weight.data, before)


def test_cross_entropy_with_swapped_arguments_or_float_labels_says_so():
    logits = autograd.tensor(np.random.default_rng(0).normal(size=(4, 3)))
    labels = np.array([0, 2, 1, 1])
    for loss in (F.cross_entropy, F.nll_loss):
        with pytest.raises(TypeError, match=r"floating class scores, got dtype int64 \(are the arguments swapped"):
            loss(autograd.tensor(labels), logits)
    with pytest.raises(ValueError, match=r"class labels must be integers: target\.astype\(np\.int64\)"):
        F.cross_entropy(logits, autograd.tensor(labels.astype(np.float32)))


def test_adam_betas_must_be_a_pair():
    with pytest.raises(TypeError, match=r"betas must be a pair \(beta1, beta2\)"):
        Adam(two_layer_model().parameters(), betas=0.9)


def test_load_state_dict_of_a_path_points_to_load():
    with pytest.raises(TypeError, match=r"not a path; to read a checkpoint file: model\.load\('model\.npz'\)"):
        nn.Linear(2, 2).load_state_dict("model.npz")


# ----- clipping and schedules refuse settings that would silently do the wrong thing ---------------
def test_negative_clipping_bounds_are_refused_before_any_gradient_changes():
    p = nn.Parameter(np.ones(3))
    p.grad = autograd.tensor(np.array([1.0, -2.0, 3.0]))
    with pytest.raises(ValueError, match="max_norm must be a number >= 0, got -1.0 .*flip every gradient"):
        nn.utils.clip_grad_norm_([p], -1.0)
    with pytest.raises(ValueError, match="clip_value must be a number >= 0, got -1.0"):
        nn.utils.clip_grad_value_([p], -1.0)
    np.testing.assert_array_equal(p.grad.data, [1.0, -2.0, 3.0])


@pytest.mark.parametrize("make", [
    lambda optimizer: nn.optim.lr_scheduler.StepLR(optimizer, step_size=0),
    lambda optimizer: nn.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=0),
    lambda optimizer: nn.optim.lr_scheduler.ExponentialLR(optimizer, gamma=-0.5),
], ids=["StepLR step_size=0", "CosineAnnealingLR T_max=0", "ExponentialLR gamma<0"])
def test_schedules_refuse_settings_that_fail_or_go_negative_later(make):
    optimizer = SGD(two_layer_model().parameters(), lr=0.1)
    with pytest.raises(ValueError, match="step_size must be a positive|T_max must be a positive|invalid gamma"):
        make(optimizer)
    assert optimizer.param_groups[0]["lr"] == 0.1 and "initial_lr" not in optimizer.param_groups[0]


def test_saving_into_a_missing_directory_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"the directory .*missing does not exist.*os\.makedirs"):
        nn.Linear(2, 2).save(tmp_path / "missing" / "model.npz")


def test_pytorch_dtype_and_device_methods():
    layer = nn.Linear(2, 2)
    assert layer.double() is layer and layer.weight.dtype == np.float64
    assert layer.float().weight.dtype == np.float32 and layer.cpu() is layer
    with pytest.raises(TypeError, match=r"Linear\.cuda: gradsight runs on NumPy, on the CPU; there is no GPU"):
        layer.cuda()
