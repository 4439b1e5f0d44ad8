"""A first look at gradsight: train a tiny tanh network on XOR-like data and print its gradients."""
import numpy as np

import autograd as ag

rng = np.random.default_rng(0)
x = ag.tensor(rng.uniform(-1, 1, size=(64, 2)))
y = ag.tensor((x.data[:, :1] * x.data[:, 1:] > 0).astype(np.float32))

w1 = ag.tensor(rng.standard_normal((2, 8)) * 0.5, requires_grad=True, dtype=np.float32)
b1 = ag.zeros(8, requires_grad=True)
w2 = ag.tensor(rng.standard_normal((8, 1)) * 0.5, requires_grad=True, dtype=np.float32)
b2 = ag.zeros(1, requires_grad=True)
params = [w1, b1, w2, b2]

for step in range(201):
    hidden = ag.tanh(x @ w1 + b1)
    prob = ag.sigmoid(hidden @ w2 + b2)
    loss = -(y * ag.log(prob + 1e-7) + (1 - y) * ag.log(1 - prob + 1e-7)).mean()
    for p in params:
        p.grad = None
    loss.backward()
    for p in params:
        p.data -= 1.0 * p.grad.data
    if step % 50 == 0:
        norms = "  ".join(f"|g_{name}|={np.linalg.norm(p.grad.data):.2e}"
                          for name, p in zip(["w1", "b1", "w2", "b2"], params))
        print(f"step {step:3d}  loss {loss.item():.4f}  {norms}")
