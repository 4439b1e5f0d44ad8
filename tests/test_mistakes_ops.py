"""The 'Ops, shapes and NumPy' section of docs/mistakes.md: each example raises what it says it raises."""
import pathlib
import re

import pytest

PAGE = pathlib.Path(__file__).resolve().parent.parent / "docs" / "mistakes.md"
SECTION = "## Ops, shapes and NumPy"


def _entries() -> list[tuple[str, str, str, str]]:
    """(title, exception name, code, expected message part) for each entry of the section."""
    text = PAGE.read_text()
    start = text.index(SECTION) + len(SECTION)
    end = text.find("\n## ", start)
    section = text[start:end if end != -1 else None]
    pattern = re.compile(r"### (.+?)\n.*?```python\n# raises (\w+)\n(.*?)```\n```text\n(.*?)\n```", re.S)
    return [match.groups() for match in pattern.finditer(section)]


ENTRIES = _entries()


def test_the_section_has_entries():
    assert len(ENTRIES) >= 8


@pytest.mark.parametrize("title, exception, code, expected", ENTRIES, ids=[e[0][:40] for e in ENTRIES])
def test_each_example_raises_the_documented_error(title, exception, code, expected):
    with pytest.raises(Exception) as info:
        exec(compile(code, f"<mistakes.md: {title}>", "exec"), {})
    names = {cls.__name__ for cls in type(info.value).__mro__}
    assert exception in names, f"{title}: raised {type(info.value).__name__}, documented {exception}"
    assert expected in str(info.value), f"{title}: message was {info.value}"
