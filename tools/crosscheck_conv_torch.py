"""Cross-check gradsight's convolution, pooling and batch norm against PyTorch (float64).

Random configurations (strides, padding incl. 'same', dilation, groups; max/avg pooling; batch
norm on (N, C, L) and (N, C, H, W) in training and eval mode) are run in PyTorch: forward,
first-order gradients of sum(out · up) with respect to every input, and second-order gradients
of sum(grad · v). A small PyTorch CNN (Conv2d, BatchNorm2d, MaxPool2d, AvgPool2d, Linear) gives
its state dict, outputs, parameter gradients and updated running statistics in train and eval mode.

    PYTHONPATH=. benchmarks/.envs/torch/bin/python tools/crosscheck_conv_torch.py --seed 7 --cases 300
        checks fresh random cases against gradsight now (cases the test suite does not see);
    PYTHONPATH=. benchmarks/.envs/torch/bin/python tools/crosscheck_conv_torch.py --write
        rewrites tests/data/torch_conv_goldens.npz (seed 0), which tests/test_conv_torch_goldens.py
        checks without torch.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch

GOLDENS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "torch_conv_goldens.npz")
TF = torch.nn.functional


def _ints(rng, rank, low, high):
    return [int(v) for v in rng.integers(low, high + 1, rank)]


def random_case(rng) -> dict:
    """One random op configuration: {'op', 'params', 'arrays': {name: array}}, arrays in the call order."""
    kind = rng.choice(["conv", "conv", "conv", "max_pool", "avg_pool", "batch_norm"])
    rank = int(rng.integers(1, 3))
    if kind == "conv":
        groups = int(rng.choice([1, 1, 2, 3]))
        channels, out_channels = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        kernel, dilation = _ints(rng, rank, 1, 4), _ints(rng, rank, 1, 3)
        padding = rng.choice(["int", "tuple", "same", "valid"], p=[0.35, 0.35, 0.15, 0.15])
        padding = {"int": int(rng.integers(0, 3)), "tuple": _ints(rng, rank, 0, 3)}.get(str(padding), str(padding))
        stride = 1 if padding == "same" else _ints(rng, rank, 1, 3)
        size = [d * (k - 1) + 1 + int(rng.integers(0, 4)) for k, d in zip(kernel, dilation)]
        arrays = {"x": rng.normal(size=[int(rng.integers(1, 3)), channels] + size),
                  "weight": rng.normal(size=[out_channels, channels // groups] + kernel)}
        if rng.random() < 0.7:
            arrays["bias"] = rng.normal(size=out_channels)
        params = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
        return {"op": f"conv{rank}d", "params": params, "arrays": arrays}
    if kind in ("max_pool", "avg_pool"):
        kernel = _ints(rng, rank, 1, 4)
        stride = None if rng.random() < 0.3 else _ints(rng, rank, 1, 3)
        padding = [int(rng.integers(0, k // 2 + 1)) for k in kernel]
        size = [k + int(rng.integers(0, 4)) for k in kernel]
        params = {"kernel_size": kernel, "stride": stride, "padding": padding}
        if kind == "max_pool":
            params["dilation"] = _ints(rng, rank, 1, 2)
            size = [s + (d - 1) * (k - 1) for s, d, k in zip(size, params["dilation"], kernel)]
        else:
            params["count_include_pad"] = bool(rng.random() < 0.5)
        x = rng.permutation(int(np.prod(size)) * 4).reshape([2, 2] + size) / 7.0  # distinct: no tied maxima
        return {"op": f"{kind}{rank}d", "params": params, "arrays": {"x": x}}
    shape = [int(rng.integers(2, 5)), int(rng.integers(1, 4))] + _ints(rng, rank, 1, 4)
    channels = shape[1]
    arrays = {"x": rng.normal(size=shape) * 2 + 1, "weight": rng.normal(size=channels),
              "bias": rng.normal(size=channels)}
    params = {"training": bool(rng.random() < 0.6), "momentum": 0.1, "eps": 1e-5,
              "running_mean": rng.normal(size=channels).tolist(),
              "running_var": rng.uniform(0.5, 2, size=channels).tolist()}
    return {"op": "batch_norm", "params": params, "arrays": arrays}


def torch_call(op: str, tensors: dict, params: dict):
    """The op in PyTorch; batch_norm also returns its updated running statistics."""
    if op.startswith("conv"):
        bias = tensors.get("bias")
        return getattr(TF, op)(tensors["x"], tensors["weight"], bias, **params), {}
    if op.startswith("batch_norm"):
        mean = torch.tensor(params["running_mean"], dtype=torch.float64)
        var = torch.tensor(params["running_var"], dtype=torch.float64)
        out = TF.batch_norm(tensors["x"], mean, var, tensors["weight"], tensors["bias"], params["training"],
                            params["momentum"], params["eps"])
        return out, {"running_mean": mean.numpy(), "running_var": var.numpy()}
    return getattr(TF, op)(tensors["x"], **params), {}


def torch_results(case: dict, rng) -> dict:
    """Forward, first- and second-order results of a case in PyTorch (float64)."""
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in case["arrays"].items()}
    out, extra = torch_call(case["op"], tensors, case["params"])
    up = rng.normal(size=tuple(out.shape))
    names = list(tensors)
    grads = torch.autograd.grad((out * torch.from_numpy(up)).sum(), [tensors[n] for n in names], create_graph=True)
    directions = {n: rng.normal(size=case["arrays"][n].shape) for n in names}
    second_loss = sum((g * torch.from_numpy(directions[n])).sum() for n, g in zip(names, grads))
    second = torch.autograd.grad(second_loss, [tensors[n] for n in names], allow_unused=True)
    results = {"out": out.detach().numpy(), "up": up, **{f"running/{k}": v for k, v in extra.items()}}
    for n, g, s in zip(names, grads, second):
        results[f"grad/{n}"] = g.detach().numpy()
        results[f"direction/{n}"] = directions[n]
        results[f"second/{n}"] = np.zeros(case["arrays"][n].shape) if s is None else s.detach().numpy()
    return results


class TorchCNN(torch.nn.Module):
    """Conv-BN-ReLU-MaxPool, Conv-ReLU-AvgPool, Flatten, Linear: the layers a PyTorch CNN state dict holds."""

    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(4, 6, 3, stride=1, padding="same", groups=2), torch.nn.ReLU(), torch.nn.AvgPool2d(2),
            torch.nn.Flatten(), torch.nn.Linear(6 * 2 * 2, 3))

    def forward(self, x):
        return self.features(x)


def torch_cnn_goldens(seed: int = 0) -> dict:
    """State dict, input, outputs and gradients of TorchCNN in train mode (one step of statistics) and eval mode."""
    torch.manual_seed(seed)
    model = TorchCNN().double()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(5, 1, 8, 8))
    labels = rng.integers(0, 3, 5)
    result = {f"state/{k}": v.detach().numpy().copy() for k, v in model.state_dict().items()}
    result.update({"x": x, "labels": labels})
    for mode in ("train", "eval"):
        model.train(mode == "train")
        model.zero_grad()
        inputs = torch.tensor(x, requires_grad=True)
        out = model(inputs)
        loss = TF.cross_entropy(out, torch.from_numpy(labels))
        loss.backward()
        result[f"{mode}/out"], result[f"{mode}/x_grad"] = out.detach().numpy(), inputs.grad.numpy()
        for name, p in model.named_parameters():
            result[f"{mode}/grad/{name}"] = p.grad.numpy().copy()
        for name, b in model.named_buffers():
            result[f"{mode}/buffer/{name}"] = b.numpy().copy()
    return result


def build_goldens(seed: int, count: int) -> dict:
    rng = np.random.default_rng(seed)
    archive = {}
    for i in range(count):
        case = random_case(rng)
        archive[f"{i}/meta"] = np.array(json.dumps({"op": case["op"], "params": case["params"],
                                                    "inputs": list(case["arrays"])}))
        for name, array in case["arrays"].items():
            archive[f"{i}/input/{name}"] = array
        for key, value in torch_results(case, rng).items():
            archive[f"{i}/{key}"] = value
    archive.update({f"cnn/{k}": v for k, v in torch_cnn_goldens(seed).items()})
    archive["torch_version"] = np.array(torch.__version__)
    return archive


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=80)
    parser.add_argument("--write", action="store_true", help="write tests/data/torch_conv_goldens.npz (seed 0)")
    args = parser.parse_args()
    torch.set_default_dtype(torch.float64)
    archive = build_goldens(args.seed, args.cases)
    if args.write:
        np.savez_compressed(GOLDENS, **archive)
        print(f"wrote {os.path.normpath(GOLDENS)}: {args.cases} cases and the CNN, torch {torch.__version__}")
        return 0
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from tests.conv_torch_checks import case_count, check_case, check_cnn

    for i in range(case_count(archive)):
        check_case(archive, i)
    check_cnn(archive)
    print(f"{case_count(archive)} random cases (seed {args.seed}) and the CNN in train and eval mode agree with "
          f"torch {torch.__version__}: forward, first and second order")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
