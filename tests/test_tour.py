"""`gradsight tour --quick` as a user runs it: every experiment, every claim reported, one linked page."""
from __future__ import annotations

import html
import json
import os
import re

import pytest
from tour_cache import quick_tour

from gradsight.claims import ClaimResult, SeedSpread
from gradsight.cli import _seed_list, main
from gradsight.tour import (
    ExperimentRun,
    TourError,
    combine_seeds,
    examples_dir,
    run_tour,
    run_tour_seeds,
    summary_table,
    write_page,
)

# one tour run per worker: keep both files on the same worker under `pytest -n ... --dist loadgroup`
pytestmark = pytest.mark.xdist_group("gradsight_tour")
EXPERIMENTS = range(1, 22)
LABELS = {"holds": "holds", "fails": "FAILS", "not reproduced": "not reproduced"}


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
            assert line.rstrip().endswith(LABELS[c["verdict"]])
            assert c["holds"] == (c["verdict"] == "holds")
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


# ----- seeds and verdicts -------------------------------------------------------------------------
def test_a_claim_carries_one_of_three_verdicts_consistent_with_holds():
    assert ClaimResult("k", "c", "m 1", True).verdict == "holds"
    assert ClaimResult("k", "c", "m 1", False).verdict == "fails"
    unreproduced = ClaimResult("k", "c", "m 1", False, verdict="not reproduced")
    assert unreproduced.label == "not reproduced" and not unreproduced.holds
    with pytest.raises(ValueError, match="holds=True contradicts verdict 'fails'"):
        ClaimResult("k", "c", "m 1", True, verdict="fails")
    with pytest.raises(ValueError, match="verdict must be one of"):
        ClaimResult("k", "c", "m 1", False, verdict="maybe")
    seeds = SeedSpread({0: "holds", 1: "holds"}, {"x": {"median": 1.0, "min": 0.5, "max": 2}})
    spread = ClaimResult("k", "c", "m 1", True, {"x": 1.0}, seeds=seeds)
    assert ClaimResult.from_dict(json.loads(json.dumps(spread.to_dict()))) == spread


def test_seed_ranges_parse_and_bad_ones_are_refused():
    assert _seed_list("0-9") == list(range(10)) and _seed_list("0-2,7") == [0, 1, 2, 7]
    for bad in ("a-b", "3,3", "", "-1"):
        with pytest.raises(Exception, match="--seeds expects"):
            _seed_list(bad)


def _run(claims: list[ClaimResult], number: int = 1) -> ExperimentRun:
    return ExperimentRun(number, f"e{number:02d}_made_up", claims=claims)


def test_combined_seeds_count_holding_seeds_and_flag_a_verdict_that_flips():
    per_seed = {seed: [_run([ClaimResult("steady", "c", "m", True, {"x": float(seed), "nested": {"y": seed}}),
                             ClaimResult("flips", "c", "m", seed != 2, {"x": 1.0, "text": "a", "flag": True})])]
                for seed in range(4)}
    steady, flips = combine_seeds(per_seed)[0].claims
    assert steady.verdict == "holds" and steady.seeds.seeds_holding == 4
    assert steady.seeds.spread == {"x": {"median": 1.5, "min": 0.0, "max": 3.0},
                                   "nested.y": {"median": 1.5, "min": 0, "max": 3}}
    assert flips.verdict == "fails" and flips.seeds.seeds_holding == 3  # one seed's failure fails the claim
    assert set(flips.seeds.spread) == {"x"}  # text and booleans have no spread
    assert "holds for 3 of 4 seeds" in flips.measured


def test_the_same_seed_repeats_the_same_numbers_and_another_seed_differs(tmp_path):
    first, again, other = (run_tour(True, tmp_path / name, only=[19], echo=False, seed=seed)
                           for name, seed in (("a", 3), ("b", 3), ("c", 4)))
    assert [c.values for c in first[0].claims] == [c.values for c in again[0].claims]
    assert first[0].claims[1].values != other[0].claims[1].values  # random pairs of distributions differ
    results = json.loads((tmp_path / "a" / "results.json").read_text())
    assert results["seed"] == 3 and "seeds" not in results
    assert all(set(c) >= {"verdict", "holds"} and "spread" not in c for c in results["experiments"][0]["claims"])


def test_several_seeds_report_each_claims_spread_in_json_terminal_and_page(tmp_path, capsys, monkeypatch):
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(variable, os.environ.get(variable, "1"))
    assert main(["tour", "--seeds", "0-2", "--only", "16,19", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "summary over seeds 0..2 (3 seeds" in printed and "3/3" in printed
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["seeds"] == [0, 1, 2]
    for entry in results["experiments"]:
        for c in entry["claims"]:
            assert c["seeds_total"] == 3 and c["seeds_holding"] == 3 and set(c["verdicts"]) == {"0", "1", "2"}
            for spread in c["spread"].values():
                assert spread["min"] <= spread["median"] <= spread["max"]
    identity = next(c for c in results["experiments"][1]["claims"] if c["key"] == "identity")
    assert identity["spread"]["kl_min"]["min"] < identity["spread"]["kl_min"]["max"]  # the seeds really differ
    assert "holds for 3 of 3 seeds" in (tmp_path / "index.html").read_text()
    assert (tmp_path / "seed-2" / "results.json").exists()
    with pytest.raises(TourError, match="distinct"):
        run_tour_seeds(True, tmp_path, [1, 1], only=[19], echo=False)
