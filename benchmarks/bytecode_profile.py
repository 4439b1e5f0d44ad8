"""Where the interpreter's work goes: Python bytecodes executed per step of a benchmark case, per function.

    python benchmarks/bytecode_profile.py tiny nn
    python benchmarks/bytecode_profile.py add core --top 10

Runs one warm-up step, then traces one step with `sys.settrace` opcode events and prints the total
count and the functions that execute the most. A bytecode count is exact and machine-independent,
like callgrind's instruction count (benchmarks/run_steps.py), and it names the Python function
doing the work, which callgrind cannot; it does not weigh a bytecode by its cost (a NumPy call is
one bytecode). docs/benchmarks.md quotes it.
"""
from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help="a case of benchmarks/cases.py (add, tiny, deep, chain_2000, ...)")
    parser.add_argument("variant", choices=["nn", "core"])
    parser.add_argument("--top", type=int, default=15, help="how many functions to list (default 15)")
    args = parser.parse_args()
    sys.path[:0] = [str(HERE), str(HERE.parent)]
    from cases import build_workload
    from peers import gradsight_peer

    workload = build_workload(gradsight_peer, args.case, args.variant)
    workload.step()  # warm-up: first-call work (imports, caches) is not a step's
    counts: collections.Counter = collections.Counter()

    def tracer(frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            code = frame.f_code
            counts[f"{Path(code.co_filename).name}:{code.co_name}"] += 1
        return tracer

    sys.settrace(tracer)
    try:
        workload.step()
    finally:
        sys.settrace(None)
    print(f"{args.case} ({args.variant}): {sum(counts.values()):,} bytecodes per step")
    for name, count in counts.most_common(args.top):
        print(f"  {count:8,d}  {name}")


if __name__ == "__main__":
    main()
