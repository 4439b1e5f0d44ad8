"""The cyclic collector is paused while a large graph lives, and always resumed after."""
import gc

import numpy as np

import autograd as ag
from autograd.grad_mode import collector_pause


def long_chain(x):
    y = x
    for _ in range(collector_pause.ops_before_pause + 10):
        y = y * 1.0
    return y


def test_a_large_recording_pauses_the_collector_until_backward_ends():
    assert gc.isenabled()
    x = ag.tensor(np.ones(2), requires_grad=True)
    y = long_chain(x)
    assert not gc.isenabled()
    y.sum().backward()
    assert gc.isenabled()
    np.testing.assert_allclose(x.grad.data, [1.0, 1.0])


def test_dropping_the_graph_without_backward_resumes_the_collector():
    x = ag.tensor(np.ones(2), requires_grad=True)
    y = long_chain(x)
    assert not gc.isenabled()
    del y  # reference counting frees the whole graph, the pause's first node with it
    assert gc.isenabled()


def test_a_small_graph_leaves_the_collector_alone():
    x = ag.tensor(np.ones(2), requires_grad=True)
    y = (x * 2).sum()
    assert gc.isenabled()
    y.backward()
    assert gc.isenabled()


def test_a_collector_the_user_disabled_stays_disabled():
    gc.disable()
    try:
        x = ag.tensor(np.ones(2), requires_grad=True)
        long_chain(x).sum().backward()
        assert not gc.isenabled()
    finally:
        gc.enable()
