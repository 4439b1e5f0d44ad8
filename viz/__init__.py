"""gradsight's `viz`: see gradient flow.

    tr = viz.trace(loss, model=model)       # before backward: hooks record op gradients
    loss.backward()
    viz.draw_graph(tr).render("graph", format="png")   # coloured by gradient, flags in words
    monitor = viz.Monitor(model)            # per-layer statistics at every training step
    viz.draw_model(monitor)                 # the layer view; viz.report(...) writes one HTML page

`trace` is a pure walk (graph -> nodes, edges, statistics); `draw_graph` and `draw_model`
render it with Graphviz (imported when drawing); plots need matplotlib (the `viz` extra).
In Jupyter every one of them displays as a picture when left as a cell's last expression.
"""
from __future__ import annotations

from .features import feature_maps, plot_feature_maps, plot_filters
from .health import ActivationStats, GradStats, Thresholds, ValueStats, activation_stats, gradient_stats, value_stats
from .layers import LayerStats, ParamStats
from .monitor import Monitor, StepRecord
from .plots import plot_dead_fraction, plot_grad_flow, plot_grad_norms, plot_histograms, plot_update_ratios
from .progress import Progress, progress
from .render_graph import GraphTooLargeError, draw_graph
from .render_model import draw_model
from .report import report
from .trace import Edge, Node, Trace, trace

__all__ = [
    "trace", "Trace", "Node", "Edge", "draw_graph", "draw_model", "GraphTooLargeError", "Monitor", "StepRecord",
    "LayerStats", "ParamStats", "Thresholds", "GradStats", "ValueStats", "ActivationStats", "gradient_stats",
    "value_stats", "activation_stats", "plot_histograms", "plot_grad_norms", "plot_dead_fraction",
    "plot_update_ratios", "plot_grad_flow", "report", "progress", "Progress", "feature_maps", "plot_feature_maps",
    "plot_filters",
]
