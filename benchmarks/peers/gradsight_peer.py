"""gradsight, the way a user writes it: variant "nn" uses the nn package (Linear, fused
cross_entropy / batch_norm / mse_loss, optim.SGD); variant "core" composes the same math from
core autograd ops (matmul, relu, logsumexp, getitem, mean, var, ...)."""
from __future__ import annotations

import numpy as np
from cases import BATCH_NORM_EPS, BATCH_NORM_MOMENTUM, LEARNING_RATE, NotSupported, Workload, fresh_copy

import autograd

# ----- variant "core": everything from core ops ---------------------------------------------------


def _core_cross_entropy(logits, labels):
    rows = np.arange(logits.shape[0])
    return (autograd.logsumexp(logits, axis=1) - logits[rows, labels]).mean()


def _core_batch_norm(z, state, weight, bias):
    n = z.shape[0]
    mean = z.mean(axis=0)
    var = z.var(axis=0)
    with autograd.no_grad():
        state["running_mean"] *= 1 - BATCH_NORM_MOMENTUM
        state["running_mean"] += BATCH_NORM_MOMENTUM * mean.data
        state["running_var"] *= 1 - BATCH_NORM_MOMENTUM
        state["running_var"] += (BATCH_NORM_MOMENTUM * n / (n - 1)) * var.data
    return (z - mean) / autograd.sqrt(var + BATCH_NORM_EPS) * weight + bias


def _core_net(problem, activation: str, last_activation: bool, loss: str, batch_norm: bool) -> Workload:
    x = autograd.tensor(problem["x"])
    params = [autograd.tensor(p, requires_grad=True) for p in fresh_copy(problem["params"])]
    norms = [{k: v.copy() for k, v in layer.items()} for layer in problem.get("bn", [])] if batch_norm else []
    bn_params = [autograd.tensor(layer[k], requires_grad=True) for layer in norms for k in ("weight", "bias")]
    trainable = params + bn_params
    depth = len(params) // 2
    act = autograd.relu if activation == "relu" else autograd.tanh

    def step():
        for p in trainable:
            p.grad = None
        h = x
        for i in range(depth):
            h = h @ params[2 * i].T + params[2 * i + 1]
            if i < depth - 1 or last_activation:
                if batch_norm:
                    h = _core_batch_norm(h, norms[i], bn_params[2 * i], bn_params[2 * i + 1])
                h = act(h)
        if loss == "cross_entropy":
            value = _core_cross_entropy(h, problem["labels"])
        else:
            diff = h - problem["target"]
            value = (diff * diff).mean()
        value.backward()
        with autograd.no_grad():
            for p in trainable:
                p.data -= LEARNING_RATE * p.grad.data
        return value.item()

    return Workload(step, lambda: [p.grad.data for p in trainable])


# ----- variant "nn": the nn package, as a PyTorch user would write it ------------------------------


def _nn_modules():
    try:
        import nn
        from nn import functional, optim
        for name in ("Linear", "ReLU", "Tanh", "Sequential", "BatchNorm1d"):
            getattr(nn, name)
        for module, name in ((functional, "cross_entropy"), (functional, "mse_loss"), (optim, "SGD")):
            getattr(module, name)
    except (ImportError, AttributeError) as error:
        raise NotSupported(f"nn package not usable yet ({error})") from error
    return nn, functional, optim


def _nn_net(problem, activation: str, last_activation: bool, loss: str, batch_norm: bool) -> Workload:
    nn, functional, optim = _nn_modules()
    weights = fresh_copy(problem["params"])
    layers = []
    depth = len(weights) // 2
    for i in range(depth):
        out_features, in_features = weights[2 * i].shape
        linear = nn.Linear(in_features, out_features)
        linear.weight.data = weights[2 * i]
        linear.bias.data = weights[2 * i + 1]
        layers.append(linear)
        if i < depth - 1 or last_activation:
            if batch_norm:
                layers.append(nn.BatchNorm1d(out_features, eps=BATCH_NORM_EPS, momentum=BATCH_NORM_MOMENTUM))
            layers.append(nn.ReLU() if activation == "relu" else nn.Tanh())
    model = nn.Sequential(*layers)
    model.train()
    optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE)
    x = autograd.tensor(problem["x"])
    labels = autograd.tensor(problem["labels"]) if loss == "cross_entropy" else None
    target = autograd.tensor(problem["target"]) if loss == "mse" else None
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

    return Workload(step, lambda: [p.grad.data for p in ordered])


