"""The tour's HTML page, written for a teacher: per experiment a title in words, the lecture's claim
with its source, what to look at in each figure, the measured values (with their spread over seeds
when the tour ran several), graphs at their natural size, tables that fit 1280 px, print-friendly."""
from __future__ import annotations

import ast
import html
from pathlib import Path
from typing import Any

from .claims import Lecture

esc = html.escape

CSS = """
body { font-family: Helvetica, Arial, sans-serif; color: #222; max-width: 1180px; margin: 0 auto; padding: 16px;
       line-height: 1.4; }
h1 { font-size: 26px; } h2 { font-size: 21px; margin-top: 40px; border-bottom: 2px solid #ddd; }
table { border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 14px; }
td, th { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; overflow-wrap: anywhere; text-align: left; }
th { background: #f4f4f4; }
col.number { width: 3em; } col.verdict { width: 9em; } col.seeds { width: 7em; }
.holds { color: #070; font-weight: bold; } .fails { color: #b00; font-weight: bold; }
.not-reproduced { color: #a60; font-weight: bold; }
blockquote { margin: 8px 0; padding: 8px 14px; border-left: 5px solid #8ab; background: #f3f7f9; font-size: 17px; }
blockquote cite { display: block; font-size: 13px; color: #555; margin-top: 4px; font-style: normal; }
figure { margin: 16px 0; }
figcaption { font-size: 15px; margin-bottom: 6px; } figcaption b { color: #245; }
.plot img { max-width: 100%; height: auto; }
.graph { overflow: auto; max-height: 85vh; border: 1px solid #ddd; }
.graph img { max-width: none; }
.files { font-size: 12px; color: #555; }
details { margin: 10px 0; } pre { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px;
  background: #f6f6f6; padding: 6px; }
.time { color: #777; font-size: 13px; font-weight: normal; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  details, .files, nav { display: none; }
  .graph { overflow: visible; max-height: none; border: none; }
  .graph img, .plot img { max-width: 100%; }
  h2 { page-break-before: always; } figure, tr { page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def lecture_of(path: Path) -> Lecture | None:
    """The `LECTURE = Lecture(...)` constant of an experiment script, read without running it."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "LECTURE" for t in node.targets)
                and isinstance(node.value, ast.Call)):
            fields = {keyword.arg: ast.literal_eval(keyword.value) for keyword in node.value.keywords}
            positional = [ast.literal_eval(arg) for arg in node.value.args]
            return Lecture(*positional, **fields)
    return None


def docstring_of(path: Path) -> str:
    """The first line of an experiment script's docstring, without its "Experiment N:" prefix."""
    text = ast.get_docstring(ast.parse(Path(path).read_text(encoding="utf-8"))) or ""
    first = " ".join(text.split("\n\n")[0].split())
    words = first.split(":", 1)[1].strip() if first.lower().startswith("experiment") and ":" in first else first
    return words[:1].upper() + words[1:]


def _claim_fields(claim: Any) -> dict:
    """A claim as a dict, whether a ClaimResult or already a dict (results.json, multi-seed runs)."""
    if isinstance(claim, dict):
        return claim
    fields = claim.to_dict() if hasattr(claim, "to_dict") else dict(vars(claim))
    for extra in ("verdict", "seeds_holding", "seeds_total", "verdicts", "spread"):
        if extra not in fields and hasattr(claim, extra):
            fields[extra] = getattr(claim, extra)
    return fields


def verdict_word(fields: dict) -> str:
    """'holds', 'fails' or 'not reproduced' (older results carry only `holds`)."""
    word = fields.get("verdict")
    if word:
        return str(word)
    return "holds" if fields.get("holds") else "fails"


def _verdict_cell(fields: dict) -> str:
    word = verdict_word(fields)
    css = {"holds": "holds", "not reproduced": "not-reproduced"}.get(word, "fails")
    text = "FAILS" if word == "fails" else word
    return f"<td class='{css}'>{esc(text)}</td>"


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return esc(str(value))
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    return f"{value:.2e}"


def _seeds_cell(fields: dict) -> str:
    """'9 / 10' seeds holding, or an empty cell for a single-seed run."""
    if fields.get("seeds_total"):
        return f"<td>{fields.get('seeds_holding', 0)} / {fields['seeds_total']}</td>"
    return "<td></td>"


def _spread(fields: dict) -> str:
    """Each measured value's median and range over the seeds, as a short line."""
    spread = fields.get("spread") or {}
    if not spread:
        return ""
    parts = [f"{esc(name)} {_number(s.get('median'))} [{_number(s.get('min'))} … {_number(s.get('max'))}]"
             for name, s in spread.items() if isinstance(s, dict)]
    return "<br><small>median [min … max] over seeds: " + "; ".join(parts) + "</small>"


