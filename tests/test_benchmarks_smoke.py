"""Smoke test of benchmarks/: the runner works end to end on gradsight and the NumPy floor, and the
floor computes the same gradients as gradsight (so the floor the targets are measured against is honest)."""
from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def _from_benchmarks(*names: str) -> list:
    """The named modules of benchmarks/, imported, then taken out of sys.path and sys.modules with
    whatever else of benchmarks/ they imported: their generic names (cases, report, peers) must stay
    out of other tests' way."""
    before = set(sys.modules)
    sys.path.insert(0, str(BENCHMARKS))
    try:
        return [importlib.import_module(name) for name in names]
    finally:
        while str(BENCHMARKS) in sys.path:  # run.py puts its folder there too
            sys.path.remove(str(BENCHMARKS))
        for name in set(sys.modules) - before:
            module = sys.modules[name]
            where = getattr(module, "__file__", None) or next(iter(getattr(module, "__path__", [])), "")
            if where.startswith(str(BENCHMARKS)):  # a namespace package (peers) has a __path__, no __file__
                del sys.modules[name]


def test_quick_run_of_one_case_gives_times_and_matching_gradients(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "run.py"), "--quick", "--peers", "floor,gradsight,gradsight_core",
         "--cases", "tiny", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    [result_file] = tmp_path.glob("*.json")
    results = json.loads(result_file.read_text())

    # the core-ops variant always runs; the nn variant runs once nn has its layers, else says why not
    gradients = results["gradients"]["tiny"]
    assert gradients["gradsight_core"]["match"] is True, gradients
    assert gradients["gradsight"].get("match") is True or "unsupported" in gradients["gradsight"], gradients

    timing = results["timing"]["1"]["tiny"]
    for key in ("floor", "gradsight_core"):
        assert timing[key]["times"] and all(t > 0 for t in timing[key]["times"]), timing[key]
    markdown = next(tmp_path.glob("*.md")).read_text()
    assert "| Tiny net 16-16-16-2" in markdown and "NumPy floor" in markdown


def test_floor_and_gradsight_agree_on_every_network_case():
    import numpy as np

    cases, floor, gradsight_peer = _from_benchmarks("cases", "peers.floor", "peers.gradsight_peer")
    build_workload = cases.build_workload
    for case in ("mlp", "mlp_bn", "deep", "tiny"):
        reference = build_workload(floor, case, "")
        ours = build_workload(gradsight_peer, case, "core")
        loss_floor, loss_ours = reference.step(), ours.step()
        assert abs(loss_floor - loss_ours) <= 1e-5 * max(1.0, abs(loss_floor)), case
        expected, got = reference.gradients(), ours.gradients()
        scale = max(float(np.abs(g).max()) for g in expected)
        assert len(expected) == len(got), case
        for e, g in zip(expected, got):
            assert g.shape == e.shape and g.dtype == np.float32, case
            np.testing.assert_allclose(g, e, rtol=0, atol=1e-5 * scale, err_msg=case)


def test_a_case_timed_alongside_another_reports_both_from_one_process():
    request = {"cmd": "time", "case": "chain_2000", "reps": 2, "inner": 1, "warmup": 0,
               "alongside": "chain_scalar_2000"}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "worker.py"), "gradsight_peer", "core", "--threads", "1", "--cpus", "0",
         "once", json.dumps(request)], capture_output=True, text=True, timeout=120, cwd=BENCHMARKS)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(answer["times"]) == 2 and answer["alongside"]["case"] == "chain_scalar_2000"
    assert len(answer["alongside"]["times"]) == 2 and all(t > 0 for t in answer["alongside"]["times"])


def test_a_per_op_ratio_prefers_the_smaller_case_timed_in_the_same_process():
    cases, report = _from_benchmarks("cases", "report")
    CASES, per_op_ratio, verdict = cases.CASES, report.per_op_ratio, report.verdict
    timing = {"chain_2000": {"gradsight": {"times": [4e-6] * 3}, "torch": {"times": [5e-6] * 3}},
              "chain_100000": {"gradsight": {"times": [6e-6] * 3, "alongside": {"times": [5.5e-6] * 3}},
                               "torch": {"times": [7e-6] * 3}}}
    case = CASES["chain_100000"]
    assert abs(per_op_ratio(case, "gradsight", timing) - 6 / 5.5) < 1e-12  # not 6 / 4 from the main table
    assert verdict("chain_100000", "gradsight", timing) == "PASS"
    del timing["chain_100000"]["gradsight"]["alongside"]
    assert abs(per_op_ratio(case, "gradsight", timing) - 1.5) < 1e-12
    assert verdict("chain_100000", "gradsight", timing) == "FAIL"


def test_compare_trees_times_two_checkouts_and_reports_a_missing_case(tmp_path):
    repo = BENCHMARKS.parent
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "compare_trees.py"), str(repo), str(repo), "--cases", "add:core",
         "--rounds", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    ratio = float(done.stdout.split("after/before")[1].split()[0])
    assert 0.2 < ratio < 5, done.stdout  # the same tree twice: a ratio near 1, whatever the machine's noise
    (tmp_path / "benchmarks").mkdir()  # a "checkout" without the benchmark's cases: reported, not a crash
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "compare_trees.py"), str(tmp_path), str(repo), "--cases", "add:core",
         "--rounds", "1"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "not run in before" in done.stdout, done.stdout + done.stderr


