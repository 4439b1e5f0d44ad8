"""Where gradsight's extra instructions go: callgrind counts of a case, gradsight against the NumPy floor,
per source file of the interpreter and per shared library.

    python benchmarks/instruction_breakdown.py deep core --steps 15
    python benchmarks/instruction_breakdown.py tiny nn --steps 1000 --top 20

Runs `benchmarks/run_steps.py` under valgrind's callgrind four times (gradsight and the floor, with N
steps and with 0), so that per step = (count with N - count with 0) / N for each function, the import
cost cancelling. Functions are grouped by where they live: a source file of CPython (ceval.c is the
bytecode loop, typeobject.c/object.c/dictobject.c attribute and name lookups, obmalloc.c allocation,
gcmodule.c the cyclic collector, ...) or a shared library (NumPy, OpenBLAS, libc). The table shows
what the step costs in each group and how much of gradsight's excess over the floor each one holds.
Instruction counts are deterministic (PYTHONHASHSEED=0) but are not time: an interpreter
instruction costs more time than one of BLAS's or NumPy's inner loops, so a time ratio is
higher than the instruction ratio.
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RUN_STEPS = Path(__file__).resolve().parent / "run_steps.py"
# a line of callgrind_annotate: "  1,234 ( 5.67%)  file.c:function [/path/to/object.so]"
LINE = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(\S+?):(\S+)(?:\s+\[(.*)\])?\s*$")


def _group(source: str, obj: str) -> str:
    """The group of a function: its CPython source file, or the library it is in (callgrind_annotate
    leaves out the library of some functions: CPython's are known by their source path)."""
    if "libpython" in obj or "/Python-3" in source or Path(obj).name.startswith("python3"):
        return f"CPython {Path(source).name}"
    if "openblas" in obj:
        return "OpenBLAS"
    if "numpy" in obj:
        return "NumPy"
    if "libc.so" in obj or "libm.so" in obj:
        return "libc / libm"
    return Path(obj).name or "other"


def _counts(case: str, variant: str, steps: int, floor: bool) -> collections.Counter:
    """Instructions per group of one run of `steps` steps (a fresh process under callgrind)."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, str(RUN_STEPS),
                   case, variant, str(steps)] + (["--floor"] if floor else [])
        done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYTHONHASHSEED="0"))
        if done.returncode != 0:
            sys.exit(f"instruction_breakdown: {' '.join(command)} failed:\n{done.stderr[-2000:]}")
        annotated = subprocess.run(["callgrind_annotate", "--threshold=100", str(out)],
                                   capture_output=True, text=True, check=True).stdout
    return grouped(annotated)


def grouped(annotated: str) -> collections.Counter:
    """Instructions per group (and the program's total, as "(total)") from callgrind_annotate's output."""
    counts: collections.Counter = collections.Counter()
    for line in annotated.splitlines():
        match = LINE.match(line)
        if match:
            count, source, _function, obj = match.groups()
            counts[_group(source, obj or "")] += int(count.replace(",", ""))
        elif "PROGRAM TOTALS" in line:
            counts["(total)"] = int(line.split()[0].replace(",", ""))
    return counts


def _per_step(case: str, variant: str, steps: int, floor: bool) -> dict[str, float]:
    with_steps, without = _counts(case, variant, steps, floor), _counts(case, variant, 0, floor)
    return {group: (with_steps[group] - without[group]) / steps for group in with_steps.keys() | without.keys()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help="a case of benchmarks/cases.py (tiny, deep, add, ...)")
    parser.add_argument("variant", choices=["nn", "core"], help="gradsight's variant (the floor has one)")
    parser.add_argument("--steps", type=int, default=10, help="steps per counted run (default 10)")
    parser.add_argument("--top", type=int, default=15, help="how many groups to list (default 15)")
    args = parser.parse_args()
    if not (shutil.which("valgrind") and shutil.which("callgrind_annotate")):
        sys.exit("instruction_breakdown: needs valgrind's callgrind (Debian/Ubuntu: sudo apt-get install valgrind)")
    ours = _per_step(args.case, args.variant, args.steps, floor=False)
    floor = _per_step(args.case, args.variant, args.steps, floor=True)
    total_ours, total_floor = ours.pop("(total)"), floor.pop("(total)")
    excess = total_ours - total_floor
    print(f"{args.case} ({args.variant}), instructions per step: gradsight {total_ours:,.0f}, NumPy floor "
          f"{total_floor:,.0f} ({total_ours / total_floor:.2f}x; excess {excess:,.0f})\n")
    print("| where | gradsight | floor | excess | share of the excess |")
    print("|---|---|---|---|---|")
    groups = sorted(ours.keys() | floor.keys(), key=lambda g: -(ours.get(g, 0) - floor.get(g, 0)))
    for group in groups[:args.top]:
        mine, theirs = ours.get(group, 0), floor.get(group, 0)
        print(f"| {group} | {mine:,.0f} | {theirs:,.0f} | {mine - theirs:,.0f} | {(mine - theirs) / excess:.0%} |")
    rest = sum(ours.get(g, 0) - floor.get(g, 0) for g in groups[args.top:])
    print(f"| (the rest) | | | {rest:,.0f} | {rest / excess:.0%} |")


if __name__ == "__main__":
    main()
