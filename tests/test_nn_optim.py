"""Optimizers, penalties, clipping and schedulers: hand-computed steps from the published update
rules, and torch.optim's own numbers (tests/data/torch_optim_goldens.npz, written by
tests/data/make_optim_goldens.py with PyTorch 2.13)."""
import json
import math
import os

import numpy as np
import pytest

import autograd
import nn
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop, lr_scheduler

GOLDENS = np.load(os.path.join(os.path.dirname(__file__), "data", "torch_optim_goldens.npz"))
CONFIG = json.loads(str(GOLDENS["config"]))


def parameter(*values, dtype=np.float64):
    return nn.Parameter(np.array(values, dtype=dtype))


def step_with(optimizer, p, *grads):
    """Run one optimizer step per gradient value; the (one-element) parameter's value after each."""
    history = []
    for g in grads:
        p.grad = autograd.tensor(np.full(p.shape, g, p.dtype))
        optimizer.step()
        history.append(float(p.data[0]))
    return history


# ----- the published formulas, stepped by hand ----------------------------------------------
def test_sgd_plain_and_momentum_by_hand():
    p = parameter(1.0)
    assert step_with(SGD([p], lr=0.1), p, 0.5, -1.0) == pytest.approx([0.95, 1.05])
    p = parameter(1.0)
    # b1 = g = 0.5, p = 1 - 0.1·0.5; b2 = 0.9·0.5 + 0.5 = 0.95, p = 0.95 - 0.095
    assert step_with(SGD([p], lr=0.1, momentum=0.9), p, 0.5, 0.5) == pytest.approx([0.95, 0.855])


def test_sgd_nesterov_dampening_and_weight_decay_by_hand():
    p = parameter(1.0)
    # b1 = 0.5; step uses g + 0.9·b1 = 0.95
    assert step_with(SGD([p], lr=0.1, momentum=0.9, nesterov=True), p, 0.5) == pytest.approx([0.905])
    p = parameter(1.0)
    # b1 = 0.5, p = 0.95; b2 = 0.9·0.5 + (1 - 0.5)·0.5 = 0.7, p = 0.95 - 0.07
    history = step_with(SGD([p], lr=0.1, momentum=0.9, dampening=0.5), p, 0.5, 0.5)
    assert history == pytest.approx([0.95, 0.88])
    p = parameter(2.0)
    # g + wd·p = 0 + 0.5·2 = 1, p = 2 - 0.1
    assert step_with(SGD([p], lr=0.1, weight_decay=0.5), p, 0.0) == pytest.approx([1.9])


def test_adagrad_by_hand():
    p = parameter(1.0)
    # s = 4, p = 1 - 0.1·2/2; s = 8, p = 0.9 - 0.1·2/√8
    history = step_with(Adagrad([p], lr=0.1), p, 2.0, 2.0)
    assert history == pytest.approx([0.9, 0.9 - 0.2 / math.sqrt(8)])
    p = parameter(1.0)
    # lr_decay: the second step's rate is 0.1 / (1 + 1·0.5)
    history = step_with(Adagrad([p], lr=0.1, lr_decay=0.5), p, 2.0, 2.0)
    assert history[1] == pytest.approx(0.9 - (0.1 / 1.5) * 2 / math.sqrt(8))


def test_rmsprop_by_hand():
    p = parameter(1.0)
    # v = 0.01·1² = 0.01, p = 1 - 0.01·1/(0.1 + 1e-8); v = 0.99·0.01 + 0.01·4 = 0.0499
    history = step_with(RMSprop([p], lr=0.01), p, 1.0, 2.0)
    first = 1 - 0.01 / (0.1 + 1e-8)
    assert history == pytest.approx([first, first - 0.01 * 2 / (math.sqrt(0.0499) + 1e-8)], rel=1e-12)
    p = parameter(1.0)
    # centered: m = 0.1·1, d = √(0.1 - 0.01) with alpha = 0.9
    history = step_with(RMSprop([p], lr=0.01, alpha=0.9, centered=True), p, 1.0)
    assert history[0] == pytest.approx(1 - 0.01 / (math.sqrt(0.1 - 0.01) + 1e-8), rel=1e-12)