def network(problem, variant, *settings):
    """The network cases (settings from cases.NETWORKS), with nn modules or composed from core ops."""
    return (_nn_net if variant == "nn" else _core_net)(problem, *settings)


# ----- per-op overhead: the same code in both variants ---------------------------------------------


def add(problem, variant):
    a = autograd.tensor(problem["a"], requires_grad=True)
    b = autograd.tensor(problem["b"], requires_grad=True)
    grad = problem["grad"]

    def step():
        a.grad = b.grad = None
        (a + b).backward(grad)

    return Workload(step, lambda: [a.grad.data, b.grad.data])


def chain(problem, variant):
    x = autograd.tensor(problem["x"], requires_grad=True)
    w = autograd.tensor(problem["w"])
    length = problem["length"]

    def step():
        x.grad = None
        y = x
        for _ in range(length):
            y = y * w
        y.backward(np.ones(y.shape, y.dtype))

    return Workload(step, lambda: [x.grad.data])


def chain_scalar(problem, variant):
    x = autograd.tensor(problem["x"], requires_grad=True)
    length = problem["length"]

    def step():
        x.grad = None
        y = x
        for _ in range(length):
            y = y * 1.0001
        y.backward(np.ones(y.shape, y.dtype))

    return Workload(step, lambda: [x.grad.data])


def _gradcheck(problem, fast: bool) -> Workload:
    try:
        from autograd.testing import gradcheck
    except ImportError as error:
        raise NotSupported(f"autograd.testing.gradcheck does not exist yet ({error})") from error
    params = [autograd.tensor(p, requires_grad=True) for p in problem["params"]]
    x, target = autograd.tensor(problem["x"]), autograd.tensor(problem["target"])
    depth = len(params) // 2

    def loss(*weights):
        h = x
        for i in range(depth):
            h = h @ weights[2 * i].T + weights[2 * i + 1]
            if i < depth - 1:
                h = autograd.tanh(h)  # smooth, so no kink can confuse the numerical derivative
        diff = h - target
        return (diff * diff).mean()

    def step():
        if not gradcheck(loss, params, fast_mode=fast):
            raise AssertionError("gradcheck failed on a correct MLP")

    return Workload(step, lambda: [])


def gradcheck_full(problem, variant):
    return _gradcheck(problem, fast=False)


def gradcheck_fast(problem, variant):
    return _gradcheck(problem, fast=True)


# ----- convolutions (nn package) ------------------------------------------------------------------


def conv2d(problem, variant):
    from nn import functional

    x = autograd.tensor(problem["x"], requires_grad=True)
    weight, bias = (autograd.tensor(p, requires_grad=True) for p in problem["params"])
    grad = problem["grad"]

    def step():
        x.grad = weight.grad = bias.grad = None
        functional.conv2d(x, weight, bias, padding=1).backward(grad)

    return Workload(step, lambda: [x.grad.data, weight.grad.data, bias.grad.data])


def lenet(problem, variant):
    import nn
    from nn import functional, optim

    model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    ordered = [p for m in model if hasattr(m, "weight") for p in (m.weight, m.bias)]
    for p, value in zip(ordered, fresh_copy(problem["params"])):
        p.data = value
    optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE)
    x, labels = autograd.tensor(problem["x"]), problem["labels"]

    def step():
        optimizer.zero_grad()
        value = functional.cross_entropy(model(x), labels)
        value.backward()
        optimizer.step()
        return value.item()

    return Workload(step, lambda: [p.grad.data for p in ordered])
