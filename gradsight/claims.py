"""A claim from the lectures, what an experiment measured, and its verdict: holds, fails or not reproduced."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

VERDICTS = ("holds", "fails", "not reproduced")


@dataclass(frozen=True)
class ClaimResult:
    """One checked claim: `claim` in words, `measured` in numbers, a verdict from bands on `values`.

    `key` is a short stable name that tests and tables use; `values` holds the raw measured
    numbers (plain floats/ints/lists) so a test can assert its own bands on them. `verdict` is
    "holds", "fails", or "not reproduced" (only for a claim the tour states up front that it cannot
    reproduce at this scale, with the reason in the claim); left empty it follows `holds`, and
    `holds == (verdict == "holds")` always. `seeds` is filled only by a multi-seed tour (SeedSpread).
    """

    key: str
    claim: str
    measured: str
    holds: bool
    values: dict = field(default_factory=dict)
    verdict: str = ""
    seeds: SeedSpread | None = None

    def __post_init__(self):
        verdict = self.verdict or ("holds" if self.holds else "fails")
        if verdict not in VERDICTS:
            raise ValueError(f"ClaimResult {self.key!r}: verdict must be one of {VERDICTS}, got {verdict!r}")
        if bool(self.holds) != (verdict == "holds"):
            raise ValueError(f"ClaimResult {self.key!r}: holds={self.holds} contradicts verdict {verdict!r}")
        object.__setattr__(self, "verdict", verdict)
        object.__setattr__(self, "holds", bool(self.holds))

    @property
    def label(self) -> str:
        """The word a summary table shows: holds, FAILS or not reproduced."""
        return "FAILS" if self.verdict == "fails" else self.verdict

    def to_dict(self) -> dict:
        """The fields as a plain dict (for the tour's JSON file); a multi-seed claim adds its spread keys."""
        data = asdict(self)
        data.pop("seeds")
        if self.seeds is not None:
            data.update(self.seeds.to_dict())
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ClaimResult:
        """Rebuild a result from what `to_dict` wrote."""
        seeds = SeedSpread.from_dict(data) if "verdicts" in data else None
        return cls(data["key"], data["claim"], data["measured"], bool(data["holds"]), dict(data.get("values", {})),
                   data.get("verdict", ""), seeds)


@dataclass(frozen=True)
class SeedSpread:
    """A claim over several seeds: the verdict of each seed and each scalar value's median and range."""

    verdicts: dict  # seed -> verdict
    spread: dict  # value name -> {"median": x, "min": x, "max": x}

    @property
    def seeds_holding(self) -> int:
        return sum(v == "holds" for v in self.verdicts.values())

    def to_dict(self) -> dict:
        """The keys a multi-seed results.json gives each claim."""
        return {"seeds_holding": self.seeds_holding, "seeds_total": len(self.verdicts),
                "verdicts": {str(s): v for s, v in self.verdicts.items()}, "spread": self.spread}

    @classmethod
    def from_dict(cls, data: dict) -> SeedSpread:
        """Rebuild from a multi-seed claim's dict."""
        return cls({int(s): v for s, v in data["verdicts"].items()}, dict(data.get("spread", {})))


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
    """The word a summary table shows for a claim that holds or fails (ClaimResult.label covers all three)."""
    return "holds" if holds else "FAILS"


def format_table(rows: list[list[str]], header: list[str], width: int | None = None) -> str:
    """A plain-text table with columns padded to their widest cell, wrapped to fit `width`
    (by default the terminal's; never wrapped when printing to a pipe or file)."""
    from .terminal import table_lines, terminal_width

    cells = [header] + [[str(c) for c in row] for row in rows]
    return "\n".join(table_lines(cells, terminal_width() if width is None else width))


def format_claims(results: list[ClaimResult]) -> str:
    """The claim → measured → verdict table of a list of results."""
    return format_table([[r.claim, r.measured, r.label] for r in results], ["claim", "measured", "verdict"])
