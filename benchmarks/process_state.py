"""How much the deep net's (or the tiny net's) ratio to the floor depends on what the process ran before.

    python benchmarks/process_state.py             # the deep net
    python benchmarks/process_state.py tiny        # the tiny net

The benchmark's workers are long-lived: by the time they time the deep net, they have run the
MLP cases, whose 784x512 arrays leave the C allocator's heap large. This script times the NumPy
floor and gradsight (nn) on the deep net (or the tiny net) in two fresh processes, interleaved,
CPU time, 15 rounds of 10 steps (200 for the tiny net): one that runs nothing else first
("fresh") and one that first runs 3 steps of the MLP and MLP + BN workloads of both ("after the
MLPs", as in the benchmark). docs/benchmarks.md quotes it.
"""
from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before NumPy loads its BLAS

import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent


STEPS = {"deep": 10, "tiny": 200}  # steps per timed batch


def measure(case: str, after_mlps: bool) -> tuple[float, float]:
    """(floor, gradsight) seconds per step of `case` in this process."""
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    from cases import build_workload, make_problem
    from peers import floor, gradsight_peer

    if after_mlps:
        for peer, variant in ((floor, "nn"), (gradsight_peer, "nn")):
            for mlp_case in ("mlp", "mlp_bn"):
                workload = build_workload(peer, mlp_case, variant)
                for _ in range(3):
                    workload.step()
    problem = make_problem(case)
    steps = {"floor": build_workload(floor, case, "nn", problem).step,
             "gradsight": build_workload(gradsight_peer, case, "nn", problem).step}
    seconds = {name: [] for name in steps}
    for _ in range(15):
        for name, step in steps.items():
            start = time.process_time()
            for _ in range(STEPS[case]):
                step()
            seconds[name].append((time.process_time() - start) / STEPS[case])
    return statistics.median(seconds["floor"]), statistics.median(seconds["gradsight"])


def main() -> None:
    if len(sys.argv) > 2:  # the child: one measurement, printed for the parent
        print(*measure(sys.argv[1], sys.argv[2] == "after"))
        return
    case = sys.argv[1] if len(sys.argv) > 1 else "deep"
    if case not in STEPS:
        sys.exit(f"process_state: the case is one of {sorted(STEPS)}, not {case!r}")
    for label, mode in (("fresh", "fresh"), ("after the MLPs", "after")) * 2:
        out = subprocess.run([sys.executable, __file__, case, mode], capture_output=True, text=True,
                             check=True).stdout
        floor_s, ours = map(float, out.split())
        print(f"{label:15s} floor {floor_s * 1e3:6.3f} ms  gradsight {ours * 1e3:6.3f} ms  "
              f"ratio {ours / floor_s:4.2f}x")


if __name__ == "__main__":
    main()
