"""The README's first example runs as written and actually trains."""
import pathlib
import re

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _section_code(heading: str) -> str:
    text = README.read_text()
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return "\n".join(re.findall(r"```python\n(.*?)```", text[start:end], flags=re.S))


def test_first_example_trains_the_digits(capsys):
    exec(compile(_section_code("## A first example"), "README.md", "exec"), {})
    printed = capsys.readouterr().out
    accuracy = float(re.search(r"training accuracy (\S+)", printed).group(1))
    assert accuracy > 0.95, printed
