"""The `gradsight` console command: `gradsight tour [--quick] [--out DIR] [--only N,...]`."""
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `gradsight` command and its `tour` subcommand."""
    parser = argparse.ArgumentParser(prog="gradsight", description="gradsight: autodiff you can see.")
    commands = parser.add_subparsers(dest="command", required=True)
    tour = commands.add_parser("tour", help="run the lectures' experiments and write their figures and one HTML page")
    tour.add_argument("--quick", action="store_true", help="reduced sizes (seconds per experiment)")
    tour.add_argument("--out", type=Path, default=Path("out/tour"), help="output folder (default: out/tour)")
    tour.add_argument("--only", type=_numbers, default=None, help="comma-separated experiment numbers, e.g. 3,7")
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
    from .tour import TourError, run_tour, summary_table

    start = time.perf_counter()
    try:
        runs = run_tour(args.quick, args.out, args.only)
    except TourError as error:
        print(error, file=sys.stderr)
        return 2
    claims = [c for r in runs for c in r.claims]
    held = sum(c.holds for c in claims)
    print("\n=== summary: claim -> measured -> verdict ===\n" + summary_table(runs))
    print(f"\n{held} of {len(claims)} claims hold; {len(runs)} experiment{'s' * (len(runs) != 1)} in "
          f"{time.perf_counter() - start:.0f} s; page: {args.out / 'index.html'}")
    crashed = [r.name for r in runs if r.error]
    if crashed:
        print(f"experiments that raised: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 1 if args.strict and held < len(claims) else 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (sys.argv[1:] when None) and return the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "tour":
        return tour_command(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
