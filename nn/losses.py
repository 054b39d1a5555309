"""Loss functions built from engine ops, so they differentiate like any other graph; numerically stable.

Each loss takes one prediction and one target, or two equal-length sequences, and returns the MEAN over
the pairs as a Value (PyTorch's default ``reduction="mean"``). Targets may be numbers or Values.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Iterable, Sequence
from typing import Any, Literal, cast, overload

import engine
from engine import Value
from nn._checks import check_real, short

Scalar = Value | float


def _is_scalar(x: object) -> bool:
    return isinstance(x, (Value, numbers.Real))


def _pairs(
    predictions: Scalar | Sequence[Scalar],
    targets: Scalar | Sequence[Scalar],
    loss: str,
    names: tuple[str, str] = ("predictions", "targets"),
) -> list[tuple[Any, Any]]:
    """[(prediction, target), ...] from two scalars or two equal-length sequences; ``names`` are the arguments'."""
    prediction_name, target_name = names
    if _is_scalar(predictions):
        if not _is_scalar(targets):
            raise TypeError(
                f"{loss}: a single prediction needs a single target ({target_name}), got "
                f"{type(targets).__name__}: {short(targets)}"
            )
        return [(predictions, targets)]
    if _is_scalar(targets):
        raise TypeError(f"{loss}: a sequence of predictions needs a sequence of {target_name}, got one number")
    predictions = _as_list(predictions, prediction_name, loss)
    targets = _as_list(targets, target_name, loss)
    if len(predictions) != len(targets):
        said = [kind if name == kind else f"{kind} ({name})" for kind, name in zip(("predictions", "targets"), names)]
        raise ValueError(f"{loss}: got {len(predictions)} {said[0]} but {len(targets)} {said[1]}")
    if not predictions:
        raise ValueError(f"{loss}: {prediction_name} is empty; needs at least one prediction")
    return list(zip(predictions, targets))


def _as_list(items: Any, name: str, loss: str) -> list[Any]:
    """``items`` as a list of Values / real numbers; else TypeError naming ``name`` and the bad entry."""
    if isinstance(items, (str, bytes)):
        raise TypeError(f"{loss}: {name} must be a number, a Value or a sequence of them, got {short(items)}")
    try:
        items = list(items)
    except TypeError:
        raise TypeError(
            f"{loss}: {name} must be a number, a Value or a sequence of them, got {type(items).__name__}: "
            f"{short(items)}"
        ) from None
    for index, item in enumerate(items):
        if not _is_scalar(item):
            raise TypeError(
                f"{loss}: {name}[{index}] must be a real number or a Value, got {type(item).__name__}: {short(item)}"
            )
    return cast(list[Any], items)


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
    for p, y in _pairs(probabilities, targets, "binary_cross_entropy", ("probabilities", "targets")):
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
    for z, y in _pairs(logits, targets, "bce_with_logits", ("logits", "targets")):
        z = _as_value(z)
        terms.append(z.softplus() - z * y)
    return _mean(terms)


def _shift(logits: list[Value]) -> Value:
    """The largest logit as a Value (a fold of ``engine.maximum``), clamped to the finite floats: subtracting it
    keeps every e^z <= 1.

    It is a Value, not a number read from ``.data``, so that ``engine.compile`` traces it like any op (no Python
    decision on traced values). The gradient is unchanged: d/dm of log Σ e^(zᵢ - m) + m is 1 - Σ softmax = 0.
    The clamp keeps an infinite logit from making inf - inf: IEEE arithmetic then gives inf / nan as it would
    with no shift at all.
    """
    m = logits[0]
    for z in logits[1:]:
        m = engine.maximum(m, z)
    return m.clamp(-sys.float_info.max, sys.float_info.max)


def _log_sum_exp(logits: list[Value]) -> Value:
    # log Σ e^zᵢ = m + log Σ e^(zᵢ - m) with m = max zᵢ: no overflow, same gradient (softmax).
    m = _shift(logits)
    return engine.sum([(z - m).exp() for z in logits]).log() + m


