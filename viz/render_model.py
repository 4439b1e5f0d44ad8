"""`draw_model`: the layer view, one box per layer in data-flow order, laid out to fit a screen."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .health import Thresholds, percent
from .layers import LayerStats, layers_from_trace
from .records import RecordedSteps
from .style import FONT, fmt, import_graphviz, legend_label, node_style

if TYPE_CHECKING:
    from graphviz import Digraph

    from autograd import Tensor
    from nn import Module

    from .trace import Trace


@dataclass
class _Box:
    """What one box shows: a layer, a layer with the activation after it, or a collapsed run."""

    layers: list[LayerStats]
    repeats: int = 1  # > 1 for a collapsed run of identical blocks
    runs: list[list[LayerStats]] | None = None

    @property
    def flags(self) -> list[str]:
        return [flag for layer in self.layers for flag in layer.flags]


def draw_model(source: RecordedSteps | Module, loss: Tensor | Trace | None = None, *, step: int | None = None,
               thresholds: Thresholds | None = None, merge_activations: bool = True, collapse: bool = False,
               columns: int | None = None, legend: bool = True, title: str | None = None) -> Digraph:
    """Draw the layer view as a `graphviz.Digraph`: one box per layer, in data-flow order.

    source: a `viz.Monitor` (draws recorded step `step`, the latest by default), or a model
        together with `loss` (a Tensor whose graph is still intact, or a Trace of it made before
        backward): its statistics are read off the graph by a side backward pass that touches
        no `.grad`. Only a Monitor knows update-to-data ratios.
    Each box reads: step number, module path, class and output shape; the output's mean μ,
    std σ and fraction positive; unit health ("dead 12%", "saturated 40%"); the gradient norm
    of the output ‖∂out‖ and of the weight ‖∂W‖; the update-to-data ratio ‖ΔW‖/‖W‖ (healthy
    around 1e-3); problems in words. Colours follow `viz.draw_graph`'s legend, measured on the
    weight's gradient RMS (the output's for layers without parameters) relative to the largest
    layer's; a purple border marks dead or saturated units. The legend is drawn in the picture.
    merge_activations: draw a parameter-free activation in the box of the layer before it.
    collapse: draw a run of 3+ identical, unflagged blocks as one box with value ranges.
    columns: boxes per row (rows snake left-right, right-left); chosen to fit a screen by default.
    """
    graphviz = import_graphviz()
    layers, caption, thresholds = _layers_of(source, loss, step, thresholds)
    boxes = _boxes(layers, merge_activations)
    if collapse:
        boxes = _collapse(boxes)
    # about 16:9 for boxes ~3.5 times wider than tall, with the gaps between rows
    columns = columns or max(1, min(len(boxes), math.ceil(math.sqrt(len(boxes) * 0.9))))

    graph = graphviz.Digraph("layer_view")
    graph.attr(rankdir="TB", nodesep="0.15", ranksep="0.35", fontname=FONT, fontsize="12", labelloc="t",
               label=f"{title or 'layer view'}  ·  {caption}  ·  {_counts(layers, boxes)}", newrank="true")
    graph.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="10", margin="0.08,0.04")
    graph.attr("edge", color="#737373", arrowsize="0.6")
    names = [f"L{i}" for i in range(len(boxes))]
    counter = 1
    for name, box in zip(names, boxes):
        ratio = max((layer.grad_ratio for layer in _leading_layers(box) if layer.grad_ratio is not None),
                    default=None)
        has_grad = any(x.output_grad is not None or any(p.grad is not None for p in x.parameters) for x in box.layers)
        graph.node(name, label=_label(box, counter), **node_style(box.flags, ratio, has_grad, thresholds))
        counter += box.repeats
    for row_start in range(0, len(boxes), columns):
        row = names[row_start:row_start + columns]
        with graph.subgraph() as rank:
            rank.attr(rank="same")
            for name in row:
                rank.node(name)
        backwards = (row_start // columns) % 2 == 1  # snake: odd rows run right to left
        for left, right in zip(row, row[1:]):
            if backwards:
                graph.edge(right, left, dir="back")
            else:
                graph.edge(left, right)
        if row_start + columns < len(boxes):
            graph.edge(row[-1], names[row_start + columns])
    if legend:
        graph.node("legend", shape="plaintext", style="", margin="0", label=legend_label(
            thresholds, "weight gradient RMS ÷ largest layer's (log scale); update/data ≈ 1e-3 is healthy "
            f"(flagged outside {thresholds.update_low:g}…{thresholds.update_high:g})", leaves=False))
        with graph.subgraph() as rank:
            rank.attr(rank="sink")
            rank.node("legend")
        if names:
            graph.edge(names[-1], "legend", style="invis")
    return graph


def _counts(layers: list[LayerStats], boxes: list[_Box]) -> str:
    """What the boxes hold, so the title's count matches what is drawn ("50 boxes: 99 layers")."""
    flagged = sum(bool(box.flags) for box in boxes)
    if len(boxes) == len(layers):
        return f"{len(boxes)} layers, {flagged} flagged"
    merged = sum(len(box.layers) > 1 and not box.runs for box in boxes)
    folded = sum(box.repeats for box in boxes if box.runs)
    how = []
    if merged:
        how.append(f"{merged} boxes show a layer and its activation")
    if folded:
        how.append(f"{folded} identical blocks folded")
    return f"{len(boxes)} boxes for {len(layers)} layers ({', '.join(how)}), {flagged} boxes flagged"


