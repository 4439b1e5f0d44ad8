"""Test specs of every built-in op; importing this package fills autograd.testing.SPECS."""
from . import core  # noqa: F401
