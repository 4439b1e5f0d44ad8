"""`report`: one self-contained HTML page (inline SVG pictures, plots as data URIs, a table)."""
from __future__ import annotations

import base64
import html
import os
from typing import TYPE_CHECKING

from .health import DEFAULT_THRESHOLDS, percent
from .style import fmt

if TYPE_CHECKING:
    from autograd import Tensor
    from nn import Module

    from .records import RecordedSteps
    from .trace import Trace

_CSS = """
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #252525; max-width: 1800px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #d9d9d9; }
.picture { overflow: auto; border: 1px solid #f0f0f0; padding: 6px; }
.picture svg { max-width: 100%; height: auto; }
img { max-width: 100%; } table { border-collapse: collapse; font-size: 12px; }
td, th { border: 1px solid #d9d9d9; padding: 3px 6px; text-align: right; }
th { background: #f7f7f7; } td.name { text-align: left; } .flag { color: #b30000; font-weight: bold; }
.note { color: #636363; font-size: 13px; }
"""


def _svg(graph) -> str:
    """The picture as inline SVG (the XML prologue and doctype removed)."""
    text = graph.pipe(format="svg").decode("utf-8")
    return text[text.index("<svg"):]


def _png(figure) -> str:
    from .plots import figure_to_png

    data = base64.b64encode(figure_to_png(figure)).decode("ascii")
    return f'<img alt="plot" src="data:image/png;base64,{data}">'


def _layer_table(layers) -> str:
    head = ("<tr><th>#</th><th>layer</th><th>kind</th><th>shape</th><th>mean</th><th>std</th><th>+</th>"
            "<th>unit health</th><th>‖∂out‖</th><th>‖∂W‖</th><th>update/data</th><th>flags</th></tr>")
    rows = []
    for i, layer in enumerate(layers, 1):
        value, main = layer.value, layer.main_parameter
        cells = [
            str(i), f'<td class="name">{html.escape(layer.name)}', layer.kind, str(tuple(layer.shape)),
            fmt(value.mean) if value else "", fmt(value.std) if value else "",
            percent(value.positive_fraction) if value else "",
            " ".join(layer.activation.words()) if layer.activation else "",
            fmt(layer.output_grad.norm) if layer.output_grad else "",
            fmt(main.grad.norm) if main is not None and main.grad is not None else "",
            fmt(main.update_ratio) if main is not None and main.update_ratio is not None else "",
            f'<span class="flag">{html.escape(", ".join(layer.flags))}</span>',
        ]
        rows.append("<tr>" + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _names(names: list[str], shown: int = 6) -> str:
    """'a, b, c' or, for many, 'a, b, c, …, y, z' (the count is said by the caller)."""
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:3]) + ", …, " + ", ".join(names[-2:])


def _flag_summary(flag_lists: list[list[str]]) -> str:
    """The flags of a group in words, a percentage flag as its range ('dead 55%–98%')."""
    by_word: dict[str, list[str]] = {}
    for flags in flag_lists:
        for flag in flags:
            word, _, amount = flag.partition(" ")
            amounts = by_word.setdefault(word if amount.endswith("%") else flag, [])
            if amount.endswith("%"):
                amounts.append(amount)
    parts = []
    for word, amounts in by_word.items():
        numbers = sorted(set(amounts), key=lambda text: float(text.strip("<>%")))
        span = "" if not numbers else " " + (numbers[0] if len(numbers) == 1 else f"{numbers[0]}–{numbers[-1]}")
        parts.append(word + span)
    return ", ".join(parts)


def group_problems(items: list[tuple[str, str, list[str]]]) -> list[tuple[str, str, list[str], list[list[str]]]]:
    """Flagged (name, kind, flags) grouped by kind and kinds of flag, in order of first appearance:
    (kind, flag words, names, flag lists); 40 dead ReLU layers become one group, not 40 lines."""
    groups: dict[tuple, tuple[str, str, list[str], list[list[str]]]] = {}
    for name, kind, flags in items:
        words = tuple(sorted({flag.split(" ")[0] if flag.endswith("%") else flag for flag in flags}))
        group = groups.setdefault((kind, words), (kind, ", ".join(words), [], []))
        group[2].append(name)
        group[3].append(flags)
    return list(groups.values())


