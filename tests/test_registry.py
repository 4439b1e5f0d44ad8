"""Every registered op, enumerated from the registry: values, gradients, second order, dtypes.

Kinks and ties have their own file (test_kinks.py).

The checks are the ones users run on their own ops (autograd.testing.properties / check_op).
"""
import importlib

import pytest
from hypothesis import given, note
from hypothesis import strategies as st

import autograd as ag
import tests.specs  # noqa: F401  (fills SPECS)
from autograd.testing import SPECS, properties

OP_PACKAGES = ("nn.functional",)  # packages that register ops into autograd.REGISTRY


def _load_op_packages():
    """Import every package that registers ops, so the registry is complete."""
    for module in OP_PACKAGES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name not in (module, module.split(".")[0]):
                raise  # a missing dependency inside the package is a real failure


_load_op_packages()
ALL_SPECS = [spec for specs in SPECS.values() for spec in specs]
SECOND_ORDER_SPECS = [spec for spec in ALL_SPECS if spec.second_order]


def _draw_case(spec, data):
    case = spec.sample(data.draw)
    note(f"{spec.id}: arrays={list(case.arrays)!r} params={case.params!r}")
    return case


def test_every_registered_op_has_a_spec():
    missing = sorted(set(ag.REGISTRY) - set(SPECS))
    assert not missing, f"ops without a test spec: {missing}"


def test_every_spec_names_a_registered_op():
    unknown = sorted(set(SPECS) - set(ag.REGISTRY))
    assert not unknown, f"specs for unregistered ops: {unknown}"


def test_spec_ids_are_unique():
    ids = [spec.id for spec in ALL_SPECS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.id)
@given(data=st.data())
def test_forward_matches_reference(spec, data):
    properties.check_forward(spec, _draw_case(spec, data))


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.id)
@given(data=st.data())
def test_backward_matches_numerical(spec, data):
    properties.check_backward(spec, _draw_case(spec, data))


@pytest.mark.parametrize("spec", SECOND_ORDER_SPECS, ids=lambda s: s.id)
@given(data=st.data())
def test_second_order_matches_numerical(spec, data):
    properties.check_second_order(spec, _draw_case(spec, data))


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.id)
@given(data=st.data())
def test_float32_stays_float32(spec, data):
    properties.check_float32(spec, _draw_case(spec, data))
