"""Build the compiled core, autograd/_core.c, next to it: `python -m autograd.build_core` (make setup runs it).

It needs a C compiler and Python's headers (NumPy's are not used). If either is missing, it says so
and exits with status 0 unless --strict is given: gradsight then runs its pure-Python engine, which
computes the same values, only slower per op. The module records a hash of the source it was built
from, and autograd/compiled.py loads it only while the source still has that hash, so an edited
`_core.c` is never run stale.
"""
from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from autograd.compiled import SOURCE, source_hash


def target() -> Path:
    return SOURCE.with_name("_core" + sysconfig.get_config_var("EXT_SUFFIX"))


def compile_command(output: Path) -> list[str]:
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    include = sysconfig.get_paths()["include"]
    return [*compiler, "-O2", "-shared", "-fPIC", "-Wall", f"-I{include}",
            f'-DGRADSIGHT_CORE_HASH="{source_hash()}"', str(SOURCE), "-o", str(output)]


def build() -> Path:
    """Compile to a temporary file beside the target, then move it in place (never a half-written module)."""
    output = target()
    with tempfile.TemporaryDirectory(dir=output.parent) as scratch:
        built = Path(scratch) / output.name
        subprocess.run(compile_command(built), check=True)
        os.replace(built, output)
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail (status 1) if the core cannot be built")
    args = parser.parse_args()
    try:
        output = build()
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"build_core: the compiled core was not built ({error}); gradsight will run its pure-Python "
              "engine (same results, slower per op). Install a C compiler and Python's headers "
              "(Debian: `apt-get install gcc python3-dev`), then rerun `make setup`.", file=sys.stderr)
        return 1 if args.strict else 0
    print(f"build_core: built {output.relative_to(Path.cwd()) if output.is_relative_to(Path.cwd()) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
