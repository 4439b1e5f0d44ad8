"""Execute the notebooks in a fresh Jupyter kernel: `python notebooks/run.py [--save] [NAME ...]`.

With --save the outputs (pictures included) are written back, so a reader on the web sees them;
`make notebooks` does that. tests/test_notebooks.py executes them the same way without saving.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
TIMEOUT = 300  # seconds per cell: the slowest (a quick lecture experiment) takes a few seconds


def notebooks() -> list[Path]:
    """Every notebook in this folder, in order."""
    return sorted(FOLDER.glob("*.ipynb"))


def execute(path: Path, save: bool = False, timeout: int = TIMEOUT):
    """Run every cell of `path` in a new python3 kernel (cwd: this folder); return the notebook."""
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    client = NotebookClient(book, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(FOLDER)}})
    client.execute()
    if save:
        for cell in book.cells:
            cell.get("metadata", {}).pop("execution", None)  # timestamps would change on every run
        nbformat.write(book, path)
    return book


def main(argv: list[str] | None = None) -> int:
    """Execute the named notebooks (all by default) and print how long each took."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", action="store_true", help="write the outputs back into the notebooks")
    parser.add_argument("names", nargs="*", help="notebook file names (default: all)")
    args = parser.parse_args(argv)
    chosen = [FOLDER / name for name in args.names] if args.names else notebooks()
    for path in chosen:
        start = time.perf_counter()
        execute(path, save=args.save)
        print(f"{path.name}: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