def test_adam_by_hand():
    p = parameter(1.0)
    # bias-corrected m̂ = g and v̂ = g² on every step of a constant gradient: steps of lr·g/(|g| + eps)
    history = step_with(Adam([p], lr=0.1), p, 0.2, 0.2)
    step = 0.1 * 0.2 / (0.2 + 1e-8)
    assert history == pytest.approx([1 - step, 1 - 2 * step], rel=1e-9)
    p = parameter(1.0)
    # step 1: m = 0.1, v = 0.001 → m̂ = 1, v̂ = 1; step 2 (g = 0): m = 0.09, v = 0.000999
    history = step_with(Adam([p], lr=0.1), p, 1.0, 0.0)
    m_hat, v_hat = 0.09 / (1 - 0.81), 0.000999 / (1 - 0.998001)
    second = history[0] - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert history[1] == pytest.approx(second, rel=1e-9)


def test_adam_folds_weight_decay_into_the_gradient_and_adamw_decouples_it():
    p = parameter(1.0)
    # Adam: g = 0 + 0.1·1 → a full normalized step of lr
    assert step_with(Adam([p], lr=0.1, weight_decay=0.1), p, 0.0)[0] == pytest.approx(1 - 0.1, rel=1e-6)
    p = parameter(1.0)
    # AdamW: p·(1 - lr·wd), and a zero gradient moves nothing more
    assert step_with(AdamW([p], lr=0.1, weight_decay=0.1), p, 0.0)[0] == pytest.approx(0.99, rel=1e-12)


def test_amsgrad_uses_the_largest_second_moment():
    p, q = parameter(1.0), parameter(1.0)
    # a fast-forgetting v (β2 = 0.5) makes the difference large after the one big gradient
    plain, ams = Adam([p], lr=0.1, betas=(0.5, 0.5)), Adam([q], lr=0.1, betas=(0.5, 0.5), amsgrad=True)
    for g in (10.0, 0.1, 0.1, 0.1):
        step_with(plain, p, g)
        step_with(ams, q, g)
    assert plain.state[p]["exp_avg_sq"][0] < ams.state[q]["max_exp_avg_sq"][0]
    assert abs(q.data[0] - p.data[0]) > 1e-2  # the max makes later steps smaller
    assert q.data[0] > p.data[0]


# ----- torch.optim's own numbers --------------------------------------------------------------
def golden_gradient(p: np.ndarray, step: int) -> np.ndarray:
    """The gradient function of make_optim_goldens.py: 2·(p − 0.5) + sin(step + index)."""
    return 2 * (p - 0.5) + np.sin(step + np.arange(p.size)).reshape(p.shape).astype(p.dtype)


