"""The tour: run every experiment in examples/, collect its claims and figures, write one HTML page."""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .claims import ClaimResult, format_table, verdict
from .page import write_page  # the teacher's page lives in page.py

EXPERIMENT_PATTERN = re.compile(r"^e(\d\d)_\w+\.py$")
FIGURE_SUFFIXES = (".png", ".svg")


class TourError(RuntimeError):
    """The tour cannot run (no examples directory, or an unknown experiment was asked for)."""


@dataclass
class ExperimentRun:
    """What one experiment produced: claims, printed output, figure files, seconds, error text."""

    number: int
    name: str
    claims: list[ClaimResult] = field(default_factory=list)
    output: str = ""
    figures: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None


def examples_dir(root: Path | None = None) -> Path:
    """The repository's examples/ folder (the package is installed editable, next to it)."""
    folder = (root if root is not None else Path(__file__).resolve().parents[1]) / "examples"
    if not folder.is_dir() or not any(EXPERIMENT_PATTERN.match(p.name) for p in folder.iterdir()):
        raise TourError(
            f"gradsight tour: no experiments found in {folder} (expected files named eNN_<name>.py). "
            "The tour runs from a source checkout: clone the repository and install it editable "
            "(pip install -e .) so that examples/ sits next to the gradsight package.")
    return folder


def discover(folder: Path) -> dict[int, Path]:
    """Experiment number -> script path, for every eNN_<name>.py in `folder`."""
    found = {}
    for path in sorted(folder.iterdir()):
        match = EXPERIMENT_PATTERN.match(path.name)
        if match:
            found[int(match.group(1))] = path
    return found


def load_experiment(path: Path) -> ModuleType:
    """Import an experiment script as a module (its folder goes on sys.path for `_common`)."""
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(f"gradsight_examples.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "run", None)):
        raise TourError(f"gradsight tour: {path} has no run(quick, out_dir) function")
    return module


class _Tee(io.TextIOBase):
    """Write to the real stdout and keep a copy (the page shows each experiment's printed tables)."""

    def __init__(self, stream):
        self.stream, self.copy = stream, io.StringIO()

    def write(self, text):
        self.copy.write(text)
        return self.stream.write(text)

    def flush(self):
        self.stream.flush()


def run_experiment(number: int, path: Path, quick: bool, out: Path, echo: bool = True) -> ExperimentRun:
    """Run one experiment; an exception becomes a failing claim with its traceback, never hidden."""
    name = path.stem
    record = ExperimentRun(number, name)
    out_dir = out / name
    out_dir.mkdir(parents=True, exist_ok=True)
    tee = _Tee(sys.stdout if echo else io.StringIO())
    start = time.perf_counter()
    try:
        module = load_experiment(path)
        with contextlib.redirect_stdout(tee):
            record.claims = list(module.run(quick=quick, out_dir=out_dir))
    except Exception as error:  # noqa: BLE001  (the tour reports every failure and goes on)
        record.error = traceback.format_exc()
        record.claims = [ClaimResult("runs", f"experiment {name} runs to the end",
                                     f"raised {type(error).__name__}: {error}", False)]
    record.seconds = time.perf_counter() - start
    record.output = tee.copy.getvalue()
    record.figures = sorted(p for p in out_dir.rglob("*") if p.suffix in FIGURE_SUFFIXES)
    return record


def run_tour(quick: bool, out: Path, only: list[int] | None = None, echo: bool = True) -> list[ExperimentRun]:
    """Run the chosen experiments (all by default) and write results.json and index.html in `out`."""
    experiments = discover(examples_dir())
    if only:
        unknown = sorted(set(only) - set(experiments))
        if unknown:
            raise TourError(f"gradsight tour: no experiment numbered {unknown}; "
                            f"available: {sorted(experiments)}")
        experiments = {n: experiments[n] for n in sorted(set(only))}
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for number, path in experiments.items():
        if echo:
            print(f"\n=== experiment {number}: {path.stem} ===", flush=True)
        runs.append(run_experiment(number, path, quick, out, echo))
    write_results(runs, out, quick)
    write_page(runs, out, quick)
    return runs


def summary_table(runs: list[ExperimentRun]) -> str:
    """The claim -> measured -> holds/FAILS table of a whole tour."""
    rows = [[str(r.number), c.claim, c.measured, verdict(c.holds)] for r in runs for c in r.claims]
    return format_table(rows, ["#", "claim", "measured", "verdict"])


def write_results(runs: list[ExperimentRun], out: Path, quick: bool) -> Path:
    """Machine-readable results (claims with their raw values, figures, timings) as JSON."""
    data = {"quick": quick, "experiments": [
        {"number": r.number, "name": r.name, "seconds": round(r.seconds, 2), "error": r.error,
         "figures": [str(p.relative_to(out)) for p in r.figures],
         "claims": [c.to_dict() for c in r.claims]} for r in runs]}
    path = out / "results.json"
    path.write_text(json.dumps(data, indent=1, default=float))
    return path
