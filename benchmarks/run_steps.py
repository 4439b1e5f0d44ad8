"""Run N steps of one gradsight benchmark case in a bare process, for instruction counts or CPU time.

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python benchmarks/run_steps.py add core 400
    python benchmarks/run_steps.py deep nn 30 --time            # CPU seconds per step, printed
    python benchmarks/run_steps.py chain_2000 core 2 --tree ../other-checkout   # another work tree's code
    python benchmarks/run_steps.py deep nn 15 --floor             # the NumPy floor's steps of the case instead

Instructions per step = (count with N steps - count with 0 steps) / N: the import cost cancels, and
the counts do not depend on the load of a shared machine (set PYTHONHASHSEED=0 so that they do not
depend on string hashing either). `--tree` runs another checkout's gradsight, cases and peers, so
two commits can be compared with one script (benchmarks/compare_trees.py does that).
"""
from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before NumPy loads its BLAS

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

WARM_UP_STEPS = 3


def main() -> None:
    """Build the case's gradsight workload and run it the given number of steps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help="a case of benchmarks/cases.py (add, tiny, deep, chain_2000, ...)")
    parser.add_argument("variant", choices=["nn", "core"])
    parser.add_argument("steps", type=int)
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="the checkout whose code runs (default: this one)")
    parser.add_argument("--floor", action="store_true",
                        help="run the hand-written NumPy floor's workload of the case instead of gradsight's")
    parser.add_argument("--time", action="store_true",
                        help=f"after {WARM_UP_STEPS} warm-up steps, print the CPU seconds per step")
    args = parser.parse_args()
    tree = args.tree.resolve()
    here = Path(__file__).resolve().parent
    sys.path[:] = [str(tree / "benchmarks"), str(tree)] + [p for p in sys.path if Path(p or ".").resolve() != here]
    import cases
    from peers import floor, gradsight_peer

    import autograd
    for module in (cases, gradsight_peer, autograd):  # never time one checkout's code as another's
        if tree not in Path(module.__file__).resolve().parents:
            sys.exit(f"run_steps: {module.__name__} was imported from {module.__file__}, not from {tree}")
    build_workload = cases.build_workload

    # the floor has one variant (its own NumPy code); "nn" is the name it answers to
    workload = build_workload(floor, args.case, "nn") if args.floor else \
        build_workload(gradsight_peer, args.case, args.variant)
    if not args.time:
        for _ in range(args.steps):
            workload.step()
        return
    for _ in range(WARM_UP_STEPS):
        workload.step()
    start = time.process_time()
    for _ in range(args.steps):
        workload.step()
    print((time.process_time() - start) / args.steps)


if __name__ == "__main__":
    main()
