"""The tour: run every experiment in examples/, collect its claims and figures, write one HTML page."""
from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import re
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from .claims import ClaimResult, SeedSpread, format_table
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
        raise TourError(f"gradsight tour: {path} has no run(quick, out_dir, seed) function")
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


def run_experiment(number: int, path: Path, quick: bool, out: Path, echo: bool = True,
                   seed: int = 0) -> ExperimentRun:
    """Run one experiment with `seed`; an exception becomes a failing claim with its traceback, never hidden."""
    import nn  # after the CLI set the BLAS threads: nn imports NumPy

    name = path.stem
    record = ExperimentRun(number, name)
    out_dir = out / name
    out_dir.mkdir(parents=True, exist_ok=True)
    tee = _Tee(sys.stdout if echo else io.StringIO())
    start = time.perf_counter()
    try:
        module = load_experiment(path)
        nn.manual_seed(seed)  # anything left on the default generator repeats with the seed too
        with contextlib.redirect_stdout(tee):
            record.claims = list(module.run(quick=quick, out_dir=out_dir, seed=seed))
    except Exception as error:  # noqa: BLE001  (the tour reports every failure and goes on)
        record.error = traceback.format_exc()
        record.claims = [ClaimResult("runs", f"experiment {name} runs to the end",
                                     f"raised {type(error).__name__}: {error}", False)]
    record.seconds = time.perf_counter() - start
    record.output = tee.copy.getvalue()
    record.figures = sorted(p for p in out_dir.rglob("*") if p.suffix in FIGURE_SUFFIXES)
    return record


def chosen_experiments(only: list[int] | None) -> dict[int, Path]:
    """Number -> path of the experiments to run: all, or the numbers in `only` (unknown ones refused)."""
    experiments = discover(examples_dir())
    if only:
        unknown = sorted(set(only) - set(experiments))
        if unknown:
            raise TourError(f"gradsight tour: no experiment numbered {unknown}; "
                            f"available: {sorted(experiments)}")
        experiments = {n: experiments[n] for n in sorted(set(only))}
    return experiments


def run_tour(quick: bool, out: Path, only: list[int] | None = None, echo: bool = True,
             seed: int = 0) -> list[ExperimentRun]:
    """Run the chosen experiments (all by default) with `seed`; write results.json and index.html in `out`."""
    experiments = chosen_experiments(only)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for number, path in experiments.items():
        if echo:
            print(f"\n=== experiment {number}: {path.stem} (seed {seed}) ===", flush=True)
        runs.append(run_experiment(number, path, quick, out, echo, seed))
    write_results(runs, out, quick, seed=seed)
    write_page(runs, out, quick)
    return runs


def run_tour_seeds(quick: bool, out: Path, seeds: list[int], only: list[int] | None = None,
                   echo: bool = True) -> list[ExperimentRun]:
    """The tour once per seed (each in out/seed-K/); then one results.json and page with every claim's spread.

    The returned runs are the first seed's, with each claim replaced by its multi-seed summary."""
    if not seeds or len(set(seeds)) != len(seeds):
        raise TourError(f"gradsight tour: --seeds needs distinct seeds, got {seeds}")
    chosen_experiments(only)  # refuse unknown numbers before the first seed runs
    per_seed = {}
    for seed in seeds:
        if echo:
            print(f"\n##### seed {seed} ({seeds.index(seed) + 1} of {len(seeds)}) #####", flush=True)
        per_seed[seed] = run_tour(quick, out / f"seed-{seed}", only, echo=echo, seed=seed)
    runs = combine_seeds(per_seed)
    write_results(runs, out, quick, seeds=seeds)
    write_page(runs, out, quick, seeds=seeds)
    return runs


