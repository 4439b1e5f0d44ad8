"""Every python block of the README runs as written, in order, in one namespace (as a reader who
pastes them one after another runs them). A block may opt out only with a marker line right
before it that gives the reason: `<!-- readme-test: skip (why) -->`."""
from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```python\n(.*?)^```", flags=re.MULTILINE | re.DOTALL)
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*(.*?)\s*-->")


def blocks(text: str) -> list[tuple[int, str, str | None]]:
    """(line number, code, skip reason or None) of every python block."""
    found = []
    for match in FENCE.finditer(text):
        before = text[:match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = SKIP.search(before)
        line = text.count("\n", 0, match.start()) + 1
        found.append((line, match.group(1), marker.group(1).strip("() ") if marker else None))
    return found


def test_every_readme_block_runs_in_sequence(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks that render pictures write them here
    namespace = {"__name__": "readme"}
    printed = io.StringIO()
    ran = 0
    for line, code, skip in blocks(README.read_text(encoding="utf-8")):
        if skip is not None:
            assert skip, f"README.md:{line}: a skipped block must say why: <!-- readme-test: skip (reason) -->"
            continue
        with contextlib.redirect_stdout(printed):
            try:
                exec(compile(code, f"README.md:{line}", "exec"), namespace)
            except Exception as error:
                raise AssertionError(f"the README block at line {line} fails after the blocks before it: "
                                     f"{type(error).__name__}: {error}") from error
        ran += 1
    assert ran >= 5
    epochs = [float(x) for x in re.findall(r"^epoch \d+: mean loss (\S+)$", printed.getvalue(), flags=re.M)]
    assert len(epochs) == 5 and all(b < a for a, b in zip(epochs, epochs[1:])), printed.getvalue()[:2000]
    assert (tmp_path / "graph.png").stat().st_size > 1000


def test_a_skip_marker_without_a_reason_is_refused():
    text = "<!-- readme-test: skip -->\n```python\nraise SystemExit\n```\n"
    [(_, _, reason)] = blocks(text)
    assert reason == ""
    text = "<!-- readme-test: skip (needs a GPU) -->\n```python\nraise SystemExit\n```\n"
    assert blocks(text)[0][2] == "needs a GPU"
