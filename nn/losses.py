"""Loss functions built from engine ops, so they differentiate like any other graph; numerically stable.

Each loss takes one prediction and one target, or two equal-length sequences, and returns the MEAN over
the pairs as a Value (PyTorch's default ``reduction="mean"``). Targets may be numbers or Values.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

import engine
from engine import Value

Scalar = Value | float


def _pairs(predictions: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar], name: str) -> list[tuple]:
    """[(prediction, target), ...] from two scalars or two equal-length sequences."""
    if isinstance(predictions, (Value, numbers.Real)):
        if not isinstance(targets, (Value, numbers.Real)):
            raise TypeError(f"{name}: a single prediction needs a single target, got {type(targets).__name__}")
        return [(predictions, targets)]
    if isinstance(targets, (Value, numbers.Real)):
        raise TypeError(f"{name}: a sequence of predictions needs a sequence of targets, got one number")
    predictions, targets = list(predictions), list(targets)
    if len(predictions) != len(targets):
        raise ValueError(f"{name}: got {len(predictions)} predictions but {len(targets)} targets")
    if not predictions:
        raise ValueError(f"{name}: needs at least one prediction")
    return list(zip(predictions, targets))


def _mean(terms: list[Value]) -> Value:
    if len(terms) == 1:
        return terms[0] if isinstance(terms[0], Value) else Value(terms[0])
    return engine.sum(terms) / len(terms)


def mse(predictions: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Mean squared error: mean of (prediction - target)²; PyTorch's ``MSELoss``."""
    return _mean([(p - t) ** 2 for p, t in _pairs(predictions, targets, "mse")])


# log(p) is clamped to >= -100 like PyTorch's BCELoss: clamping p itself at e^-100 keeps the gradient
# finite (0 in the clamped region) instead of 0 * inf = nan.
_LOG_FLOOR = math.exp(-100.0)


def _as_value(x: Scalar) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _clamped_log(p: Value | float) -> Value:
    p = _as_value(p)
    return ((p - _LOG_FLOOR).relu() + _LOG_FLOOR).log()  # log(max(p, e^-100))


def binary_cross_entropy(probabilities: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """-(y log p + (1 - y) log(1 - p)) on probabilities p in [0, 1], logs clamped to >= -100 (``BCELoss``).

    NB: the gradient is the true derivative of this (clamped) loss, while PyTorch's backward uses the formula
    (p - y) / max(p(1 - p), 1e-12). Values agree everywhere; gradients agree wherever p(1 - p) >= 1e-12 (and
    inside the clamp ours is 0, theirs ±1e12). For probabilities that saturate, prefer ``bce_with_logits``.
    """
    terms = []
    for p, y in _pairs(probabilities, targets, "binary_cross_entropy"):
        term = y * _clamped_log(p) + (1 - y) * _clamped_log(1 - p)
        terms.append(-term)
    return _mean(terms)


def bce_with_logits(logits: Scalar | Sequence[Scalar], targets: Scalar | Sequence[Scalar]) -> Value:
    """Binary cross-entropy on logits z, stable for any z (``BCEWithLogitsLoss``).

    The stable form max(z, 0) - z·y + log(1 + e^-|z|) is softplus(z) - z·y, and the engine's softplus is
    computed exactly that way; its derivative σ(z) gives the gradient σ(z) - y with no kink at z = 0.
    BCE-with-logits of z = -800, y = 1 is 800 with gradient -1.
    """
    terms = []
    for z, y in _pairs(logits, targets, "bce_with_logits"):
        z = _as_value(z)
        terms.append(z.softplus() - z * y)
    return _mean(terms)


def _log_sum_exp(logits: list[Value]) -> Value:
    # log Σ e^zᵢ = m + log Σ e^(zᵢ - m) with m = max zᵢ as a constant: no overflow, same gradient (softmax).
    m = max(float(z) for z in logits)
    if not math.isfinite(m):
        m = 0.0  # an infinite logit: let IEEE arithmetic give inf / nan rather than inf - inf
    return engine.sum([(z - m).exp() for z in logits]).log() + m


def _check_class(target: object, classes: int) -> int:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(f"cross_entropy target must be a class index (int), got {type(target).__name__}: {target!r}")
    if not 0 <= target < classes:
        raise ValueError(f"cross_entropy target {target} is out of range for {classes} classes")
    return int(target)


def cross_entropy(logits: Sequence[Scalar] | Sequence[Sequence[Scalar]], target: int | Sequence[int]) -> Value:
    """-log softmax(logits)[target] through log-sum-exp (``CrossEntropyLoss``).

    ``logits``: one list of class scores with an int ``target``, or a batch (list of lists) with a list of
    targets (the mean is returned). Cross-entropy of [1000, 0] with target 1 is 1000, gradient [1, -1].
    """
    if isinstance(target, (numbers.Number, Value)):  # one row; a non-int target is rejected below
        batch, targets = [logits], [target]
    else:
        batch, targets = list(logits), list(target)
        if len(batch) != len(targets):
            raise ValueError(f"cross_entropy: got {len(batch)} rows of logits but {len(targets)} targets")
        if not batch:
            raise ValueError("cross_entropy: needs at least one row of logits")
    terms = []
    for row, label in zip(batch, targets):
        row = [_as_value(z) for z in row]
        if not row:
            raise ValueError("cross_entropy: a row of logits is empty")
        label = _check_class(label, len(row))
        terms.append(_log_sum_exp(row) - row[label])
    return _mean(terms)


def hinge(score: Scalar | Sequence[Scalar], y: Scalar | Sequence[Scalar], margin: float = 1.0) -> Value:
    """max(0, margin - y·score) for labels y in {-1, +1}: micrograd's SVM loss (``MultiMarginLoss`` in 2D)."""
    return _mean([(margin - y_i * _as_value(s)).relu() for s, y_i in _pairs(score, y, "hinge")])


def l2(parameters: Iterable[Value]) -> Value:
    """Σ p²: the L2 penalty (multiply by its strength, e.g. ``1e-4 * l2(model.parameters())``)."""
    return engine.sum([p * p for p in parameters])
