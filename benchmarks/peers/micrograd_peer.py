"""micrograd: scalar Values in Python floats (float64); only the tiny net and a scalar chain fit."""
from __future__ import annotations

import numpy as np
from cases import LEARNING_RATE, NotSupported, Workload
from micrograd.engine import Value
from micrograd.nn import MLP

SCALAR_ONLY = "scalar-only engine (one Python object per number): {what}"


def tiny(problem, variant):
    weights = problem["params"]
    sizes = problem["sizes"]
    model = MLP(sizes[0], sizes[1:])  # ReLU on hidden layers, linear output, as in the other peers
    for layer, W, b in zip(model.layers, weights[0::2], weights[1::2]):
        for j, neuron in enumerate(layer.neurons):
            for k, wk in enumerate(neuron.w):
                wk.data = float(W[j, k])
            neuron.b.data = float(b[j])
    x = problem["x"].tolist()
    target = problem["target"].tolist()
    count = len(x) * len(target[0])

    def step():
        model.zero_grad()
        total = Value(0.0)
        for sample, wanted in zip(x, target):
            for out, t in zip(model(sample), wanted):
                total = total + (out - t) ** 2
        loss = total * (1.0 / count)
        loss.backward()
        for p in model.parameters():
            p.data -= LEARNING_RATE * p.grad
        return loss.data

    def gradients():
        grads = []
        for layer in model.layers:
            grads.append(np.array([[w.grad for w in n.w] for n in layer.neurons]))
            grads.append(np.array([n.b.grad for n in layer.neurons]))
        return grads

    return Workload(step, gradients, note="float64 Python scalars")


def chain(problem, variant):
    x = Value(float(problem["x"][0, 0]))
    w = Value(float(problem["w"][0, 0]))
    length = problem["length"]

    def step():
        x.grad = 0
        y = x
        for _ in range(length):
            y = y * w
        y.backward()

    return Workload(step, lambda: [np.array(x.grad)], note="one scalar instead of 8x8")


def mlp(problem, variant):
    raise NotSupported(SCALAR_ONLY.format(what="one step would build ~170 million Values"))


def mlp_bn(problem, variant):
    raise NotSupported(SCALAR_ONLY.format(what="one step would build ~170 million Values"))


def deep(problem, variant):
    raise NotSupported(SCALAR_ONLY.format(what="one step would build ~13 million Values"))


def add(problem, variant):
    raise NotSupported(SCALAR_ONLY.format(what="no 8x8 tensors"))

