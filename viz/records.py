"""What the renderers need from a Monitor, as a Protocol: plots and drawings read recorded steps
without importing the Monitor (which imports them for its conveniences)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from nn import Module

    from .health import Thresholds
    from .layers import LayerStats


@runtime_checkable
class RecordedStep(Protocol):
    """One recorded training step: its number, its loss and each layer's statistics."""

    step: int
    loss: float | None
    layers: list[LayerStats]


@runtime_checkable
class RecordedSteps(Protocol):
    """Per-layer records of training steps (a `viz.Monitor` is one)."""

    model: Module
    thresholds: Thresholds
    records: list

    def record(self, step: int | None = None) -> RecordedStep:
        """The record of step `step` (the latest when None)."""

    def history(self, metric: str) -> dict[str, tuple[list[int], list[float]]]:
        """Per layer, (steps, values) of a metric over the recorded steps."""
