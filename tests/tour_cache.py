"""One quick run of `gradsight tour` per test session, shared by test_tour.py and test_examples.py.

The tour runs in a subprocess exactly as a user runs it; its results.json carries every claim
with the raw measured values, so the per-experiment tests assert their own bands on them without
running any experiment a second time.
"""
from __future__ import annotations

import atexit
import functools
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TourRun:
    out: Path
    returncode: int
    stdout: str
    stderr: str
    results: dict

    def experiment(self, number: int) -> dict:
        """The results.json entry of one experiment (fails the test clearly if it is missing)."""
        for entry in self.results["experiments"]:
            if entry["number"] == number:
                return entry
        raise AssertionError(f"experiment {number} is not in the tour's results: {self.stdout[-2000:]}")

    def claims(self, number: int) -> dict[str, dict]:
        """key -> claim dict of one experiment, after checking that it ran to the end."""
        entry = self.experiment(number)
        assert entry["error"] is None, f"experiment {number} raised:\n{entry['error']}"
        return {c["key"]: c for c in entry["claims"]}


def gradsight_command() -> list[str]:
    """The installed console command when present, else `python -m gradsight` (same entry point)."""
    script = Path(sys.executable).with_name("gradsight")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gradsight"]


@functools.cache
def quick_tour() -> TourRun:
    out = Path(tempfile.mkdtemp(prefix="gradsight-tour-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    done = subprocess.run([*gradsight_command(), "tour", "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=600)
    results_file = out / "results.json"
    assert results_file.exists(), f"the tour wrote no results.json:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return TourRun(out, done.returncode, done.stdout, done.stderr, json.loads(results_file.read_text()))
