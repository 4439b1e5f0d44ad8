"""Peak memory of LeNet-5 training steps (cases.py's "lenet"), each peer in a fresh process.

    python benchmarks/conv_memory.py [--steps 20] [--peers floor,gradsight,torch,mygrad,tinygrad]

Prints a Markdown table: peak RSS growth over the steps (every peer) and, for the NumPy-based
peers, the tracemalloc peak (NumPy's allocations only). One thread, one CPU, as the main runner.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from contenders import CONTENDERS  # noqa: E402
from run import cpus_for, run_once  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--peers", default="floor,gradsight,torch,mygrad,tinygrad")
    args = parser.parse_args()
    print(f"| peer | peak RSS growth over {args.steps} LeNet steps | tracemalloc peak |\n|---|---|---|")
    for key in args.peers.split(","):
        contender = CONTENDERS[key]
        if contender.python() is None:
            print(f"| {contender.label} | not installed | |")
            continue
        cells = []
        for method in ("rss", "tracemalloc") if contender.tracemalloc else ("rss",):
            answer = run_once(contender, 1, cpus_for(1), {"cmd": "memory", "steps": args.steps, "method": method,
                                                          "case": "lenet"}, timeout=600)
            peak = answer.get("peak_bytes")
            cells.append(f"{peak / 2**20:.1f} MiB" if peak is not None else str(answer.get("error"))[:80])
        print(f"| {contender.label} | " + " | ".join(cells + [""] * (2 - len(cells))) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
