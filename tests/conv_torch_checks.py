"""Checks of gradsight against PyTorch's stored results (tests/data/torch_conv_goldens.npz); shared by
tests/test_conv_torch_goldens.py and tools/crosscheck_conv_torch.py (which runs them on fresh cases)."""
import json

import numpy as np

import autograd as ag
import nn
import nn.functional as F

TOLERANCE = dict(rtol=1e-9, atol=1e-10)


def case_count(archive) -> int:
    """How many random op cases the archive holds."""
    return sum(1 for key in archive if key.endswith("/meta"))


def _call(op: str, tensors: list, params: dict):
    if op.startswith("batch_norm"):
        running = {k: np.array(params[k]) for k in ("running_mean", "running_var")}
        x, weight, bias = tensors
        out = F.batch_norm(x, running["running_mean"], running["running_var"], weight, bias, params["training"],
                           params["momentum"], params["eps"])
        return out, running
    return getattr(F, op)(*tensors, **params), {}


def check_case(archive, index: int) -> None:
    """Recompute case `index` with gradsight and compare every stored PyTorch result."""
    meta = json.loads(str(archive[f"{index}/meta"]))
    op, params, names = meta["op"], meta["params"], meta["inputs"]
    if isinstance(params.get("padding"), list):
        params["padding"] = tuple(params["padding"])
    where = f"case {index}: {op} {params}"
    tensors = [ag.tensor(archive[f"{index}/input/{n}"], requires_grad=True) for n in names]
    out, running = _call(op, tensors, params)
    np.testing.assert_allclose(out.data, archive[f"{index}/out"], **TOLERANCE, err_msg=f"{where}: forward")
    for key, value in running.items():
        np.testing.assert_allclose(value, archive[f"{index}/running/{key}"], **TOLERANCE, err_msg=f"{where}: {key}")
    grads = ag.grad((out * archive[f"{index}/up"]).sum(), tensors, create_graph=True)
    for name, grad in zip(names, grads):
        np.testing.assert_allclose(grad.data, archive[f"{index}/grad/{name}"], **TOLERANCE,
                                   err_msg=f"{where}: gradient of {name}")
    second_loss = sum((g * archive[f"{index}/direction/{n}"]).sum() for n, g in zip(names, grads))
    if not second_loss.requires_grad:  # piecewise-linear ops: the second derivative is 0
        for name in names:
            assert not archive[f"{index}/second/{name}"].any(), f"{where}: torch has a second derivative"
        return
    second = run_second(second_loss, tensors)
    for name, grad in zip(names, second):
        np.testing.assert_allclose(grad, archive[f"{index}/second/{name}"], **TOLERANCE,
                                   err_msg=f"{where}: second-order gradient of {name}")


def run_second(loss, tensors) -> list:
    """d loss / d tensors, with zeros for tensors the loss does not reach (torch's allow_unused)."""
    for t in tensors:
        t.grad = None
    loss.backward()
    return [np.zeros(t.shape) if t.grad is None else t.grad.data for t in tensors]


def gradsight_cnn() -> nn.Module:
    """TorchCNN of the tool, layer for layer: the same state-dict keys and shapes."""
    model = nn.Module()
    model.features = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, dtype=np.float64), nn.BatchNorm2d(4, dtype=np.float64), nn.ReLU(),
        nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, stride=1, padding="same", groups=2, dtype=np.float64), nn.ReLU(),
        nn.AvgPool2d(2), nn.Flatten(), nn.Linear(6 * 2 * 2, 3, dtype=np.float64))
    model.forward = lambda x: model.features(x)
    return model


def check_cnn(archive) -> None:
    """Load PyTorch's state dict; outputs, input and parameter gradients and buffers match in both modes."""
    model = gradsight_cnn()
    state = {key.removeprefix("cnn/state/"): archive[key] for key in archive if key.startswith("cnn/state/")}
    model.load_state_dict(state)
    x, labels = archive["cnn/x"], archive["cnn/labels"]
    for mode in ("train", "eval"):
        model.train(mode == "train")
        model.zero_grad()
        inputs = ag.tensor(x, requires_grad=True)
        out = model(inputs)
        F.cross_entropy(out, labels).backward()
        np.testing.assert_allclose(out.data, archive[f"cnn/{mode}/out"], **TOLERANCE, err_msg=f"CNN {mode}: output")
        np.testing.assert_allclose(inputs.grad.data, archive[f"cnn/{mode}/x_grad"], **TOLERANCE,
                                   err_msg=f"CNN {mode}: input gradient")
        for name, p in model.named_parameters():
            np.testing.assert_allclose(p.grad.data, archive[f"cnn/{mode}/grad/{name}"], **TOLERANCE,
                                       err_msg=f"CNN {mode}: gradient of {name}")
        for name, b in model.named_buffers():
            np.testing.assert_allclose(b.data, archive[f"cnn/{mode}/buffer/{name}"], **TOLERANCE,
                                       err_msg=f"CNN {mode}: buffer {name}")
