"""The op registry: every differentiable op is one entry, its rule and its registration side by side.

A rule is ``rule(num, *inputs, *params) -> (out, local_grads)``: the op's value and its local derivative with
respect to each input, one per input, in input order. ``num`` is the number system the rule computes in:

- ``FLOATS`` (this module): IEEE 754 floats, on the forward pass;
- ``engine.value.VALUES``: Values, when ``engine.grad(..., create_graph=True)`` re-evaluates a rule so that the
  derivatives it returns can be differentiated again;
- generated code or arrays, when ``engine.compile`` replays a traced graph.

So a rule never branches with a Python ``if`` on its inputs: it says ``num.where(cond, a, b)``, and compares with
``< <= > >=`` or ``num.eq`` (``==`` on Values is identity). Branching on a *param* (a constant of this use of the op,
such as an exponent) is fine: it is a plain number everywhere. The chain rule is not here: it lives once, in
``engine.value._backpropagate``.

Numbers at the edges follow IEEE 754 like PyTorch and JAX: ``log(0) = -inf``, ``log(-1) = nan``, ``1/0 = inf``,
``exp(1000) = inf``; no Python ``ZeroDivisionError``, ``ValueError`` or ``OverflowError`` escapes. Kinks take
PyTorch's minimum-norm subgradient: relu'(0) = abs'(0) = step' = 0. Each elementary function's IEEE-safe float
form sits just above the rule that uses it, registered into ``FLOATS`` by ``@float_form``.

Adding a unary op: write its float form (if ``math`` can raise) and its rule here, register it with ``op(...)`` on
the next line, and add its one-line method to ``Value``. ``engine.testing`` samples it from the domain given here.
The rule's one-line docstring, ``"value | derivative(s) | edge values"``, is its row in the README's op table
(``python -m engine.optable``).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

_INF = math.inf
_NAN = math.nan

# A rule is written once for every number system (floats, Values, generated code, arrays), so its numbers are typed
# `Any`: a Protocol would list every elementary function of every system and still not describe code or arrays.
Num = Any  # the number system a rule computes in: FLOATS, engine.value.VALUES, or a compiler's
X = Any  # a number of that system: a float, a Value, an expression, an array
Result = tuple[X, tuple[X, ...]]  # (out, local_grads): the op's value and one local derivative per input
_Function = TypeVar("_Function", bound=Callable[..., Any])


# --- the registry ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Domain:
    """Floats in ``[lo, hi]`` with ``|x| >= gap``, where an op is smooth and tame enough to check its derivative
    by finite differences (``engine.testing`` samples from it; a gap keeps samples off a kink or pole at 0)."""

    lo: float
    hi: float
    gap: float = 0.0

    def __contains__(self, x: float) -> bool:
        return self.lo <= x <= self.hi and abs(x) >= self.gap


ANY = Domain(-10.0, 10.0)
NONZERO = Domain(-10.0, 10.0, gap=0.1)  # a divisor: the pole at 0 stays far from every sample
POSITIVE = Domain(0.1, 10.0)  # a base of a real power
# An exponent of exactly 0 is special-cased like PyTorch (d/dx x**0 = 0), so the mixed second derivative there is
# 0, not 1/x: a single-point kink of the rule, kept out of samples like the others.
EXPONENT = Domain(-3.0, 3.0, gap=1e-2)
KINKED = Domain(-10.0, 10.0, gap=1e-2)  # relu, abs, step, sign: kinks are pinned in named tests, not sampled
SLOPE = Domain(0.0, 1.0)


class Op:
    """A registered op: ``name`` (unique in ``REGISTRY``), its ``rule``, the ``domains`` of its operands (one
    shared by every operand of an n-ary op) and, when a use of the op carries a plain-number constant, the
    ``constant`` domain and the ``template`` that labels it (``**{}`` shows ``x ** 2`` as ``**2``).

    ``op.with_constant(c)`` is this op with its constant filled in (``params == (c,)``), as a node stores it."""

    __slots__ = ("name", "rule", "domains", "constant", "nary", "template", "params")

    def __init__(
        self,
        name: str,
        rule: Callable[..., Result],
        domains: tuple[Domain, ...] = (),
        constant: Domain | None = None,
        nary: bool = False,
        template: str = "",
        params: tuple[Any, ...] = (),
    ) -> None:
        self.name = name
        self.rule = rule
        self.domains = domains
        self.constant = constant
        self.nary = nary
        self.template = template or name
        self.params = params

    def with_constant(self, c: float) -> Op:
        """This op with its constant ``c`` filled in. The copy holds no nodes, so it makes no cycles."""
        return Op(self.name, self.rule, self.domains, self.constant, self.nary, self.template, (c,))

    def with_constants(self, *constants: float) -> Op:
        """This op with several constants filled in (``clamp``'s ``lo`` and ``hi``)."""
        return Op(self.name, self.rule, self.domains, self.constant, self.nary, self.template, constants)

    @property
    def label(self) -> str:
        """How the op is shown (``"+"``, ``"tanh"``, ``"**2"``): the shortest repr that round-trips its constant."""
        return self.template.format(*map(_shortest, self.params))

    def __repr__(self) -> str:
        return f"Op({self.label!r})"


def _shortest(c: float) -> str:
    text = repr(c)  # the shortest string that reads back as the same float
    return text[:-2] if text.endswith(".0") else text  # 2.0 shows as 2, as in x**2


REGISTRY: dict[str, Op] = {}
"""Every op by its name: the built-in ones below and those made with ``engine.primitive``."""


def op(
    name: str,
    rule: Callable[..., Result],
    *,
    domains: tuple[Domain, ...] = (),
    constant: Domain | None = None,
    nary: bool = False,
    label: str = "",
) -> Op:
    """Register ``rule`` as the op ``name`` and return it. ``label`` is how a node shows it (default ``name``;
    with a ``constant``, a template such as ``"**{}"``)."""
    if name in REGISTRY:
        raise ValueError(f"an op named {name!r} is already registered; choose another name")
    REGISTRY[name] = entry = Op(name, rule, domains, constant, nary, label)
    return entry


class Floats:
    """The number system of the forward pass: IEEE 754 floats. ``FLOATS.log(0.0)`` is ``-inf`` where
    ``math.log`` raises. Functions are attributes, added by ``@float_form`` next to the rule that needs them."""

    if TYPE_CHECKING:  # the functions that @float_form adds, as checkers see them

        def __getattr__(self, name: str) -> Callable[..., Any]: ...

    @staticmethod
    def where(condition: bool, if_true: Any, if_false: Any) -> Any:
        return if_true if condition else if_false

    eq = staticmethod(operator.eq)
    isfinite = staticmethod(math.isfinite)

    @staticmethod
    def sum(xs: tuple[float, ...]) -> float:
        # starts at the first term, not at 0, so that a sum of -0.0s is -0.0 as IEEE says
        return sum(xs[1:], xs[0]) if xs else 0.0

    @staticmethod
    def dot(ws: tuple[float, ...], xs: tuple[float, ...], start: float = 0.0) -> float:
        return sum(map(operator.mul, ws, xs), start)  # start + Σ wᵢxᵢ


FLOATS = Floats()


def float_form(function: _Function) -> _Function:
    """Register ``function`` as ``FLOATS.<its name>``: the float form of an elementary function."""
    setattr(FLOATS, function.__name__, function)
    return function


# --- arithmetic -----------------------------------------------------------------------------------


@float_form
def div(a: float, b: float) -> float:
    """a / b with IEEE results at b = 0: ±inf, or nan for 0/0 and nan/0."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return _NAN
        return math.copysign(_INF, a) * math.copysign(1.0, b)


def _add(num: Num, x: X, y: X) -> Result:
    """x + y | 1, 1 | inf + -inf = nan"""
    return x + y, (1.0, 1.0)


ADD = op("+", _add, domains=(ANY, ANY))


def _sub(num: Num, x: X, y: X) -> Result:
    """x - y | 1, -1 | inf - inf = nan"""
    return x - y, (1.0, -1.0)


SUB = op("-", _sub, domains=(ANY, ANY))


def _mul(num: Num, x: X, y: X) -> Result:
    """x y | y, x | 0 · inf = nan"""
    return x * y, (y, x)


MUL = op("*", _mul, domains=(ANY, ANY))


def _div(num: Num, x: X, y: X) -> Result:
    """x / y | 1/y, -(x/y)/y | 1/0 = inf, 0/0 = nan"""
    # d(x/y) = 1/y dx - x/y² dy, the latter as -(x/y)/y so that it does not underflow through y² (PyTorch's form)
    out = num.div(x, y)
    return out, (num.div(1.0, y), -num.div(out, y))


DIV = op("/", _div, domains=(ANY, NONZERO))


def _neg(num: Num, x: X) -> Result:
    """-x | -1 | -(0.0) = -0.0"""
    return -x, (-1.0,)


NEG = op("neg", _neg, domains=(ANY,))


def _is_odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == int(y) and int(y) % 2 == 1


@float_form
def pow(x: float, y: float) -> float:  # noqa: A001 - the name the rules call it by
    """x ** y with IEEE results: 0 ** negative is a pole (inf, or -inf for -0.0 ** odd), a negative base with a
    fractional exponent is nan (Python gives a complex), and overflow is ±inf."""
    try:
        result = x**y
    except ZeroDivisionError:
        return -_INF if _is_odd_integer(y) and math.copysign(1.0, x) < 0 else _INF
    except OverflowError:
        if x < 0 and not (math.isfinite(y) and y == int(y)):
            return _NAN  # negative base, fractional exponent: not real, however large
        return -_INF if _is_odd_integer(y) and x < 0 else _INF
    if type(result) is complex:
        return _NAN
    return cast(float, result)


def _pow(num: Num, x: X, y: X) -> Result:
    """xʸ | y xʸ⁻¹, xʸ ln x | (-4)^0.5 = nan; d/dx = 0 at y = 0 where xʸ⁻¹ is not finite; d/dy = 0 at x = 0, y >= 0"""
    # d(x^y) = y x^(y-1) dx + x^y ln(x) dy, with PyTorch's zeros where 0·inf would give nan: dx at y = 0 (x^0 is
    # flat) where x^(y-1) is not finite (x = 0, subnormal or nan), dy at x = 0 with y >= 0. Elsewhere at y = 0 the
    # formula stays, so that d²/dx dy there is 1/x.
    out = num.pow(x, y)
    power = num.pow(x, y - 1.0)
    dx = num.where(num.isfinite(power), y * power, num.where(num.eq(y, 0.0), 0.0, y * power))
    dy = num.where(num.eq(x, 0.0) & (y >= 0.0), 0.0, out * num.log(x))
    return out, (dx, dy)


POW = op("**", _pow, domains=(POSITIVE, EXPONENT))


# A plain number on one side of + - * is a constant leaf, a node like any other (as in micrograd). These three
# keep the number as a constant of the op instead, because a leaf's derivative would be wrong or alarm for nothing:


def _pow_constant(num: Num, x: X, c: float) -> Result:
    """xᶜ (c a number: x ** 2) | c xᶜ⁻¹ (0 for c = 0) | 0 ** -1 = inf"""
    # d(x^c) = c x^(c-1). As a leaf, the exponent's derivative x^c ln(x) would be nan for x < 0 (x ** 2 at x = -3).
    return num.pow(x, c), (0.0 if c == 0 else c * num.pow(x, c - 1.0),)


POW_CONSTANT = op("pow_constant", _pow_constant, domains=(POSITIVE,), constant=EXPONENT, label="**{}")


def _rpow_constant(num: Num, x: X, c: float) -> Result:
    """cˣ (c a number: 2 ** x) | cˣ ln c | 0 ** x: slope 0 for x >= 0"""
    # d(c^x) = c^x ln c, 0 at c = 0 with x >= 0 as PyTorch. As a leaf, the base's derivative x c^(x-1) would be
    # inf for c = 0 and x < 1, and detect_anomaly would stop a correct program.
    out = num.pow(c, x)
    if c == 0:  # a branch on the constant, not on an input: the same in every number system
        return out, (num.where(x >= 0.0, 0.0, out * -_INF),)
    return out, (out * log(c),)


RPOW_CONSTANT = op("rpow_constant", _rpow_constant, domains=(EXPONENT,), constant=POSITIVE, label="{}**")


def _div_constant(num: Num, x: X, c: float) -> Result:
    """x / c (c a number) | 1/c | x / 0 = ±inf"""
    # d(x/c) = 1/c. As a leaf, the divisor's derivative -x/c² overflows (x = 1, c = 1e-200) where x/c is finite.
    return num.div(x, c), (div(1.0, c),)


DIV_CONSTANT = op("div_constant", _div_constant, domains=(ANY,), constant=NONZERO, label="/{}")


# --- elementary functions -------------------------------------------------------------------------


@float_form
def exp(x: float) -> float:
    """e ** x; inf past overflow (``math.exp`` raises)."""
    try:
        return math.exp(x)
    except OverflowError:
        return _INF


def _exp(num: Num, x: X) -> Result:
    """eˣ | eˣ | exp(1000) = inf"""
    e = num.exp(x)
    return e, (e,)  # d e^x = e^x


EXP = op("exp", _exp, domains=(Domain(-5.0, 5.0),))


@float_form
def log(x: float) -> float:
    """Natural log; log(0) = -inf, log(x < 0) = nan (``math.log`` raises)."""
    if x > 0:
        return math.log(x)
    return -_INF if x == 0 else _NAN


def _log(num: Num, x: X) -> Result:
    """ln x | 1/x | log(0) = -inf; log(x < 0) = nan"""
    return num.log(x), (num.div(1.0, x),)  # d ln x = 1/x


LOG = op("log", _log, domains=(Domain(1e-3, 1e3),))


@float_form
def sqrt(x: float) -> float:
    """√x; nan for x < 0 (``math.sqrt`` raises)."""
    return math.sqrt(x) if x >= 0 else _NAN


def _sqrt(num: Num, x: X) -> Result:
    """√x | 1 / (2√x) | sqrt(0)' = inf; sqrt(x < 0) = nan"""
    root = num.sqrt(x)
    return root, (num.div(0.5, root),)  # d √x = 1 / (2√x)


SQRT = op("sqrt", _sqrt, domains=(Domain(1e-3, 1e3),))


@float_form
def sin(x: float) -> float:
    """sin x; nan at ±inf (``math.sin`` raises)."""
    return math.sin(x) if math.isfinite(x) else _NAN


@float_form
def cos(x: float) -> float:
    """cos x; nan at ±inf (``math.cos`` raises)."""
    return math.cos(x) if math.isfinite(x) else _NAN


def _sin(num: Num, x: X) -> Result:
    """sin x | cos x | sin(±inf) = nan"""
    return num.sin(x), (num.cos(x),)  # d sin = cos


SIN = op("sin", _sin, domains=(ANY,))


def _cos(num: Num, x: X) -> Result:
    """cos x | -sin x | cos(±inf) = nan"""
    return num.cos(x), (-num.sin(x),)  # d cos = -sin


COS = op("cos", _cos, domains=(ANY,))


float_form(math.tanh)  # never raises: tanh(±inf) = ±1


def _tanh(num: Num, x: X) -> Result:
    """tanh x | 1 - tanh² x | tanh(±1000) = ±1, slope 0"""
    t = num.tanh(x)
    return t, (1.0 - t * t,)  # d tanh = 1 - tanh²


TANH = op("tanh", _tanh, domains=(ANY,))


@float_form
def sigmoid(x: float) -> float:
    """1 / (1 + e^-x) in two forms so that exp never overflows: sigmoid(±800) is exactly 1 / 0."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = exp(x)
    return e / (1.0 + e)


def _sigmoid(num: Num, x: X) -> Result:
    """1 / (1 + e⁻ˣ) | σ(1 - σ) | sigmoid(±800) = 1 / 0, slope 0"""
    s = num.sigmoid(x)
    return s, (s * (1.0 - s),)  # dσ = σ(1 - σ)


SIGMOID = op("sigmoid", _sigmoid, domains=(ANY,))


@float_form
def softplus(x: float) -> float:
    """log(1 + e^x) as max(x, 0) + log1p(e^-|x|): softplus(1000) = 1000, not inf."""
    if x != x:
        return x
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus(num: Num, x: X) -> Result:
    """ln(1 + eˣ) | σ(x) | softplus(1000) = 1000, slope 1"""
    return num.softplus(x), (num.sigmoid(x),)  # d ln(1 + e^x) = σ(x)


SOFTPLUS = op("softplus", _softplus, domains=(ANY,))


# --- kinks: PyTorch's minimum-norm subgradient ----------------------------------------------------


def _relu(num: Num, x: X) -> Result:
    """max(x, 0) | 1 if x > 0 else 0 | relu'(0) = 0"""
    # max(x, 0) by one comparison: nan is not <= 0, so it keeps its value and passes its gradient on (as PyTorch);
    # -0.0 becomes 0.0.
    dead = x <= 0.0
    return num.where(dead, 0.0, x), (num.where(dead, 0.0, 1.0),)


RELU = op("relu", _relu, domains=(KINKED,))


def _leaky_relu(num: Num, x: X, slope: float) -> Result:
    """x if x > 0 else s x | 1 if x > 0 else s | leaky_relu'(0) = s"""
    positive = x > 0.0
    return num.where(positive, x, slope * x), (num.where(positive, 1.0, slope),)


LEAKY_RELU = op("leaky_relu", _leaky_relu, domains=(KINKED,), constant=SLOPE, label="leaky_relu({})")


float_form(abs)


def _abs(num: Num, x: X) -> Result:
    """abs(x) | sign x | abs'(0) = 0"""
    return num.abs(x), (num.where(x > 0.0, 1.0, num.where(x < 0.0, -1.0, 0.0)),)  # sign(x), 0 at 0


ABS = op("abs", _abs, domains=(KINKED,))


def _step(num: Num, x: X) -> Result:
    """1 if x >= 0 else 0 | 0 | step(0) = 1"""
    # Heaviside step of the perceptron: flat on both sides, so the derivative is 0 everywhere.
    return num.where(x >= 0.0, 1.0, 0.0), (0.0,)


STEP = op("step", _step, domains=(KINKED,))


def _sign(num: Num, x: X) -> Result:
    """1 if x >= 0 else -1 | 0 | sign(0) = 1"""
    return num.where(x >= 0.0, 1.0, -1.0), (0.0,)  # the seeds' "famous model": -1 or 1


SIGN = op("sign", _sign, domains=(KINKED,))


# --- n-ary: the summation function of a neuron, one node with n children ---------------------------


def _sum(num: Num, *xs: X) -> Result:
    """x₁ + … + xₙ (one node) | 1 each | as +"""
    return num.sum(xs), (1.0,) * len(xs)


SUM = op("Σ", _sum, domains=(ANY,), nary=True)


def _dot(num: Num, *inputs: X) -> Result:
    """b + Σ wᵢxᵢ (one node) | xᵢ, wᵢ, 1 | as * and +"""
    # The inputs are n weights, n inputs, then an optional bias b: the rule is dot_parts on those three.
    n = len(inputs) // 2
    return dot_parts(num, inputs[:n], inputs[n : 2 * n], *inputs[2 * n :])


def dot_parts(num: Num, ws: Sequence[X], xs: Sequence[X], *bias: X) -> Result:
    """DOT's rule on the weights, the inputs and the bias apart, as ``engine.dot``'s fast path has them (it then
    needs no flat argument list to cut up again): d/dwᵢ = xᵢ, d/dxᵢ = wᵢ, d/db = 1."""
    return num.dot(ws, xs, *bias), (*xs, *ws, *(1.0,) * len(bias))


DOT = op("dot", _dot, domains=(ANY,), nary=True)


# --- more elementary functions: trigonometric, hyperbolic and their inverses, logs in other bases ---------------


def _overflowing(function: Callable[[float], float], name: str, odd: bool = False) -> Callable[[float], float]:
    """``function`` with ``OverflowError`` turned into inf (-inf for an ``odd`` function at x < 0, as sinh), and
    ``ValueError`` (outside its domain) into nan."""

    def safe(x: float) -> float:
        try:
            return function(x)
        except OverflowError:
            return math.copysign(_INF, x) if odd else _INF
        except ValueError:
            return _NAN

    safe.__name__ = name
    safe.__doc__ = f"{name} x with IEEE results where ``math.{name}`` raises: ±inf past overflow, nan outside."
    return safe


@float_form
def tan(x: float) -> float:
    """tan x; nan at ±inf (``math.tan`` raises)."""
    return math.tan(x) if math.isfinite(x) else _NAN


def _tan(num: Num, x: X) -> Result:
    """tan x | 1 + tan² x | tan(±inf) = nan"""
    t = num.tan(x)
    return t, (1.0 + t * t,)


TAN = op("tan", _tan, domains=(Domain(-1.4, 1.4),))  # off the poles at ±π/2

float_form(_overflowing(math.sinh, "sinh", odd=True))
float_form(_overflowing(math.cosh, "cosh"))


def _sinh(num: Num, x: X) -> Result:
    """sinh x | cosh x | sinh(±1000) = ±inf"""
    return num.sinh(x), (num.cosh(x),)


SINH = op("sinh", _sinh, domains=(Domain(-5.0, 5.0),))


def _cosh(num: Num, x: X) -> Result:
    """cosh x | sinh x | cosh(±1000) = inf"""
    return num.cosh(x), (num.sinh(x),)


COSH = op("cosh", _cosh, domains=(Domain(-5.0, 5.0),))

float_form(_overflowing(math.asin, "asin"))
float_form(_overflowing(math.acos, "acos"))
float_form(math.atan)  # never raises: atan(±inf) = ±π/2


def _asin(num: Num, x: X) -> Result:
    """asin x | 1 / √(1 - x²) | asin'(±1) = inf; asin(x) = nan for abs(x) > 1"""
    return num.asin(x), (num.div(1.0, num.sqrt(1.0 - x * x)),)


ASIN = op("asin", _asin, domains=(Domain(-0.9, 0.9),))  # off the infinite slopes at ±1


def _acos(num: Num, x: X) -> Result:
    """acos x | -1 / √(1 - x²) | acos'(±1) = -inf; acos(x) = nan for abs(x) > 1"""
    return num.acos(x), (-num.div(1.0, num.sqrt(1.0 - x * x)),)


ACOS = op("acos", _acos, domains=(Domain(-0.9, 0.9),))


def _atan(num: Num, x: X) -> Result:
    """atan x | 1 / (1 + x²) | atan(±inf) = ±π/2, slope 0"""
    return num.atan(x), (num.div(1.0, 1.0 + x * x),)


ATAN = op("atan", _atan, domains=(ANY,))

float_form(math.asinh)  # never raises
float_form(_overflowing(math.acosh, "acosh"))


@float_form
def atanh(x: float) -> float:
    """atanh x; ±inf at ±1, nan for |x| > 1 (``math.atanh`` raises)."""
    if -1.0 < x < 1.0:
        return math.atanh(x)
    if x == 1.0 or x == -1.0:
        return math.copysign(_INF, x)
    return _NAN


def _asinh(num: Num, x: X) -> Result:
    """asinh x | 1 / √(x² + 1) | asinh'(±inf) = 0"""
    return num.asinh(x), (num.div(1.0, num.sqrt(x * x + 1.0)),)


ASINH = op("asinh", _asinh, domains=(ANY,))


def _acosh(num: Num, x: X) -> Result:
    """acosh x | 1 / √((x - 1)(x + 1)) | acosh'(1) = inf; acosh(x < 1) = nan"""
    # (x - 1)(x + 1), not x² - 1: x² - 1 loses the digits of x - 1 near 1 (at x = 1 + 2⁻³⁰, 9 of them). Below -1 the
    # slope is finite where the value is nan, as PyTorch's.
    return num.acosh(x), (num.div(1.0, num.sqrt((x - 1.0) * (x + 1.0))),)


ACOSH = op("acosh", _acosh, domains=(Domain(1.1, 10.0),))


def _atanh(num: Num, x: X) -> Result:
    """atanh x | 1 / ((1 - x)(1 + x)) | atanh(±1) = ±inf, slope inf; atanh(x) = nan for abs(x) > 1"""
    # (1 - x)(1 + x), not 1 - x²: near ±1, 1 - x² cancels the digits that (1 - x) keeps exactly
    return num.atanh(x), (num.div(1.0, (1.0 - x) * (1.0 + x)),)


ATANH = op("atanh", _atanh, domains=(Domain(-0.9, 0.9),))


@float_form
def log1p(x: float) -> float:
    """ln(1 + x), exact near 0; log1p(-1) = -inf, log1p(x < -1) = nan (``math.log1p`` raises)."""
    if x > -1.0:
        return math.log1p(x)
    return -_INF if x == -1.0 else _NAN


def _log1p(num: Num, x: X) -> Result:
    """ln(1 + x), exact near 0 | 1 / (1 + x) | log1p(-1) = -inf; log1p(x < -1) = nan"""
    return num.log1p(x), (num.div(1.0, x + 1.0),)


LOG1P = op("log1p", _log1p, domains=(Domain(-0.9, 10.0),))

float_form(_overflowing(math.expm1, "expm1"))  # overflows only upwards


def _expm1(num: Num, x: X) -> Result:
    """eˣ - 1, exact near 0 | eˣ (as expm1 x + 1) | expm1(1000) = inf; expm1(-inf) = -1"""
    out = num.expm1(x)
    return out, (out + 1.0,)


EXPM1 = op("expm1", _expm1, domains=(Domain(-5.0, 5.0),))

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


@float_form
def log2(x: float) -> float:
    """log₂ x; -inf at 0, nan below (``math.log2`` raises)."""
    if x > 0:
        return math.log2(x)
    return -_INF if x == 0 else _NAN


@float_form
def log10(x: float) -> float:
    """log₁₀ x; -inf at 0, nan below (``math.log10`` raises)."""
    if x > 0:
        return math.log10(x)
    return -_INF if x == 0 else _NAN


def _log2(num: Num, x: X) -> Result:
    """log₂ x | 1 / (x ln 2) | log2(0) = -inf; log2(x < 0) = nan"""
    return num.log2(x), (num.div(1.0, x * _LN2),)


LOG2 = op("log2", _log2, domains=(Domain(1e-3, 1e3),))


def _log10(num: Num, x: X) -> Result:
    """log₁₀ x | 1 / (x ln 10) | log10(0) = -inf; log10(x < 0) = nan"""
    return num.log10(x), (num.div(1.0, x * _LN10),)


LOG10 = op("log10", _log10, domains=(Domain(1e-3, 1e3),))

float_form(math.atan2)  # never raises: atan2(0, 0) = 0, atan2(±inf, ±inf) = ±π/4 or ±3π/4


def _atan2(num: Num, y: X, x: X) -> Result:
    """atan2(y, x), the angle of (x, y) | x / (x² + y²), -y / (x² + y²) | 0, 0 at the origin"""
    # at the origin both slopes are 0, as PyTorch (the formula's 0/0 would be nan)
    r2 = x * x + y * y
    at_origin = num.eq(r2, 0.0)
    return num.atan2(y, x), (num.where(at_origin, 0.0, num.div(x, r2)), num.where(at_origin, 0.0, -num.div(y, r2)))


ATAN2 = op("atan2", _atan2, domains=(NONZERO, NONZERO))  # off the origin


# --- piecewise: modulo, rounding, minimum and maximum, clamp, where ------------------------------------------


@float_form
def mod(x: float, y: float) -> float:
    """Python's floored x % y (the sign of y); nan for y = 0 (Python raises) and for x = ±inf."""
    try:
        return x % y
    except ZeroDivisionError:
        return _NAN


@float_form
def floor_divide(x: float, y: float) -> float:
    """Python's x // y, the quotient that goes with ``mod`` (x = y·(x // y) + x % y); x / y for y = 0."""
    try:
        return x // y
    except ZeroDivisionError:
        return div(x, y)


def _mod(num: Num, x: X, y: X) -> Result:
    """x % y, floored as in Python (the sign of y) | 1, -(x // y) | x % 0 = nan, slope in y -inf for x > 0"""
    # d/dy = -(x // y), not -floor(x / y): the rounded x / y can land on the next integer (1 % 0.1 is 0.0999...,
    # where 1 // 0.1 = 9 but floor(1 / 0.1) = 10). The quotient is flat, so it is a plain number in every system.
    return num.mod(x, y), (1.0, -num.floor_divide(x, y))


MOD = op("%", _mod, domains=(Domain(5.0, 5.5), Domain(2.0, 2.4)))  # 2 < x / y < 3: off the jumps at integers


def _integer_valued(function: Callable[[float], int], name: str) -> Callable[[float], float]:
    """``function`` (math.floor, math.ceil, round) as a float function: ±inf and nan pass through (math raises),
    and a zero result keeps the sign of x, as IEEE's floor(-0.5)... ceil(-0.5) = -0.0."""

    def rounded(x: float) -> float:
        return math.copysign(float(function(x)), x) if math.isfinite(x) else x

    rounded.__name__ = name
    rounded.__doc__ = f"{name} x as a float; inf and nan pass through; a zero result keeps the sign of x."
    return rounded


float_form(_integer_valued(math.floor, "floor"))
float_form(_integer_valued(math.ceil, "ceil"))
float_form(_integer_valued(round, "round"))  # half to even, as PyTorch: round(2.5) = 2


def _floor(num: Num, x: X) -> Result:
    """⌊x⌋ | 0 | floor(±inf) = ±inf"""
    return num.floor(x), (0.0,)


FLOOR = op("floor", _floor, domains=(Domain(0.1, 0.9),))  # between the jumps at integers


def _ceil(num: Num, x: X) -> Result:
    """⌈x⌉ | 0 | ceil(-0.5) = -0.0"""
    return num.ceil(x), (0.0,)


CEIL = op("ceil", _ceil, domains=(Domain(0.1, 0.9),))


def _round(num: Num, x: X) -> Result:
    """x to the nearest integer, halves to even | 0 | round(2.5) = 2, round(-0.5) = -0.0"""
    return num.round(x), (0.0,)


ROUND = op("round", _round, domains=(Domain(0.1, 0.4),))


def _maximum(num: Num, a: X, b: X) -> Result:
    """max(a, b) | 1, 0 if a > b; 0, 1 if a < b; ½, ½ at a tie | nan in either gives nan, slopes 1, 1"""
    # nan in either gives nan (a + b), with gradient 1 to both; a tie splits the gradient in half (PyTorch's rules)
    out = num.where(a >= b, a, num.where(a < b, b, a + b))
    tie = num.eq(a, b)
    return out, (
        num.where(a > b, 1.0, num.where(a < b, 0.0, num.where(tie, 0.5, 1.0))),
        num.where(a > b, 0.0, num.where(a < b, 1.0, num.where(tie, 0.5, 1.0))),
    )


MAXIMUM = op("maximum", _maximum, domains=(Domain(0.1, 10.0), Domain(-10.0, -0.1)))  # ties are pinned, not sampled


def _minimum(num: Num, a: X, b: X) -> Result:
    """min(a, b) | 1, 0 if a < b; 0, 1 if a > b; ½, ½ at a tie | nan in either gives nan, slopes 1, 1"""
    out = num.where(a <= b, a, num.where(a > b, b, a + b))
    tie = num.eq(a, b)
    return out, (
        num.where(a < b, 1.0, num.where(a > b, 0.0, num.where(tie, 0.5, 1.0))),
        num.where(a < b, 0.0, num.where(a > b, 1.0, num.where(tie, 0.5, 1.0))),
    )


MINIMUM = op("minimum", _minimum, domains=(Domain(-10.0, -0.1), Domain(0.1, 10.0)))


def _clamp(num: Num, x: X, lo: float, hi: float) -> Result:
    """min(max(x, lo), hi) | 1 on [lo, hi] (ends included), else 0 | clamp(nan) = nan, slope 0"""
    # min(max(x, lo), hi) as PyTorch: lo > hi gives hi everywhere, nan stays nan. The slope is 1 on [lo, hi] with
    # both ends included and 0 outside (and for nan), PyTorch's rule.
    raised = num.where(x < lo, lo, x)
    return num.where(raised > hi, hi, raised), (num.where((x >= lo) & (x <= hi), 1.0, 0.0),)


# Sampled as x.clamp(-c, c) with |x| < c (slope 1) or x.clamp(c, c + 1) below the range (slope 0): off the kinks
CLAMP = op("clamp", _clamp, domains=(Domain(-2.0, 2.0),), constant=Domain(3.0, 5.0), label="clamp({}, {})")


def _where(num: Num, condition: X, a: X, b: X) -> Result:
    """a if condition ≠ 0 else b | 0, 1, 0 or 0, 0, 1 | nan as a condition picks a"""
    # the condition is a number: nonzero (nan included) picks a. Its slope is 0: it only chooses.
    pick_b = num.eq(condition, 0.0)
    return num.where(pick_b, b, a), (0.0, num.where(pick_b, 0.0, 1.0), num.where(pick_b, 1.0, 0.0))


WHERE = op("where", _where, domains=(KINKED, ANY, ANY))