OPTIMIZER_CLASSES = {"SGD": SGD, "Adagrad": Adagrad, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("key,name,kwargs", CONFIG["optimizers"], ids=[c[0] for c in CONFIG["optimizers"]])
def test_optimizer_matches_torch(key, name, kwargs, dtype):
    params = [nn.Parameter(np.linspace(-1, 1, 6).reshape(3, 2).astype(dtype)),
              nn.Parameter(np.array([0.3, -0.7, 1.2, 0.0], dtype))]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    optimizer = OPTIMIZER_CLASSES[name](params, **kwargs)
    for step in range(CONFIG["steps"]):
        for p in params:
            p.grad = autograd.tensor(golden_gradient(p.data, step))
        optimizer.step()
    tolerance = dict(rtol=1e-12, atol=1e-14) if dtype == "float64" else dict(rtol=2e-6, atol=1e-6)
    for i, p in enumerate(params):
        assert p.dtype == np.dtype(dtype)
        np.testing.assert_allclose(p.data, GOLDENS[f"{key}/{dtype}/{i}"], **tolerance)


SCHEDULER_CLASSES = {"StepLR": lr_scheduler.StepLR, "ExponentialLR": lr_scheduler.ExponentialLR,
                     "CosineAnnealingLR": lr_scheduler.CosineAnnealingLR}


@pytest.mark.parametrize("key,name,kwargs", CONFIG["schedulers"], ids=[c[0] for c in CONFIG["schedulers"]])
def test_scheduler_matches_torch(key, name, kwargs):
    optimizer = SGD([parameter(0.0)], lr=0.1)
    scheduler = SCHEDULER_CLASSES[name](optimizer, **kwargs)
    rates = []
    for _ in range(CONFIG["epochs"]):
        rates.append(scheduler.get_last_lr()[0])
        assert optimizer.param_groups[0]["lr"] == rates[-1]
        optimizer.step()
        scheduler.step()
    np.testing.assert_array_equal(rates, GOLDENS[f"schedule/{key}"])  # the same float operations


def test_cosine_schedule_follows_the_closed_form_over_its_half_period():
    optimizer = SGD([parameter(0.0)], lr=1.0)
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.1)
    for t in range(11):
        assert scheduler.get_last_lr()[0] == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2)
        scheduler.step()


@pytest.mark.parametrize("norm_type", [2.0, 1.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    shapes = [(3, 2), (4,)]
    params = [nn.Parameter(np.zeros(shape, np.float32)) for shape in shapes]
    for step, p in enumerate(params):
        p.grad = autograd.tensor(golden_gradient(p.data + np.float32(1.5), step))
    total = nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    tag = f"clip/{norm_type}/{max_norm}"
    np.testing.assert_allclose(total.item(), GOLDENS[f"{tag}/total"], rtol=1e-6)
    for i, p in enumerate(params):
        np.testing.assert_allclose(p.grad.data, GOLDENS[f"{tag}/{i}"], rtol=1e-6, atol=1e-7)


def test_clip_grad_value_and_nonfinite_norm():
    p = parameter(3.0, -0.5, -7.0)
    p.grad = autograd.tensor(np.array([3.0, -0.5, -7.0]))
    nn.optim.clip_grad_value_([p], 1.0)
    assert p.grad.data.tolist() == [1.0, -0.5, -1.0]
    p.grad = autograd.tensor(np.array([np.inf, 0.0, 1.0]))
    with pytest.raises(RuntimeError, match="non-finite|inf"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


# ----- mechanics ------------------------------------------------------------------------------
def test_param_groups_have_their_own_hyperparameters():
    a, b = parameter(1.0), parameter(1.0)
    optimizer = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = b.grad = autograd.tensor(np.array([1.0]))
    optimizer.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.5)
    assert optimizer.param_groups[1]["momentum"] == 0.0  # defaults fill what a group leaves out


def test_parameters_without_gradient_are_left_alone():
    frozen, live = parameter(1.0), parameter(1.0)
    optimizer = Adam([frozen, live], lr=0.1)
    live.grad = autograd.tensor(np.array([1.0]))
    optimizer.step()
    assert frozen.data[0] == 1.0 and live.data[0] < 1.0
    assert frozen not in optimizer.state


def test_zero_grad_drops_or_zeroes_gradients():
    p = parameter(1.0, 2.0)
    optimizer = SGD([p], lr=0.1)
    p.grad = autograd.tensor(np.array([1.0, 1.0]))
    optimizer.zero_grad(set_to_none=False)
    assert p.grad.data.tolist() == [0.0, 0.0]
    optimizer.zero_grad()
    assert p.grad is None


def test_state_dict_resumes_training_exactly():
    def run(steps, resume_at=None):
        p = parameter(0.5, -0.25, 2.0)
        optimizer = Adam([p], lr=0.05, amsgrad=True)
        for step in range(steps):
            if step == resume_at:
                saved_param, saved_state = p.data.copy(), optimizer.state_dict()
                p = parameter(*saved_param)
                optimizer = Adam([p], lr=0.01)
                optimizer.load_state_dict(saved_state)
            p.grad = autograd.tensor(golden_gradient(p.data, step))
            optimizer.step()
        return p.data

    np.testing.assert_array_equal(run(6), run(6, resume_at=3))


def test_state_dict_is_a_copy_and_load_checks_sizes():
    p = parameter(1.0, 2.0)
    optimizer = SGD([p], lr=0.1, momentum=0.9)
    step_with(optimizer, p, 1.0)
    state = optimizer.state_dict()
    step_with(optimizer, p, 1.0)
    assert state["state"][0]["momentum_buffer"].tolist() == [1.0, 1.0]
    other = SGD([parameter(1.0), parameter(2.0)], lr=0.1)
    with pytest.raises(ValueError, match="parameters"):
        other.load_state_dict(state)


def test_constructor_errors_are_clear():
    p = parameter(1.0)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="lr"):
        Adam([p], lr=-1.0)
    with pytest.raises(ValueError, match="beta"):
        Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match="more than one group"):
        SGD([p, p], lr=0.1)
    with pytest.raises(TypeError, match="single Tensor"):
        SGD(p, lr=0.1)


