"""Tools to verify gradients: gradcheck, numerical oracles, op specs, Hypothesis strategies, check_op.

``gradcheck``, ``gradgradcheck``, ``check_subgradient`` and the specs need only NumPy. The
Hypothesis parts (``strategies``, ``check_op``, ``properties``) load on first use, so
``import autograd`` never needs Hypothesis installed.
"""
from __future__ import annotations

import importlib
from typing import Any

from .gradients import GradcheckError, GradcheckWarning, gradcheck, gradgradcheck, ops_in_graph
from .numerical import central_difference, complex_step, numerical_gradient, one_sided_differences
from .spec import SPECS, Case, OpSpec, register_spec
from .subgradient import check_subgradient

_LAZY = {"check_op": "check", "build_spec": "check", "strategies": None, "properties": None}

__all__ = [
    "SPECS", "Case", "OpSpec", "register_spec", "gradcheck", "gradgradcheck", "check_subgradient",
    "GradcheckError", "GradcheckWarning", "ops_in_graph", "central_difference", "complex_step",
    "one_sided_differences", "numerical_gradient", "check_op", "build_spec", "strategies", "properties",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'autograd.testing' has no attribute {name!r}")
    module = importlib.import_module(f".{_LAZY[name] or name}", __name__)
    return module if _LAZY[name] is None else getattr(module, name)
