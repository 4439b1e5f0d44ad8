"""Thread-local switches: whether ops record a graph, and whether anomaly detection is on; and the
garbage collector's pause while a large graph lives."""
from __future__ import annotations

import functools
import gc
import threading
import weakref


class _State(threading.local):
    grad_enabled = True
    anomaly = False


state = _State()  # per thread; read directly on the per-op hot path (the compiled core puts its GradState here)


def is_grad_enabled() -> bool:
    """True when ops record the graph needed for backward (the default)."""
    return state.grad_enabled


def set_grad_enabled(mode: bool) -> None:
    state.grad_enabled = bool(mode)


def is_anomaly_enabled() -> bool:
    return state.anomaly


class _GradMode:
    """Context manager and decorator that sets grad mode and restores the previous one."""

    enabled = True

    def __enter__(self):
        self._previous = is_grad_enabled()
        set_grad_enabled(self.enabled)
        return self

    def __exit__(self, *exc_info):
        set_grad_enabled(self._previous)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Disable graph recording: `with autograd.no_grad():` or `@autograd.no_grad()`."""

    enabled = False


class enable_grad(_GradMode):
    """Re-enable graph recording inside a `no_grad` block."""

    enabled = True


class detect_anomaly:
    """Raise at the first op whose forward or backward produces NaN or Inf, naming the op
    and the line of user code that created it."""

    def __enter__(self):
        self._previous = is_anomaly_enabled()
        state.anomaly = True
        return self

    def __exit__(self, *exc_info):
        state.anomaly = self._previous
        return False


class _CollectorPause:
    """Pauses Python's cyclic garbage collector while a large graph is recorded and backpropagated.

    A recorded graph has no reference cycles (a node never holds its output), so the collector
    can free nothing in it, yet every collection traverses the live graph again: the cost per op
    grew with the graph (a 100,000-op chain cost twice the per op of a 2,000-op one). So once a
    recording reaches `ops_before_pause` ops since the last backward, the collector is paused, and
    it is resumed when backward finishes or when the node that started the pause is freed (the
    graph was dropped without a backward), whichever comes first. Graphs under 100 ops (the MLP,
    the deep and tiny nets built with `nn`, whose layers are one op) never pause it.

    Resuming after backward, while the graph is still alive, would cost what the pause saved: to
    the collector, every object made during the pause is young, so the next allocation would start
    a collection that traverses the whole graph (~3 ms for a 2,000-op chain). So the resume first
    moves every tracked object to the oldest generation, which also zeroes the allocation counts
    (`gc.freeze()` then `gc.unfreeze()`: two list splices; skipped if the program froze objects
    itself, which `unfreeze` would undo). Zeroed counts also postpone the collector's own full
    collections, so cyclic garbage that reached the oldest generation is collected by one run
    here: when the next pause starts after `full_collection_after` objects were moved (a small
    graph pays nothing for the check), by when the previous graph has usually been freed.
    """

    # slots: the compiled core reads and writes them in place (and a misspelt setting is an error)
    __slots__ = ("ops_before_pause", "full_collection_after", "next_check", "active", "resume_gc", "guard",
                 "backward_depth", "moved")
    rearm = -1  # `next_check` value meaning: count the next recorded op as the first of a new recording

    def __init__(self):
        self.ops_before_pause = 100
        self.full_collection_after = 1_000_000  # objects moved to the oldest generation (~70 steps of a 2,000-op chain)
        self.next_check = self.rearm  # Function.apply calls `recorded` when a node's sequence reaches this
        self.active = False
        self.resume_gc = False
        self.guard = None  # weak reference to the node whose freeing ends the pause
        self.backward_depth = 0  # run_backward nests under create_graph (a composite's backward runs one)
        self.moved = 0  # objects moved to the oldest generation since the last full collection

    def recorded(self, node) -> None:
        """Called by Function.apply for the first recorded node and once `ops_before_pause` more were."""
        if self.next_check == self.rearm:
            self.next_check = node.sequence + self.ops_before_pause
        else:
            self.start(node)

    def start(self, node=None) -> None:
        if self.active:
            return
        if self.moved >= self.full_collection_after and gc.isenabled():
            self.moved = 0
            gc.collect()  # the full collection that moving objects to the oldest generation postponed
        self.active = True
        self.next_check = float("inf")
        self.resume_gc = gc.isenabled()
        gc.disable()
        self.guard = weakref.ref(node, self._node_freed) if node is not None else None

    def backward_ended(self) -> None:
        """The outermost backward ends the pause (a composite's inner one, under create_graph, does not)."""
        self.backward_depth -= 1
        if not self.backward_depth:
            self.end(graph_alive=True)

    def end(self, graph_alive: bool = False) -> None:
        """Resume the collector if this pause stopped it, and count the next recording from zero.
        `graph_alive`: the graph outlives the pause (backward ended), so its objects are first moved
        out of the young generation."""
        if not self.active:
            self.next_check = self.rearm
            return
        self.active = False
        self.guard = None
        self.next_check = self.rearm
        if self.resume_gc:
            if graph_alive and not gc.get_freeze_count():
                self.moved += gc.get_count()[0]
                gc.freeze()
                gc.unfreeze()  # every tracked object is now in the oldest generation, the counts zero
            gc.enable()

    def _node_freed(self, reference) -> None:
        # the graph is being freed (its objects leave the young generation as they go): a plain resume
        if reference is self.guard:
            self.end()


collector_pause = _CollectorPause()  # process-wide, as the collector is
