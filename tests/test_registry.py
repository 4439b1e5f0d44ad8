"""Every registered op, enumerated from the registry: values, gradients, second order."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
import tests.specs  # noqa: F401  (fills SPECS)
from autograd.testing import SPECS, numerical_gradient

ALL_SPECS = [spec for specs in SPECS.values() for spec in specs]


def _load_nn_ops():
    """Import every package that registers ops, so the registry is complete."""
    import importlib

    for module in ("nn.functional",):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError:
            pass


def test_every_registered_op_has_a_spec():
    _load_nn_ops()
    missing = sorted(set(ag.REGISTRY) - set(SPECS))
    assert not missing, f"ops without a test spec: {missing}"


def test_every_spec_names_a_registered_op():
    _load_nn_ops()
    unknown = sorted(set(SPECS) - set(ag.REGISTRY))
    assert not unknown, f"specs for unregistered ops: {unknown}"


def _tensors(arrays, spec):
    return [ag.tensor(a, requires_grad=spec.differentiable is None or i in spec.differentiable)
            for i, a in enumerate(arrays)]


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.id)
@given(data=st.data())
def test_forward_matches_reference(spec, data):
    case = spec.sample(data.draw)
    if spec.reference is None:
        return
    out = spec.fn(*[ag.tensor(a) for a in case.arrays], **case.params)
    np.testing.assert_allclose(out.data, spec.reference(*case.arrays, **case.params), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.id)
@given(data=st.data())
def test_backward_matches_numerical(spec, data):
    case = spec.sample(data.draw)
    tensors = _tensors(case.arrays, spec)
    out = spec.fn(*tensors, **case.params)
    weights = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(weights)

    def forward(*arrays):
        return spec.fn(*[ag.tensor(a) for a in arrays], **case.params).data

    expected = numerical_gradient(forward, case.arrays, weights)
    for i, (t, e) in enumerate(zip(tensors, expected)):
        if t.requires_grad:
            np.testing.assert_allclose(t.grad.data, e, rtol=spec.rtol, atol=spec.atol,
                                       err_msg=f"{spec.id}: gradient of input {i}")
