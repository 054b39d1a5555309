"""``gradcheck`` / ``gradgradcheck``: backward against central finite differences."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable, Sequence

from engine._mode import no_grad
from engine.value import Number, Value, grad


class GradcheckError(AssertionError):
    """Analytical and numerical gradients disagree; the message is a table, one row per input."""


def _table(rows: list[tuple[int, float, float, bool]], title: str) -> str:
    lines = [title, f"{'input':>5}  {'analytical':>22}  {'numerical':>22}  {'difference':>12}  ok"]
    for index, analytical, numerical, ok in rows:
        difference = abs(analytical - numerical)
        lines.append(
            f"{index:>5}  {analytical:>22.15g}  {numerical:>22.15g}  {difference:>12.3g}  {'yes' if ok else 'NO'}"
        )
    return "\n".join(lines)


def _points(inputs: Iterable[Value | Number]) -> list[float]:
    try:
        inputs = list(inputs)
    except TypeError:
        raise TypeError(f"inputs must be a sequence of numbers or Values, got {type(inputs).__name__}") from None
    if not inputs:
        raise ValueError("inputs is empty: give at least one point to check the gradient at")
    points = []
    for index, x in enumerate(inputs):
        if isinstance(x, Value):
            points.append(x.data)
        elif isinstance(x, numbers.Real):
            points.append(float(x))
        else:
            raise TypeError(f"inputs[{index}] must be a number or a Value, got {type(x).__name__}: {x!r}")
    return points


def _check_options(f: object, eps: float, atol: float, rtol: float) -> None:
    if not callable(f):
        raise TypeError(f"f must be a function of Values returning a Value, got {type(f).__name__}")
    for name, value, lowest in (("eps", eps, "> 0"), ("atol", atol, ">= 0"), ("rtol", rtol, ">= 0")):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {type(value).__name__}: {value!r}")
        if not math.isfinite(value) or value < 0 or (name == "eps" and value == 0):
            raise ValueError(f"{name} must be finite and {lowest}, got {value!r}")


def _call(f: Callable[..., Value], xs: list[Value]) -> Value:
    out = f(*xs)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck needs f to return a Value, got {type(out).__name__}")
    return out


def _compare(
    analytical: list[float], numerical: list[float], atol: float, rtol: float, title: str, raise_exception: bool
) -> bool:
    rows = []
    for index, (a, n) in enumerate(zip(analytical, numerical)):
        ok = math.isclose(a, n, rel_tol=rtol, abs_tol=atol) or (a == n)
        rows.append((index, a, n, ok))
    if all(ok for *_, ok in rows):
        return True
    if raise_exception:
        raise GradcheckError(_table(rows, title))
    return False


def _central_differences(value_at: Callable[[list[float]], float], points: list[float], eps: float) -> list[float]:
    """(value_at(x + eps·eᵢ) - value_at(x - eps·eᵢ)) / 2eps for each input i."""
    numerical = []
    for i in range(len(points)):
        plus, minus = list(points), list(points)
        plus[i] += eps
        minus[i] -= eps
        numerical.append((value_at(plus) - value_at(minus)) / (2 * eps))
    return numerical


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | Number],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Compare d f / d input from backward with central differences (f(x+eps) - f(x-eps)) / 2eps.

    ``f`` takes one Value per input and returns a Value. An input passes when
    |analytical - numerical| <= atol + rtol * |numerical|. On a mismatch, raises ``GradcheckError``
    whose message is a table (input, analytical, numerical, difference), or returns False when
    ``raise_exception=False``.
    """
    _check_options(f, eps, atol, rtol)
    points = _points(inputs)
    xs = [Value(p) for p in points]
    analytical = grad(_call(f, xs), xs)
    with no_grad():
        numerical = _central_differences(lambda p: _call(f, [Value(x) for x in p]).data, points, eps)
    title = "gradcheck: backward disagrees with finite differences"
    return _compare(analytical, numerical, atol, rtol, title, raise_exception)


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | Number],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: each row of the Hessian from ``grad(..., create_graph=True)`` against
    central differences of the first derivatives. Options as in ``gradcheck``."""
    _check_options(f, eps, atol, rtol)
    points = _points(inputs)
    for i in range(len(points)):

        def partial_i(*xs: Value, i: int = i) -> Value:
            return grad(_call(f, list(xs)), list(xs), create_graph=True)[i]

        xs = [Value(p) for p in points]
        analytical = grad(partial_i(*xs), xs)

        def first_derivative_i(p: list[float], i: int = i) -> float:
            vs = [Value(x) for x in p]
            return grad(_call(f, vs), vs)[i]

        numerical = _central_differences(first_derivative_i, points, eps)
        title = f"gradgradcheck: row {i} of the Hessian disagrees with finite differences of d f / d input {i}"
        if not _compare(analytical, numerical, atol, rtol, title, raise_exception):
            return False
    return True
