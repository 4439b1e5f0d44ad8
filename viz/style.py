"""The shared visual language of the renderers: the log-scale palette, flag styles, the legend."""
from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING

from .health import Thresholds

if TYPE_CHECKING:
    from types import ModuleType

# gradient RMS relative to the largest of its family, log scale: strong green = full flow,
# fading to pale yellow as it weakens; below the vanishing threshold the style changes entirely
SCALE = ["#31a354", "#74c476", "#c7e9c0", "#ffffd4"]
# below the vanishing threshold, one darker blue per 3 decades, so 1e-6 and 1e-21 look different
DEEP_SCALE = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
DEEP_DECADES = 3
VANISHING = {"fillcolor": DEEP_SCALE[0], "color": "#2171b5", "penwidth": "2", "style": "filled,dashed"}
EXPLODING = {"fillcolor": "#fdae61", "color": "#d7301f", "penwidth": "3"}
NON_FINITE = {"fillcolor": "#e31a1c", "color": "#67000d", "penwidth": "3", "fontcolor": "white"}
ZERO_GRADIENT = {"fillcolor": "#d9d9d9", "color": "#252525", "penwidth": "2", "style": "filled,dotted"}
NO_GRADIENT = {"fillcolor": "white", "color": "#969696"}
UNHEALTHY_BORDER = {"color": "#7b3294", "penwidth": "3"}  # dead or saturated units
FONT = "Helvetica"


def fmt(x: float | None) -> str:
    """Compact numbers for labels: 0.0123, 1.2e-05, 3.4e+03; 'n/a' for unknown."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    if x == 0:
        return "0"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if 1e-3 <= abs(x) < 1e4:
        return f"{x:.3g}"
    return f"{x:.1e}"


def _mix(a: str, b: str, t: float) -> str:
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))


def scale_colour(ratio: float, vanishing: float) -> str:
    """The fill for a gradient at `ratio` of the largest: log-interpolated along SCALE."""
    span = -math.log10(vanishing)
    position = min(max(-math.log10(max(ratio, 1e-300)) / span, 0.0), 1.0) * (len(SCALE) - 1)
    low = min(int(position), len(SCALE) - 2)
    return _mix(SCALE[low], SCALE[low + 1], position - low)


def deep_colour(ratio: float | None, vanishing: float) -> str:
    """The fill for a vanishing gradient: one darker blue per DEEP_DECADES decades below `vanishing`."""
    if ratio is None or ratio <= 0:
        return DEEP_SCALE[-1]
    decades = math.log10(vanishing) - math.log10(ratio)
    return DEEP_SCALE[min(max(int(decades // DEEP_DECADES), 0), len(DEEP_SCALE) - 1)]


def _readable_on(fill: str) -> str:
    """White text on the two darkest blues, black elsewhere."""
    return "white" if fill in DEEP_SCALE[-2:] else "black"


def node_style(flags: list[str], ratio: float | None, has_grad: bool, thresholds: Thresholds) -> dict:
    """Graphviz attributes for a node: flags first (NaN/Inf > exploding > no gradient > vanishing),
    else the scale."""
    if any(word in ("NaN", "Inf", "value NaN", "value Inf") for word in flags):
        style = dict(NON_FINITE)
    elif "exploding" in flags:
        style = dict(EXPLODING)
    elif "no gradient" in flags:
        style = dict(ZERO_GRADIENT)
    elif "vanishing" in flags:
        fill = deep_colour(ratio, thresholds.vanishing)
        style = dict(VANISHING, fillcolor=fill, fontcolor=_readable_on(fill))
    elif has_grad and ratio is not None:
        style = {"fillcolor": scale_colour(ratio, thresholds.vanishing)}
    else:
        style = dict(NO_GRADIENT)
    if any(word.startswith(("dead", "saturated")) for word in flags):
        style.update(UNHEALTHY_BORDER)
    return style


def _cell(text: str, colour: str = "white", extra: str = "", font: str = "black") -> str:
    return f'<TD BGCOLOR="{colour}"{extra}><FONT COLOR="{font}">{html.escape(text)}</FONT></TD>'


def scale_steps(thresholds: Thresholds) -> list[tuple[str, str]]:
    """(label, fill) of every shade the pictures use, from 1 down past the vanishing threshold."""
    decades = max(1, round(-math.log10(thresholds.vanishing)))
    steps = [("1" if d == 0 else f"1e-{d}", scale_colour(10.0 ** -d, thresholds.vanishing)) for d in range(decades)]
    for index, fill in enumerate(DEEP_SCALE):
        exponent = decades + DEEP_DECADES * index
        label = f"1e-{exponent}" if index < len(DEEP_SCALE) - 1 else f"≤1e-{exponent}"
        steps.append((label, fill))
    return steps


def legend_label(thresholds: Thresholds, reference: str, leaves: bool = True) -> str:
    """The legend as a Graphviz HTML-like label: every colour and border the picture can use.
    `leaves`: also explain double borders (parameters) and dashed boxes (inputs without gradient)."""
    decades = max(1, round(-math.log10(thresholds.vanishing)))
    steps = scale_steps(thresholds)
    scale = "".join(_cell(label, fill, font=_readable_on(fill)) for label, fill in steps[:decades])
    deep = "".join(_cell(label, fill, f' COLOR="{VANISHING["color"]}" STYLE="dashed"', _readable_on(fill))
                   for label, fill in steps[decades:])
    flags = (
        _cell(f"exploding rms > {thresholds.exploding:g}", EXPLODING["fillcolor"])
        + _cell("NaN / Inf", NON_FINITE["fillcolor"], font="white")
        + _cell("no gradient: all exactly 0 (dead units)", ZERO_GRADIENT["fillcolor"], ' STYLE="dotted"')
        + _cell("white: no gradient yet", "white")
    )
    units = (f"purple border: dead ≥ {thresholds.dead:.0%} (ReLU units that are 0 on every sample)",
             f"or saturated ≥ {thresholds.saturated:.0%} (|tanh| > {1 - thresholds.tanh_margin:g}; "
             f"sigmoid < {thresholds.sigmoid_margin:g} or > {1 - thresholds.sigmoid_margin:g})")
    row = ('<TR><TD BORDER="0" ALIGN="LEFT"><TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
           "<TR>{}</TR></TABLE></TD></TR>")
    unit_lines = "<BR/>".join(html.escape(line) for line in units)
    borders = ("double border: a parameter (or another input that requires grad)<BR/>"
               "dashed grey border: an input without gradient (data, targets)")
    return (
        '<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="2" CELLPADDING="2" COLOR="#bdbdbd">'
        f"<TR><TD><B>{html.escape(reference)}</B></TD></TR>"
        + row.format('<TD BORDER="0">flowing:</TD>' + scale)
        + row.format(f'<TD BORDER="0">vanishing &lt; {thresholds.vanishing:g} × largest:</TD>' + deep)
        + row.format(flags)
        + f'<TR><TD><FONT COLOR="{UNHEALTHY_BORDER["color"]}">{unit_lines}</FONT></TD></TR>'
        + (f"<TR><TD>{borders}</TD></TR>" if leaves else "")
        + "</TABLE>>"
    )


def import_graphviz() -> ModuleType:
    """The graphviz package, imported only when a picture is drawn."""
    try:
        import graphviz
    except ImportError as error:  # pragma: no cover - graphviz is a core dependency
        raise ImportError("viz needs the 'graphviz' Python package: pip install graphviz "
                          "(and the system Graphviz 'dot' to render)") from error
    return graphviz
