"""Every example of docs/mistakes.md runs as written: each `python` block raises the exception its
first line names (`# raises TypeError`), and the `text` block after it is part of the message.

Whitespace runs compare as one space, so a long message may be wrapped in the page; the notes an
exception carries (`__notes__`) count as part of its message."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest

PAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "mistakes.md")
RAISES = re.compile(r"#\s*raises\s+([A-Za-z_][\w.]*)\s*$")


@dataclass
class Example:
    section: str
    title: str
    line: int  # of the python block's first code line, for tracebacks
    exception: str
    code: str
    expected: str

    @property
    def id(self) -> str:
        return f"line {self.line}: {self.title}"


def parse(text: str) -> tuple[list[Example], list[str]]:
    """The page's examples, and the format errors found (a block without `# raises`, a python
    block with no text block after it). Fences must start at the line's beginning: the indented
    format description at the top of the page is not an example."""
    lines = text.split("\n")
    examples, errors = [], []
    section = title = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.startswith("### "):
            title = line[4:].strip()
        elif line.rstrip() == "```python":
            start = i + 1
            try:
                code, i = _block(lines, start)
            except ValueError as error:
                errors.append(str(error))
                break
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            match = RAISES.match(code[0]) if code else None
            if match is None:
                errors.append(f"line {start + 1} ({title}): the python block does not start with '# raises SomeError'")
            elif j >= len(lines) or lines[j] != "```text":
                errors.append(f"line {start + 1} ({title}): the python block is not followed by a ```text block")
            else:
                try:
                    expected, i = _block(lines, j + 1)
                except ValueError as error:
                    errors.append(str(error))
                    break
                examples.append(Example(section, title, start + 1, match.group(1), "\n".join(code),
                                        "\n".join(expected).strip()))
        i += 1
    return examples, errors


def _block(lines: list[str], start: int) -> tuple[list[str], int]:
    """The lines of a fenced block starting at `start`, and the index of its closing fence; a block
    that reaches a heading (or the end of the page) was never closed."""
    end = start
    while end < len(lines) and lines[end] != "```":
        if lines[end].startswith(("## ", "### ")):
            raise ValueError(f"line {start}: a fenced block is not closed before the heading {lines[end]!r}")
        end += 1
    if end == len(lines):
        raise ValueError(f"line {start}: a fenced block is not closed before the end of the page")
    return lines[start:end], end


with open(PAGE, encoding="utf-8") as page:
    EXAMPLES, FORMAT_ERRORS = parse(page.read())


def squeezed(text: str) -> str:
    return " ".join(text.split())


def test_the_page_is_well_formed_and_has_the_nn_entries():
    assert FORMAT_ERRORS == []
    assert len({example.title for example in EXAMPLES}) == len(EXAMPLES), "two entries share a title"
    nn_entries = [e for e in EXAMPLES if e.section == "Modules, optimizers, data and checkpoints"]
    assert len(nn_entries) >= 15


def test_the_parser_catches_a_malformed_entry():
    page = ("## S\n### a\n```python\nx = 1\n```\n```text\nx\n```\n"  # no '# raises' line
            "### b\n```python\n# raises ValueError\nraise ValueError\n```\n")  # no text block
    examples, errors = parse(page)
    assert examples == [] and len(errors) == 2
    unclosed = "## S\n### a\n```python\n# raises ValueError\nraise ValueError\n```\n```text\nmessage\n### b\n"
    examples, errors = parse(unclosed)
    assert examples == [] and errors == ["line 7: a fenced block is not closed before the heading '### b'"]


@pytest.mark.parametrize("example", EXAMPLES, ids=[example.id for example in EXAMPLES])
def test_example_raises_the_named_exception_with_the_quoted_message(example, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # examples may write files
    code = compile(example.code, f"{PAGE}:{example.line}", "exec")
    try:
        exec(code, {"__name__": "__mistakes_example__"})
    except Exception as error:  # noqa: BLE001  (the example names which exception it must be)
        names = [cls.__name__ for cls in type(error).__mro__]  # the named class or a subclass of it
        assert example.exception.rsplit(".", 1)[-1] in names, (  # `autograd.SomeError` names SomeError
            f"expected {example.exception}, got {type(error).__name__}: {error}")
        message = "\n".join([str(error), *getattr(error, "__notes__", [])])
        assert squeezed(example.expected) in squeezed(message), f"the message was:\n{message}"
    else:
        pytest.fail(f"the example did not raise {example.exception}")
