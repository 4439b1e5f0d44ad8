"""viz on convolutional networks: per-channel unit health in the Monitor, conv layers in the layer
view, feature maps and filters."""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
import viz

pytest.importorskip("matplotlib")


def cnn(activation, rng):
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1, generator=rng), activation(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3 * 4 * 4, 2, generator=rng))


def test_a_channel_is_dead_when_zero_at_every_position_of_every_sample():
    rng = np.random.default_rng(0)
    model = cnn(nn.ReLU, rng)
    model[0].bias.data[:] = [0.0, -100.0, 0.0]  # channel 1 never fires; the others fire somewhere
    monitor = viz.Monitor(model)
    loss = F.cross_entropy(model(ag.tensor(rng.normal(size=(4, 1, 8, 8)))), np.array([0, 1, 0, 1]))
    loss.backward()
    monitor.step(loss)
    relu = next(layer for layer in monitor.records[-1].layers if layer.kind == "ReLU")
    assert relu.activation.units == 3  # channels are the units, positions count as samples
    assert relu.activation.dead_fraction == pytest.approx(1 / 3)


def test_a_tanh_channel_is_saturated_when_saturated_everywhere():
    rng = np.random.default_rng(0)
    model = cnn(nn.Tanh, rng)
    model[0].bias.data[:] = [50.0, 0.0, -50.0]
    model[0].weight.data[:] *= 0.01
    monitor = viz.Monitor(model)
    model(ag.tensor(rng.normal(size=(4, 1, 8, 8)))).sum().backward()
    monitor.step(0.0)
    tanh = next(layer for layer in monitor.records[-1].layers if layer.kind == "Tanh")
    assert tanh.activation.saturated_units == pytest.approx(2 / 3)


def test_the_layer_view_shows_conv_pool_and_flatten_layers():
    rng = np.random.default_rng(1)
    model = cnn(nn.ReLU, rng)
    loss = F.cross_entropy(model(ag.tensor(rng.normal(size=(4, 1, 8, 8)))), np.array([0, 1, 0, 1]))
    source = viz.draw_model(model, loss, merge_activations=False).source
    for label in ("Conv2d  (4, 3, 8, 8)", "MaxPool2d  (4, 3, 4, 4)", "Flatten  (4, 48)", "Linear  (4, 2)"):
        assert label in source, source


def test_feature_maps_are_the_layer_output_for_one_image():
    rng = np.random.default_rng(2)
    model = cnn(nn.ReLU, rng)
    image = rng.normal(size=(1, 8, 8))
    maps = viz.feature_maps(model, image, "1")
    expected = np.maximum(F.conv2d(image[None], model[0].weight, model[0].bias, padding=1).data[0], 0)
    np.testing.assert_allclose(maps, expected, rtol=1e-6)
    figure = viz.plot_feature_maps(model, image, model[1])
    assert len([a for a in figure.axes if a.images]) == 3
    with pytest.raises(ValueError, match="'9' is not a module of this model"):
        viz.feature_maps(model, image, "9")
    with pytest.raises(ValueError, match="is not a feature map"):
        viz.plot_feature_maps(model, image, "3")


def test_filters_show_the_first_convolution():
    rng = np.random.default_rng(3)
    figure = viz.plot_filters(cnn(nn.ReLU, rng))
    panels = [a for a in figure.axes if a.images]
    assert len(panels) == 3 and panels[0].images[0].get_array().shape == (3, 3)
    with pytest.raises(ValueError, match="no Conv1d or Conv2d"):
        viz.plot_filters(nn.Sequential(nn.Linear(2, 2)))