def test_bytecode_profile_counts_one_step_and_names_the_ops_code():
    done = subprocess.run([sys.executable, str(BENCHMARKS / "bytecode_profile.py"), "add", "core", "--top", "30"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    header, *rows = done.stdout.splitlines()
    total = int(header.split(": ")[1].split()[0].replace(",", ""))
    counts = [int(row.split()[0].replace(",", "")) for row in rows]
    assert 3 <= len(rows) <= 30 and counts == sorted(counts, reverse=True) and sum(counts) == total
    # the add's own forward and backward run as Python bytecode on either engine (the compiled core calls them)
    for function in ("elementwise.py:forward", "elementwise.py:backward"):
        assert any(function in row for row in rows), function


def test_run_steps_runs_the_floor_or_gradsight_and_prints_cpu_seconds_per_step():
    for extra in ([], ["--floor"]):
        done = subprocess.run([sys.executable, str(BENCHMARKS / "run_steps.py"), "add", "core", "50", "--time", *extra],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        assert 0 < float(done.stdout.split()[-1]) < 1, done.stdout


def test_instruction_breakdown_groups_functions_by_cpython_file_or_library():
    (breakdown,) = _from_benchmarks("instruction_breakdown")
    grouped = breakdown.grouped
    annotated = """\
--------------------------------------------------------------------------------
1,000,000 (100.0%)  PROGRAM TOTALS
--------------------------------------------------------------------------------
500,000 (50.00%)  ???:sgemm_kernel_HASWELL [/venv/numpy.libs/libscipy_openblas64_-32a4b2a6.so]
200,000 (20.00%)  /build/Python-3.11.7/Python/ceval.c:_PyEval_EvalFrameDefault [/usr/lib/libpython3.11.so.1.0]
 50,000 ( 5.00%)  /build/Python-3.11.7/Python/ceval.c:_PyEval_EvalFrameDefault'2 [/usr/lib/libpython3.11.so.1.0]
 40,000 ( 4.00%)  /build/Python-3.11.7/Modules/gcmodule.c:visit_reachable
 30,000 ( 3.00%)  ???:FLOAT_tanh_X86_V3 [/venv/numpy/_core/_multiarray_umath.cpython-311-x86_64-linux-gnu.so]
 20,000 ( 2.00%)  ./string/memset-vec-unaligned-erms.S:__memset_avx2_unaligned_erms [/usr/lib/libc.so.6]
"""
    counts = grouped(annotated)
    assert counts == {"(total)": 1_000_000, "OpenBLAS": 500_000, "CPython ceval.c": 250_000,
                      "CPython gcmodule.c": 40_000, "NumPy": 30_000, "libc / libm": 20_000}


def test_gc_collections_reports_each_generation_per_step():
    done = subprocess.run([sys.executable, str(BENCHMARKS / "gc_collections.py"), "chain_2000", "core", "--steps", "2",
                           "--pause-after", "1000"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    header, *rows = done.stdout.splitlines()
    assert "pause after 1000 ops" in header
    assert [row.split()[0] for row in rows] == ["young", "middle", "full"]
    # the first 1,000 ops of each step run with the collector on: about 7,000 tracked objects, so young collections
    assert float(rows[0].split()[4].rstrip(",")) >= 1


def test_a_paired_ratio_divides_each_repetition_by_the_floor_of_the_same_turn():
    (report,) = _from_benchmarks("report")
    paired_ratio = report.paired_ratio
    # the machine slows down tenfold in the third turn, between the floor's repetition and the peer's:
    # per turn the peer is 2x the floor but once, while the ratio of the medians says 20
    floor = [1.0, 1.0, 1.0, 10.0, 10.0]
    peer = [2.0, 2.0, 20.0, 20.0, 20.0]
    assert paired_ratio(peer, floor) == (2.0, 2.0, 2.0)
    assert paired_ratio([1.0, 3.0, 2.0, 4.0, 5.0], [1.0] * 5) == (3.0, 2.0, 4.0)
    assert paired_ratio(peer[:4], floor) is None  # unequal counts cannot be paired


def test_an_isolated_case_takes_its_peers_in_turns_and_drops_one_that_failed(monkeypatch):
    (run,) = _from_benchmarks("run")
    calls = []

    def fake_run_once(contender, threads, cpus, request, timeout):
        calls.append(contender.key)
        if contender.key == "micrograd":
            return {"error": "RecursionError"}
        return {"times": [1.0], "alongside": {"case": request["alongside"], "times": [2.0]}}

    monkeypatch.setattr(run, "run_once", fake_run_once)
    results = {}
    run.run_isolated(["floor", "gradsight", "micrograd"], ["chain_100000"], results, timeout=1, rounds=3)
    # round 1 in the listed order, then rotated; micrograd, which failed, is not asked again
    assert calls == ["floor", "gradsight", "micrograd", "gradsight", "floor", "floor", "gradsight"]
    entry = results["timing"]["1"]["chain_100000"]["gradsight"]
    assert entry["times"] == [1.0] * 3 and entry["alongside"]["times"] == [2.0] * 3
    assert results["timing"]["1"]["chain_100000"]["micrograd"]["error"] == "RecursionError"


def test_engine_ab_times_both_engines_side_by_side():
    from autograd import compiled

    if not compiled.active:
        pytest.skip(f"the compiled core is not in use: {compiled.why_not}")
    done = subprocess.run([sys.executable, str(BENCHMARKS / "engine_ab.py"), "--cases", "add:core", "--rounds", "3"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    row = done.stdout.splitlines()[-1]
    assert row.startswith("| add:core |") and row.count("|") == 5, done.stdout