def softmax(logits: Sequence[Scalar]) -> list[Value]:
    """e^zᵢ / Σⱼ e^zⱼ for one row of class scores, as Values (``torch.softmax``); stable for any finite logits:
    the largest logit is subtracted first, so softmax([1000, 0]) is [1, e^-1000 = 0] with no overflow."""
    row = [_as_value(z) for z in _as_list(logits, "logits", "softmax")]
    if not row:
        raise ValueError("softmax: logits is empty; needs at least one class score")
    m = _shift(row)
    exps = [(z - m).exp() for z in row]
    total = engine.sum(exps)
    return [e / total for e in exps]


def _check_class(target: object, classes: int) -> int:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise TypeError(
            f"cross_entropy target must be a class index (int), got {type(target).__name__}: {short(target)}"
        )
    if not 0 <= cast(int, target) < classes:
        raise ValueError(f"cross_entropy target {short(target)} is out of range for {classes} classes")
    return int(target)


def _rows(logits: object) -> list[Any]:
    if isinstance(logits, (str, bytes)) or not isinstance(logits, Iterable):
        raise TypeError(f"cross_entropy: logits must be a list of rows of class scores, got {short(logits)}")
    return list(logits)


_REDUCTIONS = ("mean", "sum", "none")


@overload
def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Sequence[Scalar]],
    target: int | Sequence[int],
    reduction: Literal["mean", "sum"] = "mean",
) -> Value: ...
@overload
def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Sequence[Scalar]], target: int | Sequence[int], reduction: Literal["none"]
) -> list[Value]: ...
@overload
def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Sequence[Scalar]], target: int | Sequence[int], reduction: str = "mean"
) -> Value | list[Value]: ...
def cross_entropy(
    logits: Sequence[Scalar] | Sequence[Sequence[Scalar]], target: int | Sequence[int], reduction: str = "mean"
) -> Value | list[Value]:
    """-log softmax(logits)[target] through log-sum-exp (``CrossEntropyLoss``).

    ``logits``: one list of class scores with an int ``target``, or a batch (list of lists) with a list of
    targets. ``reduction``: "mean" (default) or "sum" over the batch, or "none" for a list with one loss per row,
    as torch. Cross-entropy of [1000, 0] with target 1 is 1000, gradient [1, -1].
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {_REDUCTIONS}, got {short(reduction)}")
    if isinstance(target, (numbers.Number, Value, str, bytes)) or not isinstance(target, Iterable):
        batch, targets = [logits], [target]  # one row; a target that is not an int is rejected below
    else:
        batch, targets = _rows(logits), list(target)
        if len(batch) != len(targets):
            raise ValueError(f"cross_entropy: got {len(batch)} rows of logits but {len(targets)} targets")
        if not batch:
            raise ValueError("cross_entropy: needs at least one row of logits")
    terms = []
    for index, (row, label) in enumerate(zip(batch, targets)):
        name = "logits" if len(batch) == 1 else f"logits[{index}]"
        row = [_as_value(z) for z in _as_list(row, name, "cross_entropy")]
        if not row:
            raise ValueError("cross_entropy: a row of logits is empty")
        label = _check_class(label, len(row))
        terms.append(_log_sum_exp(row) - row[label])
    if reduction == "none":
        return terms
    if reduction == "sum":
        return terms[0] if len(terms) == 1 else engine.sum(terms)
    return _mean(terms)


def hinge(score: Scalar | Sequence[Scalar], y: Scalar | Sequence[Scalar], margin: float = 1.0) -> Value:
    """max(0, margin - y·score) for labels y in {-1, +1}: micrograd's SVM loss (``MultiMarginLoss`` in 2D).

    ``margin`` is a real number >= 0.
    """
    margin = check_real(margin, "hinge margin")
    return _mean([(margin - y_i * _as_value(s)).relu() for s, y_i in _pairs(score, y, "hinge", ("score", "y"))])


def l2(parameters: Iterable[Value]) -> Value:
    """Σ p²: the L2 penalty (multiply by its strength, e.g. ``1e-4 * l2(model.parameters())``).

    One ``dot`` node, Σ pᵢ·pᵢ, rather than a square node per parameter plus a Σ: the same value and the same
    gradient 2p (p comes back through both sides of the product), with a node per penalty instead of n + 1.
    """
    parameters = _as_list(parameters, "parameters", "l2")
    return engine.dot(parameters, parameters)
