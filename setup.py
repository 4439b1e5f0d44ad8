"""The compiled core as an optional extension: `pip install .` builds autograd/_core.c when it can and
installs gradsight without it (the pure-Python engine, same results) when it cannot. The project's metadata
is in pyproject.toml; `make setup` builds the core in place with `python -m autograd.build_core`."""
import hashlib
from pathlib import Path

from setuptools import Extension, setup

SOURCE = Path(__file__).resolve().parent / "autograd" / "_core.c"
# the hash autograd/compiled.py checks, so that a build of another source is never loaded
SOURCE_HASH = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]

setup(ext_modules=[Extension("autograd._core", ["autograd/_core.c"], optional=True,
                             define_macros=[("GRADSIGHT_CORE_HASH", f'"{SOURCE_HASH}"')])])
