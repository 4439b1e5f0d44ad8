"""Compare two checkouts of gradsight on the benchmark cases, side by side: before and after a change.

    git worktree add ../before HEAD~3           # the commit to compare against, checked out beside
    python benchmarks/compare_trees.py ../before .                        # CPU time, interleaved
    python benchmarks/compare_trees.py ../before . --instructions         # callgrind instruction counts

Timing runs each case of each tree in a fresh process (benchmarks/run_steps.py --time), the two
trees in turn and in alternating order, for several rounds, and prints the medians and their
ratio (after / before). On a shared or virtual machine whose speed drifts, repeat it: only large
ratios are reliable. `--instructions` counts instructions with valgrind's callgrind instead (steps
minus a run of 0 steps, PYTHONHASHSEED=0): deterministic to about 1.5%, so it ranks changes of a
few percent that timing cannot. Both trees run with this checkout's run_steps.py and their own
code, cases and peers; a case a tree lacks is reported as such.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

RUN_STEPS = Path(__file__).resolve().parent / "run_steps.py"
# case:variant, and how many steps make a run of a second or so (fewer under callgrind, ~50x slower)
CASES = {"add:core": (20000, 300), "chain_2000:core": (10, 1), "chain_scalar_2000:core": (10, 1),
         "tiny:nn": (3000, 100), "deep:nn": (100, 3), "deep:core": (100, 3), "mlp:nn": (30, 2)}


def timed(tree: Path, case: str, variant: str, steps: int) -> float | None:
    done = subprocess.run([sys.executable, str(RUN_STEPS), case, variant, str(steps), "--tree", str(tree), "--time"],
                          capture_output=True, text=True)
    return float(done.stdout.split()[-1]) if done.returncode == 0 else None


def instructions(tree: Path, case: str, variant: str, steps: int) -> float | None:
    def count(n: int) -> int | None:
        done = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                               str(RUN_STEPS), case, variant, str(n), "--tree", str(tree)],
                              capture_output=True, text=True, env=dict(os.environ, PYTHONHASHSEED="0"))
        found = re.search(r"Collected : (\d+)", done.stderr)
        return int(found.group(1)) if done.returncode == 0 and found else None

    with_steps, without = count(steps), count(0)
    return None if with_steps is None or without is None else (with_steps - without) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, from {', '.join(CASES)}")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of timing (default 5)")
    parser.add_argument("--instructions", action="store_true", help="count instructions with callgrind instead")
    args = parser.parse_args()
    trees = (args.before.resolve(), args.after.resolve())
    for name in args.cases.split(","):
        case, variant = name.split(":")
        time_steps, counted_steps = CASES.get(name, (10, 1))
        if args.instructions:
            results = [[instructions(tree, case, variant, counted_steps)] for tree in trees]
            unit = "instructions per step"
        else:
            results = [[], []]
            for round_index in range(args.rounds):
                order = (0, 1) if round_index % 2 == 0 else (1, 0)
                for i in order:
                    results[i].append(timed(trees[i], case, variant, time_steps))
            unit = "CPU us per step (median)"
        summaries = []
        for values in results:
            values = [v for v in values if v is not None]
            summaries.append(statistics.median(values) if values else None)
        before, after = summaries
        if before is None or after is None:
            print(f"{name:24s} not run in {'before' if before is None else 'after'} (no such case there, or it failed)")
            continue
        scale = 1 if args.instructions else 1e6
        print(f"{name:24s} before {before * scale:14,.1f}  after {after * scale:14,.1f}  "
              f"after/before {after / before:.3f}  ({unit})")


if __name__ == "__main__":
    main()