def problem_lines(items: list[tuple[str, str, list[str]]], noun: str = "layer") -> list[str]:
    """One HTML line per group of problems (see `group_problems`)."""
    lines = []
    for kind, _, names, flag_lists in group_problems(items):
        words = html.escape(_flag_summary(flag_lists))
        if len(names) == 1:
            lines.append(f"{noun} <b>{html.escape(names[0])}</b> ({html.escape(kind)}): {words}")
        else:
            lines.append(f"<b>{len(names)} {html.escape(kind)} {noun}s</b> ({html.escape(_names(names))}): {words}")
    return lines


def _problems(layers, traced) -> str:
    items = [(layer.name, layer.kind, layer.flags) for layer in layers or () if layer.flags]
    noun = "layer"
    if traced is not None and not layers:
        items = [(node.name, node.kind, node.flags) for node in traced.flagged()]
        noun = "node"
    if not items:
        return "<p>No problems flagged.</p>"
    return "<ul>" + "".join(f"<li>{line}</li>" for line in problem_lines(items, noun)) + "</ul>"


def report(path: str | os.PathLike, *, model: Module | None = None, loss: Tensor | None = None,
           monitor: RecordedSteps | None = None, trace: Trace | None = None, step: int | None = None,
           title: str = "gradsight report", max_nodes: int | None = None) -> str:
    """Write a self-contained HTML page to `path` and return the path.

    It holds what the inputs allow: the layer view (from `monitor`, or `model` with `loss`), the
    computation graph (from `trace`, or `loss` whose graph is intact; refused above `max_nodes`
    with a note), the monitor's plots (histograms, gradient norms, dead fraction, update ratios)
    and gradient-flow bars, a per-layer table, and every flagged problem in words.
    """
    from .layers import layers_from_trace
    from .render_graph import DEFAULT_MAX_NODES, GraphTooLargeError, draw_graph
    from .render_model import draw_model
    from .trace import trace as make_trace

    if monitor is None and model is None and loss is None and trace is None:
        raise ValueError("report: give at least one of monitor, model with loss, loss, or trace")
    traced = trace
    if traced is None and loss is not None:
        intact = loss.grad_fn is None or not loss.grad_fn.freed
        traced = make_trace(loss, model, gradients="compute" if intact else "none")
    sections = []
    layers = None
    if monitor is not None:
        layers = monitor.layers(step)
        sections.append(("Layer view", f'<div class="picture">{_svg(draw_model(monitor, step=step))}</div>'))
    elif model is not None and traced is not None:
        layers = layers_from_trace(traced, model, traced.thresholds)
        sections.append(("Layer view", f'<div class="picture">{_svg(draw_model(model, traced))}</div>'))
    if traced is not None:
        try:
            graph = draw_graph(traced, max_nodes=max_nodes or DEFAULT_MAX_NODES)
            sections.append(("Computation graph", f'<div class="picture">{_svg(graph)}</div>'))
        except GraphTooLargeError as error:
            sections.append(("Computation graph", f'<p class="note">{html.escape(str(error))}</p>'))
    plots = _plots(monitor, model, step)
    if plots:
        sections.append(("Training plots", "".join(plots)))
    if layers:
        sections.append(("Layers", _layer_table(layers)))
    sections.insert(0, ("Problems", _problems(layers, traced)))
    thresholds = monitor.thresholds if monitor is not None else (traced.thresholds if traced else DEFAULT_THRESHOLDS)
    sections.append(("Thresholds", f"<p class='note'>{html.escape(str(thresholds))}</p>"))
    body = "".join(f"<h2>{html.escape(name)}</h2>{content}" for name, content in sections)
    page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>")
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as file:
        file.write(page)
    return path


def _plots(monitor, model, step) -> list[str]:
    """PNG data URIs of the monitor's figures; none (with a note) when matplotlib is missing."""
    if monitor is None and model is None:
        return []
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ['<p class="note">Install matplotlib (pip install "gradsight[viz]") to include plots.</p>']
    from . import plots

    figures = []
    if monitor is not None and monitor.records:
        figures += [plots.plot_histograms(monitor, step=step), plots.plot_grad_norms(monitor),
                    plots.plot_dead_fraction(monitor), plots.plot_update_ratios(monitor)]
    source = model if model is not None else (monitor.model if monitor is not None else None)
    if source is not None and any(p.grad is not None for p in source.parameters()):
        figures.append(plots.plot_grad_flow(source))
    return [_png(figure) for figure in figures]
