"""The `gradsight` console command: `gradsight tour [--quick] [--out DIR] [--only N,...] [--seed K | --seeds A-B]`."""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _numbers(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--only expects experiment numbers like 1,7,12; got {text!r}") from None


def _seed_list(text: str) -> list[int]:
    """Seeds from "0-9" (a range, both ends included), "0,3,7", or a mix such as "0-2,5"."""
    seeds = []
    try:
        for part in (p.strip() for p in text.split(",") if p.strip()):
            low, _, high = part.partition("-")
            seeds.extend(range(int(low), int(high) + 1) if high else [int(low)])
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds expects seeds like 0-9 or 0,3,7; got {text!r}") from None
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f"--seeds expects distinct non-negative seeds like 0-9; got {text!r}")
    return seeds


def _seed(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"--seed expects a non-negative integer; got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `gradsight` command and its `tour` subcommand."""
    parser = argparse.ArgumentParser(prog="gradsight", description="gradsight: autodiff you can see.")
    commands = parser.add_subparsers(dest="command", required=True)
    tour = commands.add_parser("tour", help="run the lectures' experiments and write their figures and one HTML page")
    tour.add_argument("--quick", action="store_true", help="reduced sizes (seconds per experiment)")
    tour.add_argument("--out", type=Path, default=Path("out/tour"), help="output folder (default: out/tour)")
    tour.add_argument("--only", type=_numbers, default=None, help="comma-separated experiment numbers, e.g. 3,7")
    seeding = tour.add_mutually_exclusive_group()
    seeding.add_argument("--seed", type=_seed, default=0, help="seed every experiment's data, init and "
                         "training (default 0; the same seed repeats the same numbers)")
    seeding.add_argument("--seeds", type=_seed_list, default=None, help="run the tour once per seed, e.g. 0-9, "
                         "at quick sizes, and report per claim how many seeds hold and each value's spread")
    tour.add_argument("--strict", action="store_true", help="exit with status 1 when a claim does not hold")
    return parser


def single_threaded_blas() -> None:
    """Ask BLAS for one thread (before NumPy loads): the experiments multiply small matrices, where
    BLAS threads competing for two busy cores made a 64x100 product 10-100x slower when measured."""
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")


def tour_command(args: argparse.Namespace) -> int:
    """Run the tour; exit 0 when every experiment ran (failing claims are printed, not hidden)."""
    single_threaded_blas()
    from .tour import TourError, run_tour, run_tour_seeds, seeds_table, summary_table

    start = time.perf_counter()
    try:
        if args.seeds is not None:
            runs = run_tour_seeds(True, args.out, args.seeds, args.only)  # several seeds: quick sizes
        else:
            runs = run_tour(args.quick, args.out, args.only, seed=args.seed)
    except TourError as error:
        print(error, file=sys.stderr)
        return 2
    claims = [c for r in runs for c in r.claims]
    held = sum(c.holds for c in claims)
    if args.seeds is not None:
        print(f"\n=== summary over seeds {args.seeds[0]}..{args.seeds[-1]} ({len(args.seeds)} seeds, quick sizes): "
              "claim -> seeds holding -> verdict -> spread ===\n" + seeds_table(runs))
    else:
        print(f"\n=== summary (seed {args.seed}): claim -> measured -> verdict ===\n" + summary_table(runs))
    unreproduced = sum(c.verdict == "not reproduced" for c in claims)
    failed = len(claims) - held - unreproduced
    seeds_note = f" on every one of {len(args.seeds)} seeds" if args.seeds is not None else ""
    print(f"\n{held} of {len(claims)} claims hold{seeds_note}; {failed} fail; {unreproduced} not reproduced; "
          f"{len(runs)} experiment{'s' * (len(runs) != 1)} in {time.perf_counter() - start:.0f} s; "
          f"page: {args.out / 'index.html'}")
    crashed = [r.name for r in runs if r.error]
    if crashed:
        print(f"experiments that raised: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 1 if args.strict and failed else 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (sys.argv[1:] when None) and return the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "tour":
        return tour_command(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
