"""Writes tests/data/torch_layer_goldens.npz: outputs and input gradients of PyTorch's activation
and loss modules built with their DEFAULT arguments, and of BatchNorm1d in training mode, so
tests/test_nn_layers.py can check that gradsight's modules have PyTorch's defaults and numbers.
Run with the PyTorch venv:

    /opt/torchvenv/bin/python tests/data/make_torch_layer_goldens.py

For each case "<name>": "<name>/output" and "<name>/grad" (the gradient of sum(output · w) with
respect to the input, w = the fixed "upstream" array for elementwise outputs, 1 for losses).
"""
import os

import numpy as np
import torch

rng = np.random.default_rng(1234)
x = (rng.normal(size=(6, 5)) * 3).astype(np.float64)
upstream = rng.normal(size=(6, 5))
labels = np.array([0, 3, 4, 1, 2, 3])
probabilities = rng.dirichlet(np.ones(5), size=6)
binary = (rng.random(size=(6, 5)) > 0.5).astype(np.float64)
signs = 2 * binary - 1

ACTIVATIONS = {
    "Sigmoid": torch.nn.Sigmoid(), "Tanh": torch.nn.Tanh(), "ReLU": torch.nn.ReLU(),
    "LeakyReLU": torch.nn.LeakyReLU(), "ELU": torch.nn.ELU(), "SELU": torch.nn.SELU(),
    "Softplus": torch.nn.Softplus(), "SiLU": torch.nn.SiLU(), "GELU": torch.nn.GELU(),
    "GELU_tanh": torch.nn.GELU(approximate="tanh"), "Softmax": torch.nn.Softmax(dim=-1),
    "LogSoftmax": torch.nn.LogSoftmax(dim=-1), "PReLU": torch.nn.PReLU().double(),
    "LayerNorm": torch.nn.LayerNorm(5).double(), "Identity": torch.nn.Identity(),
}
LOSSES = {
    "MSELoss": (torch.nn.MSELoss(), lambda t: t, torch.from_numpy(upstream)),
    "L1Loss": (torch.nn.L1Loss(), lambda t: t, torch.from_numpy(upstream)),
    "HuberLoss": (torch.nn.HuberLoss(), lambda t: t, torch.from_numpy(upstream)),
    "BCELoss": (torch.nn.BCELoss(), torch.sigmoid, torch.from_numpy(binary)),
    "BCEWithLogitsLoss": (torch.nn.BCEWithLogitsLoss(), lambda t: t, torch.from_numpy(binary)),
    "CrossEntropyLoss": (torch.nn.CrossEntropyLoss(), lambda t: t, torch.from_numpy(labels)),
    "CrossEntropyLoss_soft": (torch.nn.CrossEntropyLoss(), lambda t: t, torch.from_numpy(probabilities)),
    "NLLLoss": (torch.nn.NLLLoss(), lambda t: torch.log_softmax(t, -1), torch.from_numpy(labels)),
    "MultiMarginLoss": (torch.nn.MultiMarginLoss(), lambda t: t, torch.from_numpy(labels)),
    "KLDivLoss": (torch.nn.KLDivLoss(reduction="batchmean"), lambda t: torch.log_softmax(t, -1),
                  torch.from_numpy(probabilities)),
}


def main():
    out = {"x": x, "upstream": upstream, "labels": labels, "probabilities": probabilities, "binary": binary,
           "signs": signs}
    for name, module in ACTIVATIONS.items():
        t = torch.tensor(x, requires_grad=True)
        y = module(t)
        (y * torch.from_numpy(upstream)).sum().backward()
        out[f"{name}/output"], out[f"{name}/grad"] = y.detach().numpy(), t.grad.numpy()
    for name, (module, prepare, target) in LOSSES.items():
        t = torch.tensor(x, requires_grad=True)
        loss = module(prepare(t), target)
        loss.backward()
        out[f"{name}/output"], out[f"{name}/grad"] = loss.detach().numpy(), t.grad.numpy()
    bn = torch.nn.BatchNorm1d(5).double()
    with torch.no_grad():
        bn.weight.copy_(torch.linspace(0.5, 2.0, 5))
        bn.bias.copy_(torch.linspace(-1.0, 1.0, 5))
    t = torch.tensor(x, requires_grad=True)
    y = bn(t)
    (y * torch.from_numpy(upstream)).sum().backward()
    out["BatchNorm1d/output"], out["BatchNorm1d/grad"] = y.detach().numpy(), t.grad.numpy()
    out["BatchNorm1d/weight_grad"], out["BatchNorm1d/bias_grad"] = bn.weight.grad.numpy(), bn.bias.grad.numpy()
    out["BatchNorm1d/running_mean"], out["BatchNorm1d/running_var"] = bn.running_mean.numpy(), bn.running_var.numpy()
    bn.eval()
    out["BatchNorm1d/eval_output"] = bn(torch.from_numpy(x)).detach().numpy()
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_layer_goldens.npz")
    np.savez(path, **out)
    print("wrote", path, "with torch", torch.__version__)


if __name__ == "__main__":
    main()
