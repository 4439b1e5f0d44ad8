"""Run N steps of one gradsight benchmark case in a bare process, for instruction counts.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python benchmarks/run_steps.py add core 400

Instructions per step = (count with N steps - count with 0 steps) / N: the import cost cancels, and
the counts do not depend on the load of a shared machine (set PYTHONHASHSEED=0 so that they do not
depend on string hashing either).
"""
from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before NumPy loads its BLAS

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from cases import build_workload  # noqa: E402
from peers import gradsight_peer  # noqa: E402


def main() -> None:
    """Build the case's gradsight workload and run it the given number of steps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help="a case of benchmarks/cases.py (add, tiny, deep, chain_2000, ...)")
    parser.add_argument("variant", choices=["nn", "core"])
    parser.add_argument("steps", type=int)
    args = parser.parse_args()
    workload = build_workload(gradsight_peer, args.case, args.variant)
    for _ in range(args.steps):
        workload.step()


if __name__ == "__main__":
    main()
