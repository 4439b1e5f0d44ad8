"""Greedy layer-wise pre-training: each hidden stage learns to reconstruct its input, lower stages
stay frozen while upper ones train, the model keeps only its encoders, and fine-tuning the whole
network then classifies the digits."""
import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from nn.data import load_digits, train_test_split
from nn.pretrain import StageReport, fine_tune, pretrain_layerwise, split_stages


@pytest.fixture(scope="module")
def digits():
    x, y = load_digits()
    return train_test_split(x, y, test_size=0.25, seed=0, stratify=y)


def deep_sigmoid_net():
    return nn.Sequential(nn.Linear(64, 32), nn.Sigmoid(), nn.Linear(32, 16), nn.Sigmoid(), nn.Linear(16, 10))


def test_split_stages_cuts_at_weighted_layers():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU(), nn.Maxout(3, 2, pieces=2),
                          nn.Dropout(0.1), nn.Linear(2, 1))
    stages = split_stages(model)
    assert [len(stage) for stage in stages] == [3, 2, 1]
    assert stages[0][1] is model[1] and stages[2][0] is model[5]
    with pytest.raises(ValueError, match="must start with a Linear"):
        split_stages(nn.Sequential(nn.ReLU(), nn.Linear(2, 2)))
    with pytest.raises(TypeError, match="Sequential"):
        split_stages(nn.Linear(2, 2))


def test_each_stage_learns_to_reconstruct_its_input(digits):
    x_train = digits[0]
    nn.manual_seed(0)
    model = deep_sigmoid_net()
    keys = list(model.state_dict())
    output_layer = model[4].weight.data.copy()
    reports = pretrain_layerwise(model, x_train, epochs=8, lr=1e-2, seed=0)
    assert [type(r) for r in reports] == [StageReport, StageReport]
    assert [(r.input_features, r.output_features) for r in reports] == [(64, 32), (32, 16)]
    for report in reports:
        assert report.final_loss < 0.5 * report.initial_loss, report
        assert report.losses[-1] < report.losses[0]
    assert list(model.state_dict()) == keys  # the decoders are not kept
    np.testing.assert_array_equal(model[4].weight.data, output_layer)  # the output layer is not pre-trained
    assert all(p.requires_grad for p in model.parameters())  # unfrozen, ready for fine-tuning


def test_lower_stages_are_frozen_while_upper_ones_train(digits):
    x_train = digits[0][:300]
    nn.manual_seed(0)
    model = deep_sigmoid_net()
    first_layer = model[0]
    seen = []

    def make_optimizer(params):
        seen.append(({id(p) for p in params}, first_layer.weight.data.copy()))
        return nn.optim.Adam(params, lr=1e-2)

    pretrain_layerwise(model, x_train, epochs=2, make_optimizer=make_optimizer, unfreeze=False)
    assert id(first_layer.weight) in seen[0][0] and id(first_layer.weight) not in seen[1][0]
    assert id(model[2].weight) in seen[1][0]
    # stage 0's weights at the start of stage 1 training are its final weights: untouched since
    np.testing.assert_array_equal(seen[1][1], first_layer.weight.data)
    assert not first_layer.weight.requires_grad and not model[2].weight.requires_grad
    assert model[4].weight.requires_grad


def test_denoising_reconstructs_clean_inputs_from_corrupted_ones(digits):
    x_train = digits[0][:600]
    losses = {}
    for noise in (0.0, 0.5, 0.99):
        nn.manual_seed(0)
        model = deep_sigmoid_net()
        report = pretrain_layerwise(model, x_train, epochs=6, lr=1e-2, noise=noise, seed=0)[0]
        losses[noise] = report.final_loss
    # corruption makes the clean reconstruction harder; with almost every input masked the
    # autoencoder cannot even beat predicting the mean image (whose error is the data's variance)
    assert losses[0.0] < losses[0.5] < losses[0.99]
    variance = float(np.mean((x_train - x_train.mean(axis=0)) ** 2))
    assert losses[0.5] < variance < losses[0.99]
    report = pretrain_layerwise(deep_sigmoid_net(), x_train, epochs=2, noise=0.1, corruption="gaussian", seed=0)
    assert len(report) == 2
    with pytest.raises(ValueError, match="corruption"):
        pretrain_layerwise(deep_sigmoid_net(), x_train, corruption="salt")


def test_tied_decoder_shares_the_encoder_weight(digits):
    x_train = digits[0][:300]
    model = deep_sigmoid_net()
    counts = []

    def make_optimizer(params):
        counts.append([tuple(p.shape) for p in params])
        return nn.optim.Adam(params, lr=1e-2)

    reports = pretrain_layerwise(model, x_train, epochs=4, tied=True, make_optimizer=make_optimizer, seed=0)
    # encoder weight and bias, and the decoder's own bias; the weight is trained once, shared
    assert counts[0] == [(32, 64), (32,), (64,)]
    assert reports[0].final_loss < reports[0].initial_loss


def test_pretrain_then_fine_tune_classifies_digits(digits):
    x_train, x_test, y_train, y_test = digits
    nn.manual_seed(0)
    model = deep_sigmoid_net()
    pretrain_layerwise(model, x_train, epochs=5, lr=1e-2, seed=0)
    history = fine_tune(model, x_train, y_train, nn.CrossEntropyLoss(), epochs=15, lr=1e-2, seed=0)
    assert history[-1] < history[0]
    model.eval()
    with autograd.no_grad():
        assert F.accuracy(model(autograd.tensor(x_test)), y_test) >= 0.93


def test_pretrain_needs_a_hidden_stage():
    with pytest.raises(ValueError, match="hidden stage"):
        pretrain_layerwise(nn.Sequential(nn.Linear(3, 2)), np.zeros((4, 3), np.float32))
