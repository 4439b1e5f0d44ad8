"""PyTorch (CPU), the way its users write it: torch.nn modules, F.cross_entropy, optim.SGD."""
from __future__ import annotations

import numpy as np
import torch
from cases import BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, LEARNING_RATE, Workload, fresh_copy
from torch import nn
from torch.nn import functional


def network(problem, variant, activation: str, last_activation: bool, loss: str, batch_norm: bool) -> Workload:
    weights = fresh_copy(problem["params"])
    layers = []
    depth = len(weights) // 2
    for i in range(depth):
        out_features, in_features = weights[2 * i].shape
        linear = nn.Linear(in_features, out_features)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weights[2 * i]))
            linear.bias.copy_(torch.from_numpy(weights[2 * i + 1]))
        layers.append(linear)
        if i < depth - 1 or last_activation:
            if batch_norm:
                layers.append(nn.BatchNorm1d(out_features, eps=BATCH_NORM_EPS, momentum=BATCH_NORM_MOMENTUM))
            layers.append(nn.ReLU() if activation == "relu" else nn.Tanh())
    model = nn.Sequential(*layers).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    x = torch.from_numpy(problem["x"])
    labels = torch.from_numpy(problem["labels"]) if loss == "cross_entropy" else None
    target = torch.from_numpy(problem["target"]) if loss == "mse" else None
    linears = [m for m in layers if isinstance(m, nn.Linear)]
    norms = [m for m in layers if isinstance(m, nn.BatchNorm1d)]
    ordered = [p for m in linears for p in (m.weight, m.bias)] + [p for m in norms for p in (m.weight, m.bias)]

    def step():
        optimizer.zero_grad()
        out = model(x)
        value = functional.cross_entropy(out, labels) if loss == "cross_entropy" else functional.mse_loss(out, target)
        value.backward()
        optimizer.step()
        return value.item()

    return Workload(step, lambda: [p.grad.numpy() for p in ordered])


def add(problem, variant):
    a = torch.from_numpy(problem["a"]).requires_grad_()
    b = torch.from_numpy(problem["b"]).requires_grad_()
    grad = torch.from_numpy(problem["grad"])

    def step():
        a.grad = b.grad = None
        (a + b).backward(grad)

    return Workload(step, lambda: [a.grad.numpy(), b.grad.numpy()])


def chain(problem, variant):
    x = torch.from_numpy(problem["x"]).requires_grad_()
    w = torch.from_numpy(problem["w"])
    length = problem["length"]
    ones = torch.from_numpy(np.ones_like(problem["x"]))

    def step():
        x.grad = None
        y = x
        for _ in range(length):
            y = y * w
        y.backward(ones)

    return Workload(step, lambda: [x.grad.numpy()])



def conv2d(problem, variant):
    x = torch.from_numpy(problem["x"]).requires_grad_()
    weight, bias = (torch.from_numpy(p.copy()).requires_grad_() for p in problem["params"])
    grad = torch.from_numpy(problem["grad"])

    def step():
        x.grad = weight.grad = bias.grad = None
        functional.conv2d(x, weight, bias, padding=1).backward(grad)

    return Workload(step, lambda: [x.grad.numpy(), weight.grad.numpy(), bias.grad.numpy()])


def lenet(problem, variant):
    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    ordered = [p for m in model if hasattr(m, "weight") for p in (m.weight, m.bias)]
    with torch.no_grad():
        for p, value in zip(ordered, fresh_copy(problem["params"])):
            p.copy_(torch.from_numpy(value))
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    x, labels = torch.from_numpy(problem["x"]), torch.from_numpy(problem["labels"])

    def step():
        optimizer.zero_grad()
        value = functional.cross_entropy(model(x), labels)
        value.backward()
        optimizer.step()
        return value.item()

    return Workload(step, lambda: [p.grad.numpy() for p in ordered])

def chain_scalar(problem, variant):
    x = torch.from_numpy(problem["x"]).requires_grad_()
    length = problem["length"]
    ones = torch.from_numpy(np.ones_like(problem["x"]))

    def step():
        x.grad = None
        y = x
        for _ in range(length):
            y = y * 1.0001
        y.backward(ones)

    return Workload(step, lambda: [x.grad.numpy()])
