"""Negative controls: corrupt each registered op's backward in turn and require the property checks
to notice, for every op in the registry (catch rate 100%, reported in the test summary).

Corruptions:
- scale:            every gradient the op returns is multiplied by 1.01;
- drop_unbroadcast: the engine skips un-broadcasting the op's gradients (a gradient keeps the
                    broadcast shape of the result);
- swap:             the gradients of the op's first two inputs trade places.

A corruption applies to an op when it can change something: any op can be scaled; a swap needs
two differentiable inputs whose gradients are not always identical (add's are); dropping the
un-broadcast applies when the engine un-broadcasts the op's gradients, either on the spec's own
draws or on variants built here by shrinking an input axis to size 1, so a spec that never
draws broadcast shapes shows up as a miss instead of passing unnoticed. Each applicable
corruption is checked on a few drawn cases where it is active (a targeted subset keeps this
fast), with the same gradcheck the registry suite runs.
"""
import contextlib
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import autograd as ag
import autograd.engine as engine
import tests.specs  # noqa: F401  (fills SPECS)
from autograd.testing import SPECS, properties
from tests.test_registry import _load_op_packages

_load_op_packages()
CORRUPTIONS = ("scale", "drop_unbroadcast", "swap")
PROBE_EXAMPLES = 30  # cases drawn per spec to find where each corruption is active
TARGETED_EXAMPLES = 3  # active cases the checks must flag
SCALE = 1.01


class Instrument:
    """Wraps one op's backward and the engine's unbroadcast: records what happens, may corrupt it."""

    def __init__(self, op, corruption=None):
        self.op, self.corruption = op, corruption
        self.returned: list[tuple] = []
        self.unbroadcast_calls = 0
        self._marked: dict[int, object] = {}  # strong refs, so a marked id cannot be reused

    @contextlib.contextmanager
    def installed(self):
        op, original_backward, original_unbroadcast = self.op, self.op.backward, engine.unbroadcast
        own = "backward" in op.__dict__
        saved = op.__dict__.get("backward")

        def backward(ctx, grad):
            grads = original_backward(ctx, grad)
            grads = grads if isinstance(grads, tuple) else (grads,)
            self.returned.append(grads)
            grads = self._corrupt(grads)
            for g in grads:
                if g is not None:
                    self._marked[id(g)] = g
            return grads

        def unbroadcast(grad, shape):
            if id(grad) in self._marked:
                self.unbroadcast_calls += 1
                if self.corruption == "drop_unbroadcast":
                    return grad
            return original_unbroadcast(grad, shape)

        op.backward = staticmethod(backward)
        engine.unbroadcast = unbroadcast
        try:
            yield self
        finally:
            engine.unbroadcast = original_unbroadcast
            if own:
                op.backward = saved
            else:
                del op.backward

    def _corrupt(self, grads):
        if self.corruption == "scale":
            return tuple(None if g is None else g * SCALE for g in grads)
        if self.corruption == "swap":
            present = [i for i, g in enumerate(grads) if g is not None]
            if len(present) >= 2:
                first, second = present[:2]
                grads = list(grads)
                grads[first], grads[second] = grads[second], grads[first]
                return tuple(grads)
        return grads

    # what the recorded, uncorrupted run shows
    def scale_active(self) -> bool:
        return any(g is not None and np.any(_data(g) != 0) for grads in self.returned for g in grads)

    def swap_active(self) -> bool:
        return any(_differ(*[g for g in grads if g is not None][:2])
                   for grads in self.returned if sum(g is not None for g in grads) >= 2)

    def swap_seen(self) -> bool:
        return any(sum(g is not None for g in grads) >= 2 for grads in self.returned)


def _data(g):
    return g.data if isinstance(g, ag.Tensor) else np.asarray(g)


def _differ(a, b) -> bool:
    if a is b:
        return False
    a, b = _data(a), _data(b)
    return a.shape != b.shape or not np.array_equal(a, b)


