"""Rich displays for Jupyter: a Trace or a Monitor left as a cell's last expression shows a table
of its flagged nodes or layers and the picture (inline SVG), with no magic and no extra setup."""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from .report import problem_lines
from .style import fmt

if TYPE_CHECKING:
    from .records import RecordedSteps
    from .trace import Trace

_STYLE = ("<style>.gradsight table{border-collapse:collapse;font-size:12px}"
          ".gradsight td,.gradsight th{border:1px solid #d9d9d9;padding:2px 6px;text-align:left}"
          ".gradsight .picture{overflow:auto;max-height:900px}</style>")


def _svg(graph) -> str:
    """The graph as inline SVG, or a note saying why it could not be drawn."""
    try:
        text = graph.pipe(format="svg").decode("utf-8")
    except Exception as error:  # noqa: BLE001  (no `dot` installed: the table still shows)
        return f"<p><i>picture unavailable: {html.escape(str(error).splitlines()[0])}</i></p>"
    return f'<div class="picture">{text[text.index("<svg"):]}</div>'


def _table(rows: list[list[str]], header: list[str]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _problems(items: list[tuple[str, str, list[str]]], noun: str) -> str:
    if not items:
        return f"<p>No {noun} flagged.</p>"
    return "<ul>" + "".join(f"<li>{line}</li>" for line in problem_lines(items, noun)) + "</ul>"


def trace_html(traced: Trace) -> str:
    """A Trace in HTML: the flagged nodes, grouped, then the computation graph (or why not)."""
    from .render_graph import GraphTooLargeError, draw_graph

    flagged = traced.flagged()
    ops = sum(node.kind == "op" for node in traced.nodes)
    parts = [_STYLE, '<div class="gradsight">',
             f"<b>Trace</b>: {ops} ops, {len(traced) - ops} other nodes, {len(flagged)} flagged"
             + ("" if traced.has_gradients else " (no gradients yet: run backward)"),
             _problems([(node.name, node.kind, node.flags) for node in flagged], "node")]
    try:
        parts.append(_svg(draw_graph(traced)))
    except GraphTooLargeError as error:
        parts.append(f"<p><i>{html.escape(str(error))}</i></p>")
    return "".join(parts) + "</div>"


def monitor_html(monitor: RecordedSteps) -> str:
    """A Monitor in HTML: the latest step's flagged layers, grouped, a table, then the layer view."""
    from .render_model import draw_model

    head = f"<b>{html.escape(repr(monitor))}</b>"
    if not monitor.records:
        return f'{_STYLE}<div class="gradsight">{head}<p>Nothing recorded yet: train a step and call ' \
               "monitor.step(loss).</p></div>"
    record = monitor.record()
    layers = record.layers
    flagged = [layer for layer in layers if layer.flags]
    rows = [[layer.name, layer.kind, ", ".join(layer.flags),
             fmt(layer.output_grad.norm) if layer.output_grad else "",
             fmt(layer.main_parameter.update_ratio) if layer.main_parameter else ""] for layer in flagged]
    table = _table(rows, ["layer", "kind", "flags", "‖∂out‖", "update/data"]) if 0 < len(rows) <= 12 else ""
    return "".join([
        _STYLE, '<div class="gradsight">', head,
        f"<p>step {record.step}" + ("" if record.loss is None else f", loss {fmt(record.loss)}")
        + f": {len(flagged)} of {len(layers)} layers flagged</p>",
        _problems([(layer.name, layer.kind, layer.flags) for layer in flagged], "layer"), table,
        _svg(draw_model(monitor)), "</div>"])
