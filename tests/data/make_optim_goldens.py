"""Writes tests/data/torch_optim_goldens.npz: parameter trajectories of torch.optim optimizers,
learning-rate schedules of torch.optim.lr_scheduler, and clip_grad_norm_ results, for
tests/test_nn_optim.py to compare gradsight against. Run with the PyTorch venv:

    /opt/torchvenv/bin/python tests/data/make_optim_goldens.py

Each optimizer case runs 6 steps on two parameters (shapes (3, 2) and (4,)) whose gradient is
g = 2·(p − 0.5) + sin(step + index), a function both libraries evaluate the same way.
"""
import json
import math
import os

import numpy as np
import torch

STEPS = 6
OPTIMIZERS = [
    ("sgd_plain", "SGD", {"lr": 0.1}),
    ("sgd_momentum", "SGD", {"lr": 0.1, "momentum": 0.9}),
    ("sgd_dampening_decay", "SGD", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    ("sgd_nesterov", "SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("sgd_maximize", "SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}),
    ("adagrad_default", "Adagrad", {}),
    ("adagrad_all", "Adagrad", {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.5}),
    ("rmsprop_default", "RMSprop", {}),
    ("rmsprop_all", "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1, "momentum": 0.5,
                                "centered": True}),
    ("adam_default", "Adam", {}),
    ("adam_all", "Adam", {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-6, "weight_decay": 0.1, "amsgrad": True}),
    ("adamw_default", "AdamW", {}),
    ("adamw_all", "AdamW", {"lr": 0.05, "betas": [0.85, 0.995], "weight_decay": 0.2, "amsgrad": True}),
]
SCHEDULERS = [
    ("step", "StepLR", {"step_size": 3, "gamma": 0.5}),
    ("exponential", "ExponentialLR", {"gamma": 0.9}),
    ("cosine", "CosineAnnealingLR", {"T_max": 5, "eta_min": 0.01}),
]
EPOCHS = 13


def initial_parameters(dtype):
    return [np.linspace(-1, 1, 6).reshape(3, 2).astype(dtype), np.array([0.3, -0.7, 1.2, 0.0], dtype)]


def gradient(p: np.ndarray, step: int) -> np.ndarray:
    return 2 * (p - 0.5) + np.sin(step + np.arange(p.size)).reshape(p.shape).astype(p.dtype)


def run_optimizer(name, kwargs, dtype):
    params = [torch.tensor(a, requires_grad=True) for a in initial_parameters(dtype)]
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    optimizer = getattr(torch.optim, name)(params, **kwargs)
    for step in range(STEPS):
        for p in params:
            p.grad = torch.from_numpy(gradient(p.detach().numpy(), step))
        optimizer.step()
    return [p.detach().numpy().copy() for p in params]


def main():
    out = {}
    for key, name, kwargs in OPTIMIZERS:
        for dtype in ("float64", "float32"):
            for i, value in enumerate(run_optimizer(name, kwargs, dtype)):
                out[f"{key}/{dtype}/{i}"] = value
    for key, name, kwargs in SCHEDULERS:
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        scheduler = getattr(torch.optim.lr_scheduler, name)(optimizer, **kwargs)
        rates = []
        for _ in range(EPOCHS):
            rates.append(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
        out[f"schedule/{key}"] = np.array(rates)
    for norm_type in (2.0, 1.0, math.inf):
        for max_norm in (0.5, 100.0):
            params = [torch.zeros(a.shape, requires_grad=True) for a in initial_parameters("float32")]
            for step, p in enumerate(params):
                p.grad = torch.from_numpy(gradient(p.detach().numpy() + 1.5, step))
            total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
            tag = f"clip/{norm_type}/{max_norm}"
            out[f"{tag}/total"] = total.numpy()
            for i, p in enumerate(params):
                out[f"{tag}/{i}"] = p.grad.numpy().copy()
    out["config"] = np.array(json.dumps({"steps": STEPS, "epochs": EPOCHS, "optimizers": OPTIMIZERS,
                                         "schedulers": SCHEDULERS}))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_optim_goldens.npz")
    np.savez(path, **out)
    print("wrote", path, "with torch", torch.__version__)


if __name__ == "__main__":
    main()
