"""smooth_l1_loss (PyTorch's), a composite of huber_loss: values and gradients against torch's, a
numerical gradient check in float64, and beta = 0 as l1_loss."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd.testing import gradcheck

# torch 2.13: F.smooth_l1_loss(x, t, beta=beta) and x.grad, for these x and t in float64
X, T = [0.2, -1.5, 3.0, 0.5], [0.0, 0.0, 1.0, 0.1]
TORCH = {1.0: (0.65, [0.05, -0.25, 0.25, 0.1]), 0.5: (0.8, [0.1, -0.25, 0.25, 0.2]),
         0.0: (1.0250000000000001, [0.25, -0.25, 0.25, 0.25])}


@pytest.mark.parametrize("beta", TORCH)
def test_smooth_l1_matches_pytorch(beta):
    x = autograd.tensor(np.array(X), requires_grad=True)
    loss = F.smooth_l1_loss(x, autograd.tensor(np.array(T)), beta=beta)
    loss.backward()
    value, grad = TORCH[beta]
    assert loss.item() == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(x.grad.data, grad, rtol=1e-13, atol=1e-15)


def test_smooth_l1_per_item_layer_and_numerical_gradient():
    per_item = nn.SmoothL1Loss(reduction="none", beta=0.5)(autograd.tensor(np.array(X)), autograd.tensor(np.array(T)))
    np.testing.assert_allclose(per_item.data, [0.04, 1.25, 1.75, 0.16], rtol=1e-13)  # torch's values
    rng = np.random.default_rng(0)
    x = autograd.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    target = autograd.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    assert gradcheck(lambda a, b: F.smooth_l1_loss(a, b, beta=0.7), [x, target])


def test_smooth_l1_refuses_a_negative_beta_and_mismatched_shapes():
    x = autograd.tensor(np.zeros((5, 1)))
    with pytest.raises(ValueError, match="beta must be >= 0"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match=r"^smooth_l1_loss: input of shape \(5, 1\) and target of shape \(5,\)"):
        F.smooth_l1_loss(x, autograd.tensor(np.zeros(5)))
