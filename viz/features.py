"""What a convolutional network sees: one layer's feature maps for one input, and the first layer's filters.

Both return a `matplotlib.figure.Figure` (matplotlib is imported only here, when a figure is made)
and, given `path`, also write it. `feature_maps` returns the arrays behind the picture.
"""
from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from nn import Module


def _module(model: Module, layer: str | Module) -> tuple[str, Module]:
    """The (path, module) of `layer`, given as a module path ('0', 'features.3') or as the module itself."""
    for name, module in model.named_modules():
        if module is layer or name == layer:
            return name, module
    names = [name for name, _ in model.named_modules() if name]
    raise ValueError(f"viz.features: {layer!r} is not a module of this model; its modules are {names}")


def feature_maps(model: Module, image, layer: str | Module) -> np.ndarray:
    """The output of `layer` for one input image (C, H, W) or (1, C, H, W): an array (channels, ...)."""
    import autograd as ag

    name, module = _module(model, layer)
    array = np.asarray(image.data if isinstance(image, ag.Tensor) else image)
    if array.ndim == 3:
        array = array[None]
    if array.ndim != 4 or array.shape[0] != 1:
        raise ValueError(f"viz.feature_maps: expected one image of shape (C, H, W) or (1, C, H, W), got {array.shape}")
    captured = []
    handle = module.register_forward_hook(lambda mod, inputs, output: captured.append(output.data))
    was_training = model.training
    model.eval()  # batch norm uses its running statistics: one image is no batch
    try:
        with ag.no_grad():
            model(ag.tensor(array))
    finally:
        handle.remove()
        model.train(was_training)
    if not captured:
        raise ValueError(f"viz.feature_maps: layer {name!r} did not run in the forward pass")
    return captured[-1][0]


def _grid(count: int, columns: int | None) -> tuple[int, int]:
    columns = columns or min(count, max(4, math.ceil(math.sqrt(count * 1.5))))
    return math.ceil(count / columns), columns


def _image_figure(panels: list[np.ndarray], titles: list[str], heading: str, columns: int | None,
                  symmetric: bool, path) -> Figure:
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError("viz figures need matplotlib: pip install 'gradsight[viz]'") from error
    rows, columns = _grid(len(panels), columns)
    figure = Figure(figsize=(1.4 * columns, 1.5 * rows + 0.4), layout="constrained")
    figure.suptitle(heading, fontsize=9)
    for index in range(rows * columns):
        axis = figure.add_subplot(rows, columns, index + 1)
        axis.set_axis_off()
        if index >= len(panels):
            continue
        panel = panels[index]
        if symmetric:  # filters: zero is mid-grey, so the sign of each weight is visible
            bound = float(np.abs(panel).max()) or 1.0
            axis.imshow(panel, cmap="RdBu_r", vmin=-bound, vmax=bound, interpolation="nearest")
        else:
            axis.imshow(panel, cmap="viridis", interpolation="nearest")
        axis.set_title(titles[index], fontsize=7)
    if path is not None:
        figure.savefig(os.fspath(path), dpi=110)
    return figure


def plot_feature_maps(model: Module, image, layer: str | Module, path: str | os.PathLike | None = None,
                      columns: int | None = None, limit: int = 32) -> Figure:
    """One panel per channel of `layer`'s output for one input image (the first `limit` channels).

    Each panel has its own colour scale; its title gives the channel and its range, and "dead"
    marks a channel that is 0 at every position (a dead ReLU channel for this input).
    """
    maps = feature_maps(model, image, layer)
    if maps.ndim == 2:  # (channels, length): one row per channel
        maps = maps[:, None, :]
    if maps.ndim != 3:
        raise ValueError(f"viz.plot_feature_maps: layer output of shape {maps.shape} is not a feature map; "
                         "choose a convolution, pooling or activation layer before Flatten")
    name, module = _module(model, layer)
    shown = maps[:limit]
    titles = [f"ch {c}: " + ("dead" if not channel.any() else f"{channel.min():.2g}..{channel.max():.2g}")
              for c, channel in enumerate(shown)]
    heading = f"feature maps of {name} ({type(module).__name__}), {maps.shape[0]} channels of {maps.shape[1:]}"
    return _image_figure(list(shown), titles, heading, columns, symmetric=False, path=path)


def plot_filters(model: Module, path: str | os.PathLike | None = None, columns: int | None = None,
                 limit: int = 64) -> Figure:
    """The first convolution's filters, one panel each (red positive, blue negative; mean over input channels)."""
    from nn import Conv1d, Conv2d

    found = next(((n, m) for n, m in model.named_modules() if isinstance(m, (Conv1d, Conv2d))), None)
    if found is None:
        raise ValueError("viz.plot_filters: the model has no Conv1d or Conv2d layer")
    name, conv = found
    weight = conv.weight.data
    kernels = weight.mean(axis=1) if weight.shape[1] > 1 else weight[:, 0]
    if kernels.ndim == 1:
        kernels = kernels[:, None]
    if kernels.ndim == 2:
        kernels = kernels[:, None, :]
    shown = kernels[:limit]
    averaged = " (mean over input channels)" if weight.shape[1] > 1 else ""
    heading = f"filters of {name} ({type(conv).__name__} {tuple(weight.shape)}){averaged}"
    return _image_figure(list(shown), [f"filter {i}" for i in range(len(shown))], heading, columns,
                         symmetric=True, path=path)
