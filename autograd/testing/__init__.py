"""Tools to verify gradients: op specs, numerical oracles and Hypothesis strategies."""
from .spec import SPECS, Case, OpSpec, numerical_gradient, register_spec

__all__ = ["SPECS", "Case", "OpSpec", "numerical_gradient", "register_spec"]
