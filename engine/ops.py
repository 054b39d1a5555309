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
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_INF = math.inf
_NAN = math.nan


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
        rule: Callable[..., tuple],
        domains: tuple[Domain, ...] = (),
        constant: Domain | None = None,
        nary: bool = False,
        template: str = "",
        params: tuple = (),
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


def op(name: str, rule: Callable[..., tuple], *, domains: tuple[Domain, ...] = (), constant: Domain | None = None,
       nary: bool = False, label: str = "") -> Op:
    """Register ``rule`` as the op ``name`` and return it. ``label`` is how a node shows it (default ``name``;
    with a ``constant``, a template such as ``"**{}"``)."""
    if name in REGISTRY:
        raise ValueError(f"an op named {name!r} is already registered; choose another name")
    REGISTRY[name] = entry = Op(name, rule, domains, constant, nary, label)
    return entry


class Floats:
    """The number system of the forward pass: IEEE 754 floats. ``FLOATS.log(0.0)`` is ``-inf`` where
    ``math.log`` raises. Functions are attributes, added by ``@float_form`` next to the rule that needs them."""

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


def float_form(function: Callable[..., float]) -> Callable[..., float]:
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


def _add(num, x, y):
    return x + y, (1.0, 1.0)


ADD = op("+", _add, domains=(ANY, ANY))


def _sub(num, x, y):
    return x - y, (1.0, -1.0)


SUB = op("-", _sub, domains=(ANY, ANY))


def _mul(num, x, y):
    return x * y, (y, x)


MUL = op("*", _mul, domains=(ANY, ANY))


def _div(num, x, y):
    # d(x/y) = 1/y dx - x/y² dy, the latter as -(x/y)/y so that it does not underflow through y² (PyTorch's form)
    out = num.div(x, y)
    return out, (num.div(1.0, y), -num.div(out, y))


DIV = op("/", _div, domains=(ANY, NONZERO))


def _neg(num, x):
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
    return result


def _pow(num, x, y):
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


def _pow_constant(num, x, c):
    # d(x^c) = c x^(c-1). As a leaf, the exponent's derivative x^c ln(x) would be nan for x < 0 (x ** 2 at x = -3).
    return num.pow(x, c), (0.0 if c == 0 else c * num.pow(x, c - 1.0),)


POW_CONSTANT = op("pow_constant", _pow_constant, domains=(POSITIVE,), constant=EXPONENT, label="**{}")


def _rpow_constant(num, x, c):
    # d(c^x) = c^x ln c, 0 at c = 0 with x >= 0 as PyTorch. As a leaf, the base's derivative x c^(x-1) would be
    # inf for c = 0 and x < 1, and detect_anomaly would stop a correct program.
    out = num.pow(c, x)
    if c == 0:  # a branch on the constant, not on an input: the same in every number system
        return out, (num.where(x >= 0.0, 0.0, out * -_INF),)
    return out, (out * log(c),)


RPOW_CONSTANT = op("rpow_constant", _rpow_constant, domains=(EXPONENT,), constant=POSITIVE, label="{}**")


def _div_constant(num, x, c):
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


def _exp(num, x):
    e = num.exp(x)
    return e, (e,)  # d e^x = e^x


EXP = op("exp", _exp, domains=(Domain(-5.0, 5.0),))


@float_form
def log(x: float) -> float:
    """Natural log; log(0) = -inf, log(x < 0) = nan (``math.log`` raises)."""
    if x > 0:
        return math.log(x)
    return -_INF if x == 0 else _NAN


def _log(num, x):
    return num.log(x), (num.div(1.0, x),)  # d ln x = 1/x


LOG = op("log", _log, domains=(Domain(1e-3, 1e3),))


@float_form
def sqrt(x: float) -> float:
    """√x; nan for x < 0 (``math.sqrt`` raises)."""
    return math.sqrt(x) if x >= 0 else _NAN


def _sqrt(num, x):
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


def _sin(num, x):
    return num.sin(x), (num.cos(x),)  # d sin = cos


SIN = op("sin", _sin, domains=(ANY,))


def _cos(num, x):
    return num.cos(x), (-num.sin(x),)  # d cos = -sin


COS = op("cos", _cos, domains=(ANY,))


float_form(math.tanh)  # never raises: tanh(±inf) = ±1


def _tanh(num, x):
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


def _sigmoid(num, x):
    s = num.sigmoid(x)
    return s, (s * (1.0 - s),)  # dσ = σ(1 - σ)


SIGMOID = op("sigmoid", _sigmoid, domains=(ANY,))


@float_form
def softplus(x: float) -> float:
    """log(1 + e^x) as max(x, 0) + log1p(e^-|x|): softplus(1000) = 1000, not inf."""
    if x != x:
        return x
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus(num, x):
    return num.softplus(x), (num.sigmoid(x),)  # d ln(1 + e^x) = σ(x)


SOFTPLUS = op("softplus", _softplus, domains=(ANY,))


# --- kinks: PyTorch's minimum-norm subgradient ----------------------------------------------------


def _relu(num, x):
    # max(x, 0) by one comparison: nan is not <= 0, so it keeps its value and passes its gradient on (as PyTorch);
    # -0.0 becomes 0.0.
    dead = x <= 0.0
    return num.where(dead, 0.0, x), (num.where(dead, 0.0, 1.0),)


RELU = op("relu", _relu, domains=(KINKED,))


def _leaky_relu(num, x, slope):
    positive = x > 0.0
    return num.where(positive, x, slope * x), (num.where(positive, 1.0, slope),)


LEAKY_RELU = op("leaky_relu", _leaky_relu, domains=(KINKED,), constant=SLOPE, label="leaky_relu({})")


float_form(abs)


def _abs(num, x):
    return num.abs(x), (num.where(x > 0.0, 1.0, num.where(x < 0.0, -1.0, 0.0)),)  # sign(x), 0 at 0


ABS = op("abs", _abs, domains=(KINKED,))


def _step(num, x):
    # Heaviside step of the perceptron: flat on both sides, so the derivative is 0 everywhere.
    return num.where(x >= 0.0, 1.0, 0.0), (0.0,)


STEP = op("step", _step, domains=(KINKED,))


def _sign(num, x):
    return num.where(x >= 0.0, 1.0, -1.0), (0.0,)  # the seeds' "famous model": -1 or 1


SIGN = op("sign", _sign, domains=(KINKED,))


# --- n-ary: the summation function of a neuron, one node with n children ---------------------------


def _sum(num, *xs):
    return num.sum(xs), (1.0,) * len(xs)


SUM = op("Σ", _sum, domains=(ANY,), nary=True)


def _dot(num, *inputs):
    # b + Σ wᵢxᵢ: the inputs are n weights, n inputs, then an optional bias b. d/dwᵢ = xᵢ, d/dxᵢ = wᵢ, d/db = 1.
    n = len(inputs) // 2
    ws, xs, bias = inputs[:n], inputs[n : 2 * n], inputs[2 * n :]
    return num.dot(ws, xs, *bias), xs + ws + (1.0,) * len(bias)


DOT = op("dot", _dot, domains=(ANY,), nary=True)