def _claims_table(rows: list[tuple[str, dict]], with_number: bool, seeds: bool) -> str:
    columns = ("<col class='number'>" if with_number else "") + "<col><col>" + \
        ("<col class='seeds'>" if seeds else "") + "<col class='verdict'>"
    head = ("<th>#</th>" if with_number else "") + "<th>claim</th><th>measured</th>" + \
        ("<th>seeds holding</th>" if seeds else "") + "<th>verdict</th>"
    body = []
    for link, fields in rows:
        number = f"<td>{link}</td>" if with_number else ""
        body.append(f"<tr>{number}<td>{esc(str(fields.get('claim', '')))}</td>"
                    f"<td>{esc(str(fields.get('measured', '')))}{_spread(fields)}</td>"
                    + (_seeds_cell(fields) if seeds else "") + _verdict_cell(fields) + "</tr>")
    return f"<table><colgroup>{columns}</colgroup><tr>{head}</tr>{''.join(body)}</table>"


def _figures(figures: list[Path], out: Path, lecture: Lecture | None) -> list[str]:
    """One <figure> per figure stem: SVG graphs at natural size in a scroll box, plots to page width."""
    groups: dict[str, list[str]] = {}
    for figure in figures:
        relative = figure.relative_to(out).as_posix()
        groups.setdefault(relative.rsplit(".", 1)[0], []).append(relative)
    look_at = lecture.look_at if lecture else {}
    parts = []
    for stem, files in groups.items():
        name = stem.rsplit("/", 1)[-1]
        svg = next((f for f in files if f.endswith(".svg")), None)
        shown = svg or files[0]
        css = "graph" if svg else "plot"  # Graphviz pictures: never scaled below their natural size
        hint = look_at.get(name)
        caption = (f"<b>What to look at:</b> {esc(hint)}" if hint else f"<b>{esc(name.replace('_', ' '))}</b>")
        links = " · ".join(f"<a href='{esc(f)}'>{esc(f.rsplit('/', 1)[-1])}</a>" for f in files)
        parts.append(f"<figure><figcaption>{caption} <span class='files'>({links})</span></figcaption>"
                     f"<div class='{css}'><a href='{esc(shown)}'><img src='{esc(shown)}' alt='{esc(name)}'>"
                     "</a></div></figure>")
    return parts


def write_page(runs: list, out: Path, quick: bool, seeds: list[int] | None = None,
               examples: Path | None = None) -> Path:
    """Write `out/index.html` for the tour's runs (ExperimentRun-like: number, name, claims,
    output, figures, seconds, error) and return its path."""
    from .tour import examples_dir

    folder = examples if examples is not None else examples_dir()
    all_claims = [(r, _claim_fields(c)) for r in runs for c in r.claims]
    multi = any(fields.get("seeds_total") for _, fields in all_claims)
    held = sum(verdict_word(fields) == "holds" for _, fields in all_claims)
    title = "gradsight tour: the lectures' claims, measured"
    setting = "quick sizes" if quick else "full sizes"
    if seeds:
        setting += f", seeds {', '.join(map(str, seeds))}"
    lectures = {r.name: lecture_of(folder / f"{r.name}.py") if (folder / f"{r.name}.py").exists() else None
                for r in runs}
    parts = [
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f"<p>{held} of {len(all_claims)} claims hold ({esc(setting)}). Every number on this page was measured by "
        "this run; a claim that does not hold says so, with its numbers.</p>",
        "<nav><table><colgroup><col class='number'><col><col class='verdict'></colgroup>"
        "<tr><th>#</th><th>experiment</th><th>claims holding</th></tr>",
    ]
    for r in runs:
        lecture = lectures[r.name]
        words = lecture.title if lecture else _title_from(folder, r.name)
        fields = [_claim_fields(c) for c in r.claims]
        words_of_claims = [verdict_word(f) for f in fields]
        holding, unreproduced = words_of_claims.count("holds"), words_of_claims.count("not reproduced")
        # a claim stated up front as not reproducible is no failure: it gets its own colour and words
        css = "holds" if holding == len(fields) else "not-reproduced" if holding + unreproduced == len(fields) \
            else "fails"
        note = f", {unreproduced} not reproduced" if unreproduced else ""
        parts.append(f"<tr><td>{r.number}</td><td><a href='#{esc(r.name)}'>{esc(words)}</a></td>"
                     f"<td class='{css}'>{holding} of {len(fields)}{note}</td></tr>")
    parts.append("</table></nav>")
    for r in runs:
        lecture = lectures[r.name]
        words = lecture.title if lecture else _title_from(folder, r.name)
        parts.append(f"<h2 id='{esc(r.name)}'>{r.number}. {esc(words)} "
                     f"<span class='time'>({esc(r.name)}.py, {r.seconds:.1f} s)</span></h2>")
        if lecture:
            parts.append(f"<blockquote>{esc(lecture.claim)}<cite>— {esc(lecture.source)}</cite></blockquote>")
        rows = [("", _claim_fields(c)) for c in r.claims]
        parts.append("<h3>What this run measured</h3>" + _claims_table(rows, with_number=False, seeds=multi))
        if r.error:
            parts.append(f"<pre class='fails'>{esc(r.error)}</pre>")
        parts += _figures(r.figures, out, lecture)
        if r.output:
            parts.append(f"<details><summary>printed output</summary><pre>{esc(r.output)}</pre></details>")
    parts.append("</body></html>")
    path = out / "index.html"
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _title_from(folder: Path, name: str) -> str:
    path = folder / f"{name}.py"
    return docstring_of(path) if path.exists() else name
