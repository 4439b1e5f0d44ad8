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


def test_resuming_after_backward_leaves_the_live_graph_out_of_the_young_generation():
    x = ag.tensor(np.ones(2), requires_grad=True)
    y = long_chain(x)
    y.sum().backward()
    assert gc.isenabled()
    # the graph is still alive (y holds it): a collection of the young generation must not traverse it
    young = {id(o) for o in gc.get_objects(generation=0)}
    assert id(y.grad_fn) not in young and id(y) not in young
    assert gc.get_count()[0] < 100  # the next allocation does not start a collection of the whole graph


def test_objects_the_program_froze_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        x = ag.tensor(np.ones(2), requires_grad=True)
        long_chain(x).sum().backward()
        assert gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


class _Cyclic:
    def __init__(self):
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_cyclic_garbage_made_during_a_pause_is_collected_at_a_later_recording(monkeypatch):
    import weakref

    monkeypatch.setattr(collector_pause, "full_collection_after", 1)
    x = ag.tensor(np.ones(2), requires_grad=True)
    y = long_chain(x)
    garbage = weakref.ref(_Cyclic())  # made and dropped while the collector is paused
    y.sum().backward()
    del y
    assert garbage() is not None  # moved to the oldest generation, not yet collected
    z = long_chain(x)  # the next pause starts with the full collection that was due
    assert garbage() is None
    z.sum().backward()
