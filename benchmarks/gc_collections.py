"""How often Python's cyclic collector runs during a benchmark case, and for how long, per step.

    python benchmarks/gc_collections.py chain_2000 core --steps 20
    python benchmarks/gc_collections.py chain_2000 core --steps 20 --pause-after 1000

Builds the case's gradsight workload in this process, runs 3 warm-up steps, then counts the
collections of each generation (0 young, 1 middle, 2 full) that start during N steps, with their
wall time, through `gc.callbacks`. `--pause-after` sets the engine's collector pause threshold
(`autograd.grad_mode.collector_pause.ops_before_pause`) to compare settings. docs/design.md
("The garbage collector and large graphs") explains the pause.
"""
from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before NumPy loads its BLAS

import argparse  # noqa: E402
import collections  # noqa: E402
import gc  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
WARM_UP_STEPS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help="a case of benchmarks/cases.py (chain_2000, deep, tiny, ...)")
    parser.add_argument("variant", choices=["nn", "core"])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--pause-after", type=int, default=None,
                        help="ops recorded before the engine pauses the collector (default: the engine's)")
    args = parser.parse_args()
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    from cases import build_workload
    from peers import gradsight_peer

    from autograd.grad_mode import collector_pause
    if args.pause_after is not None:
        collector_pause.ops_before_pause = args.pause_after
    workload = build_workload(gradsight_peer, args.case, args.variant)
    for _ in range(WARM_UP_STEPS):
        workload.step()
    runs: collections.Counter = collections.Counter()
    seconds: collections.Counter = collections.Counter()
    started: dict[int, float] = {}

    def watch(phase: str, info: dict) -> None:
        generation = info["generation"]
        if phase == "start":
            started[generation] = time.perf_counter()
        else:
            runs[generation] += 1
            seconds[generation] += time.perf_counter() - started[generation]

    gc.callbacks.append(watch)
    try:
        for _ in range(args.steps):
            workload.step()
    finally:
        gc.callbacks.remove(watch)
    print(f"{args.case} ({args.variant}), collector pause after {collector_pause.ops_before_pause} ops, "
          f"{args.steps} steps:")
    names = {0: "young", 1: "middle", 2: "full"}
    for generation in range(3):
        print(f"  {names[generation]:6s} collections per step {runs[generation] / args.steps:6.2f}, "
              f"{seconds[generation] / args.steps * 1e3:8.3f} ms per step")


if __name__ == "__main__":
    main()
