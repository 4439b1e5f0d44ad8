"""Classification metrics: plain numbers, not graph ops (they have no useful gradient)."""
from __future__ import annotations

import numpy as np

from ._common import class_axis, plain


def predicted_labels(logits_or_labels, target) -> np.ndarray:
    """Labels from scores (N, C, ...) by argmax over the class axis, or labels passed through."""
    scores, target = plain(logits_or_labels), plain(target)
    if scores.shape == target.shape:
        return scores
    axis = class_axis(scores.ndim)
    if scores.shape[:axis] + scores.shape[axis + 1:] != target.shape:
        raise ValueError(f"accuracy: predictions of shape {scores.shape} do not fit target of shape "
                         f"{target.shape}: pass labels of the target's shape or scores with a class axis")
    return scores.argmax(axis=axis)


def accuracy(logits_or_labels, target) -> float:
    """Fraction of items whose predicted label equals the target label.

    Scores (N, C) (or (N, C, d1, ...), or (C,)) are turned into labels by argmax over the class
    axis; an input of the target's shape is taken to hold predicted labels already.
    """
    target = plain(target)
    if target.size == 0:
        raise ValueError("accuracy: the target is empty")
    return float(np.mean(predicted_labels(logits_or_labels, target) == target))


def zero_one_loss(logits_or_labels, target) -> float:
    """Fraction of misclassified items, 1 - accuracy (scikit-learn's normalized 0-1 loss)."""
    return 1.0 - accuracy(logits_or_labels, target)
