"""A claim from the lectures, what an experiment measured, and whether the claim held."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class ClaimResult:
    """One checked claim: `claim` in words, `measured` in numbers, `holds` from bands on `values`.

    `key` is a short stable name that tests and tables use; `values` holds the raw measured
    numbers (plain floats/ints/lists) so a test can assert its own bands on them.
    """

    key: str
    claim: str
    measured: str
    holds: bool
    values: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The fields as a plain dict (for the tour's JSON file)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ClaimResult:
        """Rebuild a result from what `to_dict` wrote."""
        return cls(data["key"], data["claim"], data["measured"], bool(data["holds"]), dict(data.get("values", {})))


@dataclass(frozen=True)
class Lecture:
    """What the teacher's page says about one experiment; each examples/eNN_*.py defines `LECTURE`.

    `claim` is the lecture's own words (quoted), `source` names the lecture and slide, and
    `look_at` maps a figure's file stem to one sentence on what to look at in it.
    """

    title: str
    claim: str
    source: str
    look_at: dict = field(default_factory=dict)


def verdict(holds: bool) -> str:
    """The word a summary table shows for a claim."""
    return "holds" if holds else "FAILS"


def format_table(rows: list[list[str]], header: list[str], width: int | None = None) -> str:
    """A plain-text table with columns padded to their widest cell, wrapped to fit `width`
    (by default the terminal's; never wrapped when printing to a pipe or file)."""
    from .terminal import table_lines, terminal_width

    cells = [header] + [[str(c) for c in row] for row in rows]
    return "\n".join(table_lines(cells, terminal_width() if width is None else width))


def format_claims(results: list[ClaimResult]) -> str:
    """The claim → measured → holds/FAILS table of a list of results."""
    return format_table([[r.claim, r.measured, verdict(r.holds)] for r in results],
                        ["claim", "measured", "verdict"])