def test_torch_defaults():
    p = parameter(1.0)
    assert SGD([p]).defaults["lr"] == 1e-3
    assert Adagrad([p]).defaults == dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                                         eps=1e-10, maximize=False)
    assert RMSprop([p]).defaults["alpha"] == 0.99 and RMSprop([p]).defaults["lr"] == 1e-2
    assert Adam([p]).defaults["betas"] == (0.9, 0.999) and Adam([p]).defaults["weight_decay"] == 0.0
    assert AdamW([p]).defaults["weight_decay"] == 1e-2


def test_step_updates_parameter_arrays_in_place():
    model = nn.Linear(3, 2)
    arrays = [p.data for p in model.parameters()]
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(autograd.tensor(np.ones((4, 3), np.float32))).sum().backward()
    optimizer.step()
    assert all(p.data is a for p, a in zip(model.parameters(), arrays))
    assert all(p.dtype == np.float32 for p in model.parameters())


# ----- penalties ------------------------------------------------------------------------------
def test_l2_penalty_gradient_equals_weight_decay():
    model = nn.Linear(3, 2, generator=np.random.default_rng(0))
    penalty = nn.optim.l2_penalty(model, 0.1)
    expected = 0.05 * float(np.sum(model.weight.data.astype(np.float64) ** 2))
    assert penalty.item() == pytest.approx(expected, rel=1e-6)
    penalty.backward()
    np.testing.assert_allclose(model.weight.grad.data, 0.1 * model.weight.data, rtol=1e-6)
    assert model.bias.grad is None  # biases are not penalized when a Module is given


def test_l1_penalty_value_and_gradient():
    p = parameter(0.5, -2.0, 3.0)
    penalty = nn.optim.l1_penalty([p], 0.01)
    assert penalty.item() == pytest.approx(0.055)
    penalty.backward()
    np.testing.assert_allclose(p.grad.data, [0.01, -0.01, 0.01])


def test_a_setting_changed_between_steps_is_checked_again():
    import autograd as ag

    weight = nn.Parameter(np.ones(3))
    optimizer = nn.optim.SGD([weight], lr=0.1)
    weight.grad = ag.tensor(np.ones(3))
    optimizer.step()  # checked and remembered
    optimizer.param_groups[0]["lr"] = "0.1"  # as a hand-written schedule might
    with pytest.raises(TypeError, match="lr"):
        optimizer.step()
    assert np.allclose(weight.data, 0.9)  # the refused step changed nothing
    optimizer.param_groups[0]["lr"] = float("nan")
    with pytest.raises(ValueError, match="lr"):
        optimizer.step()
