"""`draw_graph`: the computation graph as a Graphviz picture coloured by gradient flow."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .health import Thresholds, percent
from .style import FONT, fmt, import_graphviz, legend_label, node_style
from .trace import Node, Trace, trace

if TYPE_CHECKING:
    from graphviz import Digraph

    from autograd import Tensor
    from nn import Module

DEFAULT_MAX_NODES = 2000  # dot lays out ~2000 nodes in a few seconds; beyond, use the layer view


class GraphTooLargeError(ValueError):
    """Raised when a graph has too many nodes for Graphviz to lay out in seconds."""


def draw_graph(root: Tensor | Trace, model: Module | None = None, *, names: Mapping[str, Tensor] | None = None,
               thresholds: Thresholds | None = None, gradients: str = "none",
               max_nodes: int | None = DEFAULT_MAX_NODES, constants: bool = True, legend: bool = True,
               title: str | None = None, rankdir: str = "TB") -> Digraph:
    """Draw the graph behind `root` (a Tensor, or a Trace from `viz.trace`) as a `graphviz.Digraph`.

    Data flows from top to bottom: inputs and parameters first, the root (the loss) last.
    Boxes are ops; double-bordered boxes are leaves (parameters labelled by their module path
    when `model` or `names` is given); dashed grey boxes are constant inputs.

    Legend (also drawn in the picture):
      fill colour  gradient RMS of the node's output divided by the largest RMS of its family
                   (parameters, or op outputs), on a log scale: strong green = 1, paler per
                   decade, pale yellow near the vanishing threshold.
      "vanishing"  blue, dashed: RMS below ``thresholds.vanishing`` (1e-3) times the largest of
                   its family; one darker blue per 3 decades below it (1e-6 and 1e-21 differ).
      "no gradient"  grey, dotted: exactly zero everywhere (dead units cut the path).
      "exploding"  orange, thick red border: RMS above ``thresholds.exploding`` (100).
      "NaN"/"Inf"  red: the gradient ("NaN") or the forward value ("value NaN") is not finite.
      purple border  "dead 73%": ReLU units that output 0 on every sample of the batch, or
                   "saturated 40%": sigmoid/tanh outputs within 0.03 of an asymptote, above
                   ``thresholds.dead`` / ``thresholds.saturated`` (50%).
      white        no gradient known yet (drawn before backward: shapes and values only).
    Each label reads: name and output shape; the module owning the op; forward mean μ, std σ
    and fraction positive; unit health; gradient RMS and max |g|; flags in words.

    gradients: when `root` is a Tensor, "none" draws what is known now, "compute" runs a side
        backward pass on the intact graph to show gradients (see `viz.trace`).
    max_nodes: graphs with more nodes are refused (GraphTooLargeError) in favour of the layer
        view `viz.draw_model`; pass None to draw anyway.
    """
    graphviz = import_graphviz()
    traced = root if isinstance(root, Trace) else trace(root, model, names=names, thresholds=thresholds,
                                                         gradients=gradients)
    thresholds = traced.thresholds
    nodes = [node for node in traced.nodes if constants or node.kind != "constant"]
    if max_nodes is not None and len(nodes) > max_nodes:
        raise GraphTooLargeError(
            f"draw_graph: the graph has {len(nodes)} nodes, more than max_nodes={max_nodes}; Graphviz would "
            "take long to lay it out and nobody could read it. Draw the layer view instead: "
            "viz.draw_model(model, loss) or viz.Monitor(model).draw(); or pass max_nodes=None to draw it anyway.")
    shown = {node.id for node in nodes}

    graph = graphviz.Digraph("gradient_flow")
    graph.attr(rankdir=rankdir, nodesep="0.2", ranksep="0.3", fontname=FONT, fontsize="11",
               labelloc="t", label=_title(traced, title))
    graph.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="10", margin="0.1,0.04")
    graph.attr("edge", color="#737373", arrowsize="0.6")
    for node in nodes:
        graph.node(node.id, label=_label(node), **_attributes(node, thresholds))
    for edge in traced.edges:
        if edge.source in shown and edge.target in shown:
            graph.edge(edge.source, edge.target)
    if legend:
        graph.node("legend", label=legend_label(thresholds, "gradient RMS ÷ largest of its family (log scale)"),
                   shape="plaintext", style="", margin="0")
    return graph


def _title(traced: Trace, title: str | None) -> str:
    root = traced.root
    ops = sum(node.kind == "op" for node in traced.nodes)
    parts = [title or "gradient flow"]
    if root.value is not None and root.value.size == 1:
        parts.append(f"{root.name} = {fmt(root.value.mean)}")
    flagged = len(traced.flagged())
    parts.append(f"{ops} ops, {flagged} flagged" + ("" if traced.has_gradients else ", no gradients yet"))
    return "  ·  ".join(parts) + "".join("\\n" + note for note in traced.notes)


def _attributes(node: Node, thresholds: Thresholds) -> dict:
    if node.kind == "constant":
        return {"style": "dashed", "color": "#969696", "fontcolor": "#636363"}
    attributes = node_style(node.flags, node.grad_ratio, node.grad is not None, thresholds)
    if node.is_leaf:
        attributes["peripheries"] = "2"
        attributes["style"] = attributes.get("style", "filled").replace("rounded,", "")
    if node.is_root:
        attributes["penwidth"] = attributes.get("penwidth", "2")
    return attributes


def _label(node: Node) -> str:
    """Plain-text label lines joined by Graphviz's centred line break."""
    head = "input (no grad)" if node.kind == "constant" else node.name
    if node.params:
        shown = [f"{k}={v}" for k, v in node.params.items() if v not in ("None", "False")]
        head += f"({', '.join(shown)})" if shown else ""
    lines = [f"{head}  {_shape(node.shape)}"]
    if node.kind == "op" and node.module:
        lines.append(f"[{node.module}]")
    value = node.value
    if value is not None:
        if value.size == 1:
            lines.append(f"= {fmt(value.mean)}")
        elif value.size:
            bad = "".join(f"  {word}×{count}" for word, count in (("NaN", value.nan_count), ("Inf", value.inf_count))
                          if count)
            lines.append(f"μ {fmt(value.mean)}  σ {fmt(value.std)}  +{percent(value.positive_fraction)}{bad}")
    if node.activation is not None and node.activation.words():
        lines.append("  ".join(node.activation.words()))
    grad = node.grad
    if grad is not None:
        if grad.finite:
            lines.append(f"grad rms {fmt(grad.rms)}  max {fmt(grad.max_abs)}")
        else:
            bad = [f"{word}×{count}" for word, count in (("NaN", grad.nan_count), ("Inf", grad.inf_count)) if count]
            lines.append("grad " + " ".join(bad) + f" of {grad.size}")
    problems = [word for word in node.flags if not word.startswith(("dead", "saturated"))]
    if problems:
        lines.append("⚠ " + ", ".join(problems))
    return "\\n".join(line.replace("\\", "\\\\") for line in lines)


def _shape(shape: tuple) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ")" if len(shape) != 1 else f"({shape[0]},)"
