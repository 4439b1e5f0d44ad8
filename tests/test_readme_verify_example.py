"""The README section "## Verify your own op" runs as written, and prints what it says it prints.

Its text lives in docs/verify_your_own_op.md too (the same section, for the README to include);
both copies are executed. examples/custom_op.py, the longer version, runs here as well.
"""
import contextlib
import io
import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEADING = "## Verify your own op"


def section(text: str, heading: str = HEADING) -> str:
    """The text under `heading`, up to the next heading of the same level."""
    start = text.find(heading + "\n")
    if start < 0:
        raise AssertionError(f"no section {heading!r}")
    body = text[start + len(heading):]
    following = re.search(r"^## ", body, flags=re.MULTILINE)
    return body[:following.start()] if following else body


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def run_section(text: str) -> None:
    """Execute the section's python blocks in one namespace; its text blocks must appear in the output."""
    blocks = code_blocks(text, "python")
    assert blocks, "the section has no python code block"
    namespace = {"__name__": "readme_verify_your_own_op"}
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        for block in blocks:
            exec(compile(block, "<README: Verify your own op>", "exec"), namespace)
    printed = output.getvalue()
    for expected in code_blocks(text, "text"):
        for line in expected.strip().splitlines():
            assert line.strip() in printed, f"the section shows {line!r}, the code printed:\n{printed}"


def test_readme_section_runs_as_written():
    readme = ROOT / "README.md"
    run_section(section(readme.read_text(encoding="utf-8")))


def test_docs_copy_of_the_section_runs_as_written():
    run_section(section((ROOT / "docs" / "verify_your_own_op.md").read_text(encoding="utf-8")))


def test_custom_op_example_runs():
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        try:
            runpy.run_path(str(ROOT / "examples" / "custom_op.py"), run_name="__main__")
        except SystemExit as stop:  # the example exits only when the wrong op was not caught
            pytest.fail(str(stop))
    printed = output.getvalue()
    assert "check_op passed: 'log_add_exp'" in printed
    assert "check_op caught the wrong backward" in printed and "gradcheck failed for input 1" in printed
