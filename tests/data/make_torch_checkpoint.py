"""Writes tests/data/torch_mlp_checkpoint.npz: a PyTorch MLP's state dict as NumPy arrays, plus
an input and PyTorch's outputs on it, so tests can check that gradsight loads the state dict as
is and computes the same numbers. Run with the PyTorch venv (gradsight never imports torch):

    /opt/torchvenv/bin/python tests/data/make_torch_checkpoint.py

Keys: "state/<name>" for every state dict entry; "input"; "eval_output" (model.eval()(input));
"train_output" (model.train()(input)); "state_after_train/<name>" (running statistics after that
training-mode forward).
"""
import os

import numpy as np
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Linear(5, 7), torch.nn.BatchNorm1d(7), torch.nn.Tanh(),
    torch.nn.Linear(7, 6), torch.nn.ReLU(), torch.nn.LayerNorm(6), torch.nn.PReLU(),
    torch.nn.Linear(6, 3),
)
# a few training forwards so the running statistics are not their initial values
with torch.no_grad():
    for _ in range(3):
        model(torch.randn(16, 5) * 2 + 1)
    model[5].weight.normal_()
    model[5].bias.normal_()
state = {f"state/{k}": v.numpy().copy() for k, v in model.state_dict().items()}
x = torch.randn(10, 5)
with torch.no_grad():
    model.eval()
    eval_output = model(x).numpy()
    model.train()
    train_output = model(x).numpy()
after = {f"state_after_train/{k}": v.numpy().copy() for k, v in model.state_dict().items()}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "torch_mlp_checkpoint.npz")
np.savez(path, input=x.numpy(), eval_output=eval_output, train_output=train_output, **state, **after)
print("wrote", path, "with torch", torch.__version__)
