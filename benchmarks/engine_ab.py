"""The compiled core against the Python engine, side by side in one process: what the core buys per case.

    python benchmarks/engine_ab.py                     # every per-op and network case, 15 rounds
    python benchmarks/engine_ab.py --cases add,tiny --rounds 30

Each round times a burst of steps of one case on each engine (`autograd.compiled.use_compiled`), in
alternating order, and divides the compiled core's time by the Python engine's of the same round, so
the drift of a shared machine's speed between rounds cancels. It prints, per case, the median time per
step on each engine and the median and quartiles of the paired ratios. Both engines run the same
workload objects (benchmarks/cases.py), so they do the same NumPy work; only the bookkeeping differs.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads its BLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

import cases  # noqa: E402
from peers import gradsight_peer  # noqa: E402

from autograd import compiled  # noqa: E402

# case:variant, and the steps in one timed burst (about 20-50 ms of work)
CASES = {"add:core": 4000, "chain_2000:core": 4, "chain_scalar_2000:core": 4, "tiny:nn": 300, "deep:nn": 15,
         "deep:core": 10, "mlp:nn": 5}


def _burst(workload, steps: int) -> float:
    start = time.perf_counter()
    for _ in range(steps):
        workload.step()
    return (time.perf_counter() - start) / steps


def measure(case: str, variant: str, steps: int, rounds: int) -> dict:
    workload = cases.build_workload(gradsight_peer, case, variant)
    times = {True: [], False: []}
    for engine in (True, False):  # warm both up
        compiled.use_compiled(engine)
        _burst(workload, steps)
    for index in range(rounds):
        for engine in ((True, False) if index % 2 else (False, True)):
            compiled.use_compiled(engine)
            times[engine].append(_burst(workload, steps))
    compiled.use_compiled(True)
    ratios = sorted(c / p for c, p in zip(times[True], times[False]))
    quartiles = statistics.quantiles(ratios, n=4)
    return {"compiled": statistics.median(times[True]), "python": statistics.median(times[False]),
            "ratio": statistics.median(ratios), "iqr": (quartiles[0], quartiles[2])}


def _format(seconds: float) -> str:
    return f"{seconds * 1e3:.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.3g} us"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, from {', '.join(CASES)}")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    if not compiled.active:
        sys.exit(f"engine_ab: the compiled core is not in use ({compiled.why_not})")
    print("| case | Python engine, per step | compiled core, per step | compiled / Python, paired (IQR) |")
    print("|---|---|---|---|")
    for key in args.cases.split(","):
        case, variant = key.split(":")
        result = measure(case, variant, CASES[key], args.rounds)
        low, high = result["iqr"]
        print(f"| {key} | {_format(result['python'])} | {_format(result['compiled'])} | "
              f"{result['ratio']:.3f} ({low:.3f}-{high:.3f}) |", flush=True)


if __name__ == "__main__":
    main()