def _leading_layers(box: _Box) -> list[LayerStats]:
    """The layer that colours each block: its first layer with parameters (else its first)."""
    blocks = box.runs or [box.layers]
    return [next((layer for layer in block if layer.parameters), block[0]) for block in blocks]


def _layers_of(source, loss, step, thresholds):
    """(layers, caption, thresholds) from a Monitor, or from a model and its loss."""
    from .trace import Trace, trace

    if isinstance(source, RecordedSteps):
        record = source.record(step)
        caption = f"step {record.step}" + ("" if record.loss is None else f"  ·  loss {fmt(record.loss)}")
        return record.layers, caption, thresholds or source.thresholds
    if hasattr(source, "named_modules"):
        if loss is None:
            raise TypeError("draw_model(model, loss): pass the loss Tensor (or a viz.trace of it), "
                            "or draw from a viz.Monitor(model)")
        traced = loss if isinstance(loss, Trace) else None
        if traced is None:
            freed = loss.grad_fn is not None and loss.grad_fn.freed
            traced = trace(loss, source, thresholds=thresholds, gradients="none" if freed else "compute")
        layers = layers_from_trace(traced, source, thresholds or traced.thresholds)
        caption = "loss " + fmt(traced.root.value.mean) if traced.root.value and traced.root.value.size == 1 else ""
        if traced.notes:
            caption += "  ·  after backward: values and output gradients unknown (draw before backward)"
        return layers, caption, thresholds or traced.thresholds
    raise TypeError(f"draw_model: expected a viz.Monitor or a model (Module), got {type(source).__name__}")


def _boxes(layers: list[LayerStats], merge_activations: bool) -> list[_Box]:
    boxes: list[_Box] = []
    for layer in layers:
        merge = (merge_activations and boxes and not layer.parameters and layer.activation is not None
                 and boxes[-1].layers[-1].parameters and len(boxes[-1].layers) == 1)
        if merge:
            boxes[-1].layers.append(layer)
        else:
            boxes.append(_Box([layer]))
    return boxes


def _signature(box: _Box) -> tuple:
    """Same layers, shapes and kinds of problem ("dead 61%" and "dead 58%" are both "dead")."""
    layers = tuple((layer.kind, layer.shape, tuple(p.shape for p in layer.parameters)) for layer in box.layers)
    return layers, tuple(sorted({flag.split()[0] for flag in box.flags}))