def _draw_cases(spec, count):
    cases = []

    @settings(max_examples=count, derandomize=True, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def collect(data):
        cases.append(spec.sample(data.draw))

    collect()
    return cases


def _run_backward(spec, case):
    """One first-order backward of the spec on the case, with random output weights."""
    tensors = properties.case_inputs(spec, case)
    out = spec.fn(*tensors, **case.params)
    if out.requires_grad:
        out.backward(np.random.default_rng(0).standard_normal(out.shape).astype(out.dtype))


def _shrunk_variants(spec, case):
    """The case with one differentiable input's axis cut to size 1 (or its leading axis removed)."""
    for i, array in enumerate(case.arrays):
        array = np.asarray(array)
        if not (spec.is_differentiable(i) and array.dtype.kind == "f"):
            continue
        for axis, size in enumerate(array.shape):
            if size > 1:
                yield case.__class__(case.arrays[:i] + (array[(slice(None),) * axis + (slice(0, 1),)],)
                                     + case.arrays[i + 1:], case.params)
        if array.ndim:
            yield case.__class__(case.arrays[:i] + (array[0],) + case.arrays[i + 1:], case.params)


def _active(spec, op, case) -> Instrument | None:
    instrument = Instrument(op)
    with instrument.installed(), np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # shrunk variants may be degenerate (a variance of one element)
        try:
            _run_backward(spec, case)
        except Exception:
            return None  # a variant the op rejects
    return instrument


def _probe(op_name):
    """Per corruption: whether it applies to the op, and the spec-drawn cases where it is active."""
    op = ag.REGISTRY[op_name]
    active = {c: [] for c in CORRUPTIONS}
    applies = {"scale": True, "drop_unbroadcast": False, "swap": False}
    swap_seen = swap_differs = several_inputs = False
    for spec in SPECS[op_name]:
        for number, case in enumerate(_draw_cases(spec, PROBE_EXAMPLES)):
            several_inputs |= _carries_two_gradients(op, spec, case)
            instrument = _active(spec, op, case)
            if instrument is None:
                continue
            if instrument.scale_active():
                active["scale"].append((spec, case))
            if instrument.unbroadcast_calls:
                active["drop_unbroadcast"].append((spec, case))
                applies["drop_unbroadcast"] = True
            swap_seen |= instrument.swap_seen()
            if instrument.swap_active():
                active["swap"].append((spec, case))
                swap_differs = True
            if number < 5 and not applies["drop_unbroadcast"]:
                for variant in _shrunk_variants(spec, case):
                    probe = _active(spec, op, variant)
                    if probe is not None and probe.unbroadcast_calls:
                        applies["drop_unbroadcast"] = True
                        break
    # a swap needs two gradient-carrying inputs; if their gradients were always identical it changes nothing
    applies["swap"] = swap_differs or (several_inputs and not swap_seen)
    return applies, active


def _carries_two_gradients(op, spec, case) -> bool:
    allowed = op.differentiable_inputs
    carrying = [i for i, a in enumerate(case.arrays) if np.asarray(a).dtype.kind == "f"
                and spec.is_differentiable(i) and (allowed is None or i in allowed)]
    return len(carrying) >= 2


def _caught(op_name, corruption, cases) -> bool:
    instrument = Instrument(ag.REGISTRY[op_name], corruption)
    for spec, case in cases[:TARGETED_EXAMPLES]:
        with instrument.installed(), np.errstate(all="ignore"):
            try:
                properties.check_backward(spec, case)
            except Exception:
                return True
    return False


@pytest.mark.parametrize("op_name", sorted(SPECS), ids=str)
def test_every_corruption_of_the_op_is_caught(op_name, record_property):
    applies, active = _probe(op_name)
    outcome = {}
    for corruption in CORRUPTIONS:
        if not applies[corruption]:
            outcome[corruption] = "n/a"
        elif not active[corruption]:
            outcome[corruption] = "missed (no drawn case makes it active)"
        else:
            outcome[corruption] = "caught" if _caught(op_name, corruption, active[corruption]) else "missed"
    caught = sum(v == "caught" for v in outcome.values())
    applicable = sum(v != "n/a" for v in outcome.values())
    record_property("negative_controls", (op_name, caught, applicable, tuple(sorted(outcome.items()))))
    missed = {c: v for c, v in outcome.items() if v.startswith("missed")}
    assert not missed, f"{op_name}: corruptions the property checks did not catch: {missed}"


def test_instrument_restores_the_op_and_the_engine():
    op = ag.REGISTRY["max"]
    before, unbroadcast = op.__dict__.get("backward"), engine.unbroadcast
    with Instrument(op, "scale").installed():
        pass
    assert op.__dict__.get("backward") is before and engine.unbroadcast is unbroadcast
