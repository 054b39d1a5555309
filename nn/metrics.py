"""Metrics that are read, not differentiated: ``accuracy`` of class scores or of signed scores."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from engine import Value
from nn._checks import short

Scalar = Value | float


def _argmax(row: Sequence[Scalar]) -> int:
    """The index of the largest score (the first one on a tie, as torch.argmax)."""
    scores = [float(score) for score in row]
    return max(range(len(scores)), key=scores.__getitem__)


def accuracy(predictions: Sequence[Scalar] | Sequence[Sequence[Scalar]], targets: Sequence[int | float]) -> float:
    """The fraction of predictions that are right, in [0, 1].

    - multiclass: ``predictions`` are rows of class scores (logits or probabilities) and ``targets`` class
      indices; a row is right when its largest score is at the target (``argmax(row) == target``);
    - binary: ``predictions`` are single scores (logits, margins) and ``targets`` labels -1 / +1 or 0 / 1; a
      score is right when ``(score > 0) == (target > 0)`` (micrograd's rule). For probabilities pass ``p - 0.5``.
    """
    scores: list[Any] = list(predictions)  # single scores, or rows of class scores
    targets = list(targets)
    if len(scores) != len(targets):
        raise ValueError(f"accuracy: got {len(scores)} predictions but {len(targets)} targets")
    if not scores:
        raise ValueError("accuracy: needs at least one prediction")
    if isinstance(scores[0], (Value, numbers.Real)):
        right = sum((float(score) > 0) == (target > 0) for score, target in zip(scores, targets))
    else:
        for index, target in enumerate(targets):
            if isinstance(target, bool) or not isinstance(target, numbers.Integral):
                raise TypeError(f"accuracy: targets[{index}] must be a class index, got {short(target)}")
        right = sum(_argmax(row) == target for row, target in zip(scores, targets))
    return right / len(scores)