def combine_seeds(per_seed: dict[int, list[ExperimentRun]]) -> list[ExperimentRun]:
    """The first seed's runs with every claim summarized over all seeds (verdict per seed, value spread)."""
    seeds = list(per_seed)
    combined = []
    for position, first in enumerate(per_seed[seeds[0]]):
        runs = {seed: per_seed[seed][position] for seed in seeds}
        claims = []
        for claim in first.claims:
            results = {seed: next((c for c in run.claims if c.key == claim.key), None) for seed, run in runs.items()}
            claims.append(_combine_claim(claim, results))
        errors = [f"seed {seed}:\n{run.error}" for seed, run in runs.items() if run.error]
        combined.append(ExperimentRun(first.number, first.name, claims, first.output, first.figures,
                                      sum(r.seconds for r in runs.values()), "\n".join(errors) or None))
    return combined


def _combine_claim(first: ClaimResult, results: dict[int, ClaimResult | None]) -> ClaimResult:
    verdicts = {seed: (r.verdict if r is not None else "fails") for seed, r in results.items()}
    spread = {}
    for name in scalar_values(first.values):
        numbers = [scalar_values(r.values).get(name) for r in results.values() if r is not None]
        if len(numbers) == len(results) and all(n is not None for n in numbers):
            spread[name] = {"median": statistics.median(numbers), "min": min(numbers), "max": max(numbers)}
    distinct = set(verdicts.values())
    overall = distinct.pop() if len(distinct) == 1 else "fails"  # a verdict that flips with the seed is no verdict
    seeds = SeedSpread(verdicts, spread)
    holding = f"holds for {seeds.seeds_holding} of {len(verdicts)} seeds"
    ranges = "; ".join(f"{name} {_short(s['median'])} ({_short(s['min'])}..{_short(s['max'])})"
                       for name, s in spread.items())
    measured = f"{holding}; median (range): {ranges}" if ranges else holding
    return ClaimResult(first.key, first.claim, measured, overall == "holds", first.values, overall, seeds)


def scalar_values(values: dict, prefix: str = "") -> dict[str, float]:
    """Every scalar number in a claim's values (nested dicts as dotted names; bools, lists and text left out)."""
    found = {}
    for name, value in values.items():
        if isinstance(value, dict):
            found.update(scalar_values(value, f"{prefix}{name}."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found[f"{prefix}{name}"] = value
    return found


def _short(number: float) -> str:
    return f"{number:.3g}" if isinstance(number, float) else str(number)


def summary_table(runs: list[ExperimentRun]) -> str:
    """The claim -> measured -> verdict table of a whole tour."""
    rows = [[str(r.number), c.claim, c.measured, c.label] for r in runs for c in r.claims]
    return format_table(rows, ["#", "claim", "measured", "verdict"])


def seeds_table(runs: list[ExperimentRun]) -> str:
    """Per claim of a multi-seed tour: seeds holding, the overall verdict, and the measured spread."""
    rows = [[str(r.number), c.key, f"{c.seeds.seeds_holding}/{len(c.seeds.verdicts)}" if c.seeds else "-",
             c.label, c.measured] for r in runs for c in r.claims]
    return format_table(rows, ["#", "claim", "seeds holding", "verdict", "median (min..max) of each value"])


def write_results(runs: list[ExperimentRun], out: Path, quick: bool, seed: int | None = None,
                  seeds: list[int] | None = None) -> Path:
    """Machine-readable results (claims with their raw values, figures, timings) as JSON; a multi-seed
    tour lists its `seeds` and gives each claim its per-seed verdicts and value spread."""
    data = {"quick": quick}
    if seeds is not None:
        data["seeds"] = list(seeds)
    elif seed is not None:
        data["seed"] = seed
    data["experiments"] = [
        {"number": r.number, "name": r.name, "seconds": round(r.seconds, 2), "error": r.error,
         "figures": [str(p.relative_to(out)) for p in r.figures],
         "claims": [c.to_dict() for c in r.claims]} for r in runs]
    path = out / "results.json"
    path.write_text(json.dumps(data, indent=1, default=float))
    return path
