"""Real models trained to real results with the whole stack: modules, functional ops, optimizers,
schedulers, data. Each run is seeded, so its numbers repeat exactly."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from nn.data import DataLoader, load_digits, train_test_split


def fit(model, optimizer, x, y, epochs, batch_size=32, seed=0, scheduler=None, penalty=None):
    loader = DataLoader(x, y, batch_size=batch_size, shuffle=True, seed=seed)
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            if penalty is not None:
                loss = loss + penalty(model)
            loss.backward()
            optimizer.step()
        if scheduler is not None:
            scheduler.step()


def accuracy(model, x, y):
    model.eval()
    with autograd.no_grad():
        return F.accuracy(model(autograd.tensor(x)), y)


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return train_test_split(x, y, test_size=0.25, seed=0, stratify=y)


@pytest.mark.parametrize("activation,optimizer", [
    (nn.Tanh, lambda p: nn.optim.Adam(p, lr=0.05)),
    (nn.ReLU, lambda p: nn.optim.SGD(p, lr=0.1, momentum=0.9)),
])
def test_mlp_separates_two_circles(activation, optimizer):
    x, y = nn.data.two_circles(600, noise=0.05, seed=0)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, seed=0)
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), activation(), nn.Linear(16, 2))
    nn.init.init_biases_(model, 0.01)
    assert accuracy(model, x_test, y_test) < 0.8  # an untrained net is near chance
    fit(model, optimizer(model.parameters()), x_train, y_train, epochs=30)
    assert accuracy(model, x_train, y_train) >= 0.99
    assert accuracy(model, x_test, y_test) >= 0.99


def test_digits_mlp_reaches_95_percent_in_20_epochs(digits):
    x_train, x_test, y_train, y_test = digits
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    fit(model, nn.optim.Adam(model.parameters(), lr=3e-3), x_train, y_train, epochs=20)
    assert accuracy(model, x_test, y_test) >= 0.95
    assert F.zero_one_loss(model(autograd.tensor(x_test)), y_test) <= 0.05


def test_digits_with_batch_norm_dropout_and_a_schedule(digits, tmp_path):
    x_train, x_test, y_train, y_test = digits
    nn.manual_seed(1)
    model = nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10))
    optimizer = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
    scheduler = nn.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.3)
    fit(model, optimizer, x_train, y_train, epochs=20, seed=1, scheduler=scheduler)
    assert scheduler.get_last_lr()[0] == pytest.approx(0.05 * 0.3 ** 2)
    score = accuracy(model, x_test, y_test)
    assert score >= 0.95
    # the checkpoint of a trained batch-norm model restores the same predictions
    model.save(tmp_path / "digits.npz")
    nn.manual_seed(2)
    restored = nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10))
    restored.load(tmp_path / "digits.npz")
    assert accuracy(restored, x_test, y_test) == score


def test_maxout_network_learns_spirals():
    x, y = nn.data.spirals(600, n_classes=3, noise=0.1, seed=0)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.25, seed=0, stratify=y)
    nn.manual_seed(0)
    model = nn.Sequential(nn.Maxout(2, 32, pieces=3), nn.Maxout(32, 32, pieces=3), nn.Linear(32, 3))
    fit(model, nn.optim.Adam(model.parameters(), lr=0.01), x_train, y_train, epochs=40)
    assert accuracy(model, x_test, y_test) >= 0.95


def test_weight_penalties_shrink_the_weights(digits):
    x_train, _, y_train, _ = digits
    norms = {}
    for name, penalty in (("none", None), ("l2", lambda m: nn.optim.l2_penalty(m, 5e-2)),
                          ("l1", lambda m: nn.optim.l1_penalty(m, 5e-3))):
        nn.manual_seed(0)
        model = nn.Sequential(nn.Linear(64, 32), nn.Tanh(), nn.Linear(32, 10))
        fit(model, nn.optim.SGD(model.parameters(), lr=0.1), x_train[:400], y_train[:400], epochs=10,
            penalty=penalty)
        weights = np.concatenate([model[0].weight.data.ravel(), model[2].weight.data.ravel()])
        norms[name] = (np.sum(weights ** 2), np.sum(np.abs(weights)), np.mean(np.abs(weights) < 1e-2))
    assert norms["l2"][0] < 0.8 * norms["none"][0]
    assert norms["l1"][1] < 0.8 * norms["none"][1]
    assert norms["l1"][2] > norms["none"][2]  # L1 drives more weights to (nearly) zero


def test_clip_grad_norm_bounds_every_step_of_a_run(digits):
    x_train, _, y_train, _ = digits
    nn.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    nn.init.large_random_(model[0].weight)  # huge initial logits make huge gradients
    nn.init.large_random_(model[2].weight)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.05)
    norms, losses = [], []
    for xb, yb in DataLoader(x_train, y_train, batch_size=64, shuffle=True, seed=0):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        norms.append(nn.utils.clip_grad_norm_(model.parameters(), 1.0).item())
        clipped = np.sqrt(sum(np.sum(p.grad.data.astype(np.float64) ** 2) for p in model.parameters()))
        assert clipped <= 1.0 + 1e-4
        optimizer.step()
        losses.append(loss.item())
    assert max(norms) > 10.0  # clipping did act, on gradients far above the limit
    assert np.all(np.isfinite(losses)) and np.mean(losses[-5:]) < np.mean(losses[:5])
