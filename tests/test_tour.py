"""`gradsight tour --quick` as a user runs it: every experiment, every claim reported, one linked page."""
from __future__ import annotations

import html
import os
import re

import pytest
from tour_cache import quick_tour

from gradsight.claims import ClaimResult
from gradsight.cli import main
from gradsight.tour import ExperimentRun, TourError, examples_dir, summary_table, write_page

# one tour run per worker: keep both files on the same worker under `pytest -n ... --dist loadgroup`
pytestmark = pytest.mark.xdist_group("gradsight_tour")
EXPERIMENTS = range(1, 15)


@pytest.fixture(scope="module")
def tour():
    return quick_tour()


def test_tour_runs_every_experiment_to_the_end(tour):
    assert tour.returncode == 0, tour.stderr[-3000:]
    assert [e["number"] for e in tour.results["experiments"]] == list(EXPERIMENTS)
    for entry in tour.results["experiments"]:
        assert entry["error"] is None, f"{entry['name']} raised:\n{entry['error']}"
        assert entry["claims"], f"{entry['name']} checked no claim"


def test_summary_reports_every_claim_with_its_numbers_and_verdict(tour):
    summary = tour.stdout.split("=== summary")[-1]
    for entry in tour.results["experiments"]:
        for c in entry["claims"]:
            assert c["measured"] and re.search(r"\d", c["measured"]), f"{c['key']}: no measured number"
            line = next((row for row in summary.splitlines() if c["measured"] in row), None)
            assert line is not None, f"claim {c['key']} of {entry['name']} is missing from the summary"
            assert line.rstrip().endswith("holds" if c["holds"] else "FAILS")
    held = sum(c["holds"] for e in tour.results["experiments"] for c in e["claims"])
    total = sum(len(e["claims"]) for e in tour.results["experiments"])
    assert f"{held} of {total} claims hold" in tour.stdout


def test_page_shows_and_links_every_figure(tour):
    page = (tour.out / "index.html").read_text()
    for entry in tour.results["experiments"]:
        assert entry["figures"], f"{entry['name']} wrote no figure"
        assert f"id='{entry['name']}'" in page
        for figure in entry["figures"]:
            path = tour.out / figure
            assert path.stat().st_size > 1000, f"{figure} is empty or tiny"
            assert f"href='{figure}'" in page  # every file linked; one picture per figure shown
        shown = {f.rsplit(".", 1)[0] for f in entry["figures"]}
        assert all(f"src='{stem}." in page for stem in shown)
        for c in entry["claims"]:
            assert html.escape(c["claim"]) in page and html.escape(c["measured"]) in page


def test_a_failing_claim_is_shown_with_its_numbers(tmp_path):
    failing = ClaimResult("k", "sigmoid trains fast", "error 0.42 after 300 steps", False)
    run = ExperimentRun(99, "e99_made_up", claims=[failing], output="table")
    assert re.search(r"sigmoid trains fast\s+error 0.42 after 300 steps\s+FAILS", summary_table([run]))
    page = write_page([run], tmp_path, quick=True).read_text()
    assert "error 0.42 after 300 steps" in page and "class='fails'>FAILS" in page
    assert "0 of 1 claims hold" in page


def test_missing_examples_folder_is_a_clear_error(tmp_path):
    with pytest.raises(TourError, match="no experiments found in .*examples.*install it editable"):
        examples_dir(tmp_path)


def test_unknown_experiment_number_is_refused(tmp_path, capsys, monkeypatch):
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(variable, os.environ.get(variable, "1"))  # the tour sets them: restored afterwards
    assert main(["tour", "--only", "99", "--out", str(tmp_path)]) == 2
    assert "no experiment numbered [99]" in capsys.readouterr().err
