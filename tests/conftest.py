"""Hypothesis profiles (chosen by HYPOTHESIS_PROFILE: ci, dev or thorough) and shared fixtures."""
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, max_examples=25, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "dev", max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(
    "thorough", max_examples=500, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def float64_default():
    """Run a test with float64 as the default dtype (gradient checks need it)."""
    import autograd

    previous = autograd.get_default_dtype()
    autograd.set_default_dtype(np.float64)
    yield
    autograd.set_default_dtype(previous)


def pytest_terminal_summary(terminalreporter):
    """Report the negative-control catch rate (tests/test_negative_controls.py), also under xdist."""
    rows = []
    for report in terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", []):
        if getattr(report, "when", None) == "call":
            rows += [value for name, value in report.user_properties if name == "negative_controls"]
    if not rows:
        return
    caught = sum(row[1] for row in rows)
    applicable = sum(row[2] for row in rows)
    rate = 100.0 * caught / applicable if applicable else 100.0
    terminalreporter.write_line(
        f"negative controls: caught {caught} of {applicable} corruptions ({rate:.1f}%) across {len(rows)} ops "
        "(scale by 1.01, drop un-broadcast, swap input gradients)")
    for op_name, _, _, outcome in sorted(rows):
        missed = [f"{c}: {v}" for c, v in outcome if v.startswith("missed")]
        if missed:
            terminalreporter.write_line(f"  {op_name}: " + "; ".join(missed))
