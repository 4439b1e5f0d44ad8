"""Where gradsight's time goes: cProfile of its side of the benchmark cases, next to the NumPy floor.

    python benchmarks/profile_gradsight.py [--steps N] [--out FILE]

Runs on one BLAS thread in this process (with the work tree's `autograd` and `nn`). For each case
it prints the time per step of gradsight and of the floor (unprofiled), the overhead between them,
and the functions that take the most time under the profiler (own time, per step). Note that
NumPy work done by an operator (`a @ b`, `a + b`) is counted in the Python function that runs it.
"""
from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before NumPy loads its BLAS
for _name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_name, None)

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import pstats  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from cases import CASES, NotSupported, build_workload  # noqa: E402
from peers import floor, gradsight_peer  # noqa: E402

SCENARIOS = [("mlp", "nn"), ("mlp", "core"), ("mlp_bn", "nn"), ("deep", "nn"), ("deep", "core"), ("tiny", "nn"),
             ("add", "core"), ("chain_2000", "core")]


def build(module, case: str, variant: str):
    return build_workload(module, case, variant)


def per_step_seconds(workload, steps: int, repeats: int = 5, collector: bool = True) -> float:
    """Best of `repeats` runs of `steps` steps (the least disturbed by other work on the machine),
    with Python's cyclic garbage collector on (as users run) or off (to show what it costs)."""
    for _ in range(3):
        workload.step()
    best = float("inf")
    for _ in range(repeats):
        gc.collect()
        if not collector:
            gc.disable()
        start = time.perf_counter()
        for _ in range(steps):
            workload.step()
        best = min(best, (time.perf_counter() - start) / steps)
        gc.enable()
    return best


def _where(path: str, line: int, name: str) -> str:
    if path == "~":
        return name
    parts = Path(path).parts
    for anchor in ("autograd", "nn", "benchmarks", "numpy"):
        if anchor in parts:
            index = len(parts) - 1 - parts[::-1].index(anchor)
            return f"{'/'.join(parts[index:])}:{line}({name})"
    return f"{Path(path).name}:{line}({name})"


def profile(workload, steps: int, top: int) -> list[tuple[str, float, float]]:
    """(function, own microseconds per step, calls per step) of the `top` functions by own time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        workload.step()
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    rows = [(_where(*key), own * 1e6 / steps, calls / steps) for key, (_, calls, own, _, _) in stats.items()]
    rows.sort(key=lambda row: -row[1])
    total = sum(row[1] for row in rows)
    return [("(all functions)", total, 0.0)] + rows[:top]


def report(steps_for: dict, top: int) -> str:
    unit_scale = 1e6
    lines = ["# Where gradsight's time goes (cProfile, 1 BLAS thread)", ""]
    for case, variant in SCENARIOS:
        case_info = CASES[case]
        steps = steps_for.get(case, 50)
        try:
            ours = build(gradsight_peer, case, variant)
        except NotSupported as reason:
            lines += [f"## {case} ({variant}): not run: {reason}", ""]
            continue
        reference = build(floor, case, variant)
        per_op = case_info.ops_per_step
        t_ours = per_step_seconds(ours, steps) / per_op * unit_scale
        t_no_gc = per_step_seconds(ours, steps, collector=False) / per_op * unit_scale
        t_floor = per_step_seconds(reference, steps) / per_op * unit_scale
        what = "per op" if per_op > 1 else "per step"
        lines += [f"## {case_info.title} — gradsight {variant}", "",
                  f"Unprofiled, best of 5 x {steps} steps: gradsight {t_ours:.1f} us {what}, NumPy floor "
                  f"{t_floor:.1f} us ({t_ours / t_floor:.2f}x; overhead {t_ours - t_floor:.1f} us {what}). "
                  f"With the cyclic garbage collector off: gradsight {t_no_gc:.1f} us ({t_no_gc / t_floor:.2f}x).", "",
                  "| function | own us per step | share | calls per step |", "|---|---|---|---|"]
        rows = profile(ours, max(1, steps // 2), top)
        total = rows[0][1]
        for name, own, calls in rows:
            lines.append(f"| `{name}` | {own:.1f} | {own / total:.0%} | {calls:g} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--top", type=int, default=14, help="functions listed per case")
    parser.add_argument("--out", type=Path, help="also write the Markdown here")
    args = parser.parse_args()
    text = report({"mlp": 40, "mlp_bn": 40, "deep": 60, "tiny": 400, "add": 5000, "chain_2000": 10}, args.top)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
