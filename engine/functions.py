"""The op set as functions, PyTorch's spelling: ``engine.tan(x)`` is ``x.tan()``. Plain numbers are accepted
where a Value is (they become constant leaves), and the result is always a Value."""

from __future__ import annotations

from engine import ops
from engine.value import Number, Value, _is_real, apply


def _value(x: object, function: str = "", argument: str = "x") -> Value:
    """``x`` as a Value (a plain number becomes a constant leaf), or TypeError naming the function and argument."""
    if isinstance(x, Value):
        return x
    if not _is_real(x):
        raise TypeError(
            f"engine.{function}(): {argument} must be a Value or a real number, got {type(x).__name__}: {x!r}"
        )
    return Value(x)


def exp(x: Value | Number) -> Value:
    """e ** x."""
    return _value(x, "exp").exp()


def log(x: Value | Number) -> Value:
    """Natural log; ``log(0) = -inf``."""
    return _value(x, "log").log()


def sqrt(x: Value | Number) -> Value:
    """√x; ``sqrt(-1) = nan``."""
    return _value(x, "sqrt").sqrt()


def sin(x: Value | Number) -> Value:
    """sin x."""
    return _value(x, "sin").sin()


def cos(x: Value | Number) -> Value:
    """cos x."""
    return _value(x, "cos").cos()


def tan(x: Value | Number) -> Value:
    """tan x; derivative 1 + tan² x."""
    return _value(x, "tan").tan()


def tanh(x: Value | Number) -> Value:
    """Hyperbolic tangent."""
    return _value(x, "tanh").tanh()


def sinh(x: Value | Number) -> Value:
    """Hyperbolic sine."""
    return _value(x, "sinh").sinh()


def cosh(x: Value | Number) -> Value:
    """Hyperbolic cosine."""
    return _value(x, "cosh").cosh()


def asin(x: Value | Number) -> Value:
    """arcsin x; nan for |x| > 1."""
    return _value(x, "asin").asin()


def acos(x: Value | Number) -> Value:
    """arccos x; nan for |x| > 1."""
    return _value(x, "acos").acos()


def atan(x: Value | Number) -> Value:
    """arctan x."""
    return _value(x, "atan").atan()


def asinh(x: Value | Number) -> Value:
    """Inverse hyperbolic sine."""
    return _value(x, "asinh").asinh()


def acosh(x: Value | Number) -> Value:
    """Inverse hyperbolic cosine; nan for x < 1."""
    return _value(x, "acosh").acosh()


def atanh(x: Value | Number) -> Value:
    """Inverse hyperbolic tangent; ±inf at ±1."""
    return _value(x, "atanh").atanh()


def log1p(x: Value | Number) -> Value:
    """ln(1 + x), exact near 0."""
    return _value(x, "log1p").log1p()


def expm1(x: Value | Number) -> Value:
    """e^x - 1, exact near 0."""
    return _value(x, "expm1").expm1()


def log2(x: Value | Number) -> Value:
    """Base-2 log."""
    return _value(x, "log2").log2()


def log10(x: Value | Number) -> Value:
    """Base-10 log."""
    return _value(x, "log10").log10()


def sigmoid(x: Value | Number) -> Value:
    """1 / (1 + e^-x), stable."""
    return _value(x, "sigmoid").sigmoid()


def relu(x: Value | Number) -> Value:
    """max(x, 0); derivative 0 at 0."""
    return _value(x, "relu").relu()


def abs(x: Value | Number) -> Value:  # noqa: A001 - PyTorch's name
    """|x|; derivative 0 at 0."""
    return _value(x, "abs").abs()


def floor(x: Value | Number) -> Value:
    """⌊x⌋ as a float; derivative 0."""
    return _value(x, "floor").floor()


def ceil(x: Value | Number) -> Value:
    """⌈x⌉ as a float; derivative 0."""
    return _value(x, "ceil").ceil()


def round(x: Value | Number) -> Value:  # noqa: A001 - PyTorch's name
    """x to the nearest integer, halves to even; derivative 0."""
    return _value(x, "round").round()


def atan2(y: Value | Number, x: Value | Number) -> Value:
    """The angle of the point (x, y), as ``math.atan2(y, x)``; both slopes 0 at the origin."""
    return apply(ops.ATAN2, _value(y, "atan2", "y"), _value(x, "atan2", "x"))


def remainder(x: Value | Number, y: Value | Number) -> Value:
    """Python's floored ``x % y`` (PyTorch's ``remainder``)."""
    return apply(ops.MOD, _value(x, "remainder", "x"), _value(y, "remainder", "y"))


def maximum(a: Value | Number, b: Value | Number) -> Value:
    """max(a, b); a tie splits the gradient in half; nan in either gives nan."""
    return apply(ops.MAXIMUM, _value(a, "maximum", "a"), _value(b, "maximum", "b"))


def minimum(a: Value | Number, b: Value | Number) -> Value:
    """min(a, b); a tie splits the gradient in half; nan in either gives nan."""
    return apply(ops.MINIMUM, _value(a, "minimum", "a"), _value(b, "minimum", "b"))


def clamp(x: Value | Number, lo: Number | None = None, hi: Number | None = None) -> Value:
    """min(max(x, lo), hi) with plain-number bounds (None: unbounded); slope 1 on [lo, hi], ends included."""
    return _value(x, "clamp").clamp(lo, hi)


def where(condition: Value | Number | bool, a: Value | Number, b: Value | Number) -> Value:
    """``a`` where ``condition`` holds, else ``b``, as one node (no Python branch on the data).

    ``condition``: a bool (``x > 0``, decided in Python now) or a Value / number, true when nonzero (nan
    included), e.g. ``x.step()``: a Value condition keeps the choice in the graph, so ``engine.compile`` replays
    it without a guard. Gradient: all of it to the chosen side, none to the other or to the condition."""
    return apply(ops.WHERE, _value(condition, "where", "condition"), _value(a, "where", "a"), _value(b, "where", "b"))
