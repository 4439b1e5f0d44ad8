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


def experiment_list(width: int | None = None) -> str:
    """Every experiment's number, script and title, and the lecture's claim, read without running any."""
    from .page import docstring_of, lecture_of
    from .terminal import fit_line
    from .tour import discover, examples_dir

    lines = []
    for number, path in discover(examples_dir()).items():
        lecture = lecture_of(path)
        lines.append(fit_line(f"{number:2d}  {path.stem}: {lecture.title if lecture else docstring_of(path)}", width))
        if lecture:
            lines.append(fit_line(f"    claim: {lecture.claim}", width, indent=" " * 11))
            lines.append(fit_line(f"    source: {lecture.source}", width, indent=" " * 12))
    return "\n".join(lines)


def _experiments_epilog() -> str:
    """The experiments by number and title, for `gradsight tour --help` (empty outside a checkout)."""
    from .page import docstring_of, lecture_of
    from .tour import TourError, discover, examples_dir

    try:
        found = discover(examples_dir())
    except TourError:
        return ""
    rows = []
    for number, path in found.items():
        lecture = lecture_of(path)
        title = lecture.title if lecture else docstring_of(path)
        rows.append(f"  {number:2d}  {title if len(title) <= 72 else title[:71] + '…'}")
    return "experiments (gradsight tour --list shows their claims):\n" + "\n".join(rows)


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
    from . import __version__

    parser = argparse.ArgumentParser(prog="gradsight", description="gradsight: autodiff you can see.",
                                     epilog="Run `gradsight tour --list` to see the experiments, "
                                            "`gradsight tour --quick` to run them in about a minute.")
    parser.add_argument("--version", action="version", version=f"gradsight {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    tour = commands.add_parser("tour", help="run the lectures' experiments and write their figures and one HTML page",
                               description="Run the lectures' experiments, check each claim against what it "
                                           "measures, and write every figure and one HTML page.",
                               epilog=_experiments_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    tour.add_argument("--list", action="store_true", help="list the experiments and their claims, run nothing")
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
    from .terminal import fit_line
    from .tour import TourError, examples_dir, run_tour, run_tour_seeds, seeds_table, summary_table

    if args.list:
        try:
            print(experiment_list())
        except TourError as error:
            print(error, file=sys.stderr)
            return 2
        return 0
    single_threaded_blas()
    start = time.perf_counter()
    try:
        show_training_progress(examples_dir())
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
    print("\n" + fit_line(f"{held} of {len(claims)} claims hold{seeds_note}; {failed} fail; {unreproduced} not "
                          f"reproduced; {len(runs)} experiment{'s' * (len(runs) != 1)} in "
                          f"{time.perf_counter() - start:.0f} s; page: {args.out / 'index.html'}"))
    crashed = [r.name for r in runs if r.error]
    if crashed:
        print(f"experiments that raised: {', '.join(crashed)}", file=sys.stderr)
        return 1
    return 1 if args.strict and failed else 0


def show_training_progress(folder: Path) -> None:
    """In a terminal, a progress bar per training loop on stderr (long experiments show they are
    alive); when stderr is a pipe or file, nothing: logs stay clean."""
    if not sys.stderr.isatty():
        return
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    import _common  # the experiments' shared helpers: one module object, so the switch reaches them

    _common.SHOW_PROGRESS = True


def main(argv: list[str] | None = None) -> int:
    """Run the command line `argv` (sys.argv[1:] when None) and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "tour":
        return tour_command(args)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
