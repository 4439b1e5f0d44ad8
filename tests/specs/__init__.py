"""Test specs of every built-in op; importing this package fills autograd.testing.SPECS.

core.py covers autograd.ops; nn.py (when present) covers the ops nn.functional registers.
"""
import importlib.util

from . import core  # noqa: F401

if importlib.util.find_spec(f"{__name__}.nn") is not None:
    from . import nn  # noqa: F401