def _collapse(boxes: list[_Box], minimum: int = 3) -> list[_Box]:
    """Fold runs of `minimum`+ boxes with the same layers and the same kinds of flags into one."""
    result: list[_Box] = []
    i = 0
    while i < len(boxes):
        j = i
        while j + 1 < len(boxes) and _signature(boxes[j + 1]) == _signature(boxes[i]):
            j += 1
        if j - i + 1 >= minimum:
            run = boxes[i:j + 1]
            result.append(_Box(layers=[x for box in run for x in box.layers], repeats=len(run),
                               runs=[box.layers for box in run]))
        else:
            result.extend(boxes[i:j + 1])
        i = j + 1
    return result


def _label(box: _Box, number: int) -> str:
    if box.runs:
        return _run_label(box, number)
    first, last = box.layers[0], box.layers[-1]
    kinds = " → ".join(layer.kind for layer in box.layers)
    lines = [f"{number}. [{first.name or 'model'}]  {kinds}  {tuple(last.shape)}"]
    value = last.value
    if value is not None:
        lines.append(f"μ {fmt(value.mean)}  σ {fmt(value.std)}  +{percent(value.positive_fraction)}"
                     + ("  " + "  ".join(last.activation.words()) if last.activation else ""))
    grads = []
    if last.output_grad is not None:
        grads.append(f"‖∂out‖ {fmt(last.output_grad.norm)}")
    main = next((layer.main_parameter for layer in box.layers if layer.main_parameter), None)
    if main is not None and main.grad is not None:
        grads.append(f"‖∂{main.name.rsplit('.', 1)[-1]}‖ {fmt(main.grad.norm)}")
    if grads:
        lines.append("  ".join(grads))
    if main is not None and main.update_ratio is not None:
        lines.append(f"update/data {fmt(main.update_ratio)}")
    problems = [flag for flag in box.flags if not flag.startswith(("dead", "saturated"))]
    if problems:
        lines.append("⚠ " + ", ".join(dict.fromkeys(problems)))
    return "\\n".join(lines)


def _range(values: list[float | None], show=fmt) -> str:
    known = [v for v in values if v is not None and math.isfinite(v)]
    if not known:
        return "n/a"
    low, high = show(min(known)), show(max(known))
    return low if low == high else f"{low}…{high}"


def _run_label(box: _Box, number: int) -> str:
    runs = box.runs or []
    first, last = runs[0], runs[-1]
    kinds = " → ".join(layer.kind for layer in first)
    lines = [f"{number}–{number + len(runs) - 1}. [{first[0].name}] … [{last[-1].name}]",
             f"{len(runs)}× {kinds}  {tuple(first[-1].shape)}"]
    outputs = [run[-1] for run in runs]
    lines.append("σ " + _range([x.value.std if x.value else None for x in outputs]))
    words = [w.split()[0] for w in (outputs[0].activation.words() if outputs[0].activation else [])]
    for word in words:
        attribute = {"dead": "dead_fraction", "saturated": "saturated_fraction", "negative": "negative_fraction"}[word]
        lines[-1] += f"  {word} " + _range([getattr(x.activation, attribute) for x in outputs if x.activation],
                                           percent)
    mains = [next((layer.main_parameter for layer in run if layer.main_parameter), None) for run in runs]
    lines.append("‖∂W‖ " + _range([m.grad.norm if m and m.grad else None for m in mains]))
    if any(m is not None and m.update_ratio is not None for m in mains):
        lines.append("update/data " + _range([m.update_ratio if m else None for m in mains]))
    problems = [flag for flag in box.flags if not flag.startswith(("dead", "saturated"))]
    if problems:
        lines.append("⚠ " + ", ".join(dict.fromkeys(problems)) + f" (all {len(runs)})")
    return "\\n".join(lines)
