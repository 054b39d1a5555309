"""Every differentiable op in one table: its forward value and its local derivatives, side by side.

A rule is ``rule(m, *primals, *params) -> (out, local_grads)``: one local gradient per input, in input
order. ``m`` is the math it computes with: ``FLOAT_MATH`` (IEEE 754 floats, the policy below) on the
forward pass, or Value methods when ``engine.grad(..., create_graph=True)`` re-evaluates a rule to get
derivatives that can themselves be differentiated. The chain rule is not here: it lives once, in
``engine.value._backpropagate``.

Numbers at the edges follow IEEE 754 like PyTorch and JAX: ``log(0) = -inf``, ``log(-1) = nan``,
``1/0 = inf``, ``exp(1000) = inf``; no Python ``ZeroDivisionError``, ``ValueError`` or ``OverflowError``
escapes. Kinks take PyTorch's minimum-norm subgradient: relu'(0) = abs'(0) = step' = 0.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

_INF = math.inf
_NAN = math.nan


def _is_odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == int(y) and int(y) % 2 == 1


class FloatMath:
    """Elementary functions on floats that return IEEE 754 results instead of raising."""

    @staticmethod
    def div(a: float, b: float) -> float:
        try:
            return a / b
        except ZeroDivisionError:
            if a != a or a == 0:  # nan / 0 and 0 / 0
                return _NAN
            return math.copysign(_INF, a) * math.copysign(1.0, b)

    @staticmethod
    def pow(x: float, y: float) -> float:
        try:
            result = x**y
        except ZeroDivisionError:  # 0 ** negative is a pole: inf, -inf for -0.0 ** odd
            return -_INF if _is_odd_integer(y) and math.copysign(1.0, x) < 0 else _INF
        except OverflowError:
            return -_INF if _is_odd_integer(y) and x < 0 else _INF
        if type(result) is complex:  # negative base, fractional exponent
            return _NAN
        return result

    @staticmethod
    def exp(x: float) -> float:
        try:
            return math.exp(x)
        except OverflowError:
            return _INF

    @staticmethod
    def log(x: float) -> float:
        if x > 0:
            return math.log(x)
        return -_INF if x == 0 else _NAN

    @staticmethod
    def sqrt(x: float) -> float:
        return math.sqrt(x) if x >= 0 else _NAN

    @staticmethod
    def sin(x: float) -> float:
        return math.sin(x) if math.isfinite(x) else _NAN

    @staticmethod
    def cos(x: float) -> float:
        return math.cos(x) if math.isfinite(x) else _NAN

    tanh = staticmethod(math.tanh)  # math.tanh never raises: tanh(±inf) = ±1

    @staticmethod
    def sigmoid(x: float) -> float:
        # Two forms so that exp never overflows: sigmoid(±800) is exactly 1 / 0.
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = FloatMath.exp(x)
        return e / (1.0 + e)

    @staticmethod
    def softplus(x: float) -> float:
        # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): softplus(1000) = 1000, not inf.
        if x != x:
            return x
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))

    abs = staticmethod(abs)
    sum = staticmethod(sum)

    @staticmethod
    def dot(ws: tuple[float, ...], xs: tuple[float, ...], start: float) -> float:
        return sum(map(operator.mul, ws, xs), start)  # start + Σ wᵢxᵢ


FLOAT_MATH = FloatMath()


class Op:
    """A named rule. ``params`` are constants of this use of the op (an exponent, a slope, a number
    on one side of ``+``); ``label`` shows them, e.g. ``**2`` or ``*1.5``."""

    __slots__ = ("name", "rule", "params", "_template", "_bound")

    def __init__(self, name: str, rule: Callable[..., tuple], template: str = "", params: tuple = ()) -> None:
        self.name = name
        self.rule = rule
        self.params = params
        self._template = template or name
        self._bound: dict[float, Op] | None = None if params else {}  # only an unbound op is ever bound

    def bind(self, c: float) -> Op:
        """This op with its constant ``c`` filled in. Bound ops hold no nodes (so no cycles); the first
        thousand distinct nonzero constants are cached, as a training loop reuses the same few
        (zeros are not, so that 0.0 and -0.0 stay distinct)."""
        bound = self._bound.get(c)
        if bound is None:
            bound = Op(self.name, self.rule, self._template, (c,))
            if c != 0 and len(self._bound) < 1000:
                self._bound[c] = bound
        return bound

    @property
    def label(self) -> str:
        return self._template.format(*(f"{p:g}" for p in self.params))

    def __repr__(self) -> str:
        return f"Op({self.label!r})"


# --- binary and unary arithmetic ------------------------------------------------------------------

def _add(m, x, y):
    return x + y, (1.0, 1.0)


def _sub(m, x, y):
    return x - y, (1.0, -1.0)


def _mul(m, x, y):
    return x * y, (y, x)


def _div(m, x, y):
    # d(x/y) = 1/y dx - x/y² dy
    inverse = m.div(1.0, y)
    return m.div(x, y), (inverse, -x * inverse * inverse)


def _neg(m, x):
    return -x, (-1.0,)


def _pow(m, x, y):
    # d(x^y) = y x^(y-1) dx + x^y ln(x) dy, with PyTorch's zeros where 0 * inf would give nan: dx at
    # x = 0 with y = 0, dy at x = 0 with y >= 0. (Only at x = 0, so that d²/dx dy at y = 0 stays 1/x.)
    out = m.pow(x, y)
    dx = 0.0 if float(y) == 0 and float(x) == 0 else y * m.pow(x, y - 1.0)
    dy = 0.0 if float(x) == 0 and float(y) >= 0 else out * m.log(x)
    return out, (dx, dy)


def _pow_constant(m, x, c):
    # d(x^c) = c x^(c-1)
    return m.pow(x, c), (0.0 if c == 0 else c * m.pow(x, c - 1.0),)


# A plain number on one side is a constant of the op, not a child: no node, no edge to walk.

def _add_constant(m, x, c):
    return x + c, (1.0,)


def _sub_constant(m, x, c):
    return x - c, (1.0,)


def _rsub_constant(m, x, c):
    return c - x, (-1.0,)  # c - x


def _mul_constant(m, x, c):
    return x * c, (c,)


def _div_constant(m, x, c):
    return m.div(x, c), (m.div(1.0, c),)


def _rdiv_constant(m, x, c):
    # d(c / x) = -c / x²
    inverse = m.div(1.0, x)
    return m.div(c, x), (-c * inverse * inverse,)


def _rpow_constant(m, x, c):
    # d(c^x) = c^x ln c; 0 where c = 0, as PyTorch
    out = m.pow(c, x)
    return out, (0.0 if c == 0 else out * m.log(c),)


# --- elementary functions -------------------------------------------------------------------------

def _exp(m, x):
    e = m.exp(x)
    return e, (e,)  # d e^x = e^x


def _log(m, x):
    return m.log(x), (m.div(1.0, x),)  # d ln x = 1/x


def _sqrt(m, x):
    root = m.sqrt(x)
    return root, (m.div(0.5, root),)  # d √x = 1 / (2√x)


def _sin(m, x):
    return m.sin(x), (m.cos(x),)


def _cos(m, x):
    return m.cos(x), (-m.sin(x),)


def _tanh(m, x):
    t = m.tanh(x)
    return t, (1.0 - t * t,)  # d tanh = 1 - tanh²


def _sigmoid(m, x):
    s = m.sigmoid(x)
    return s, (s * (1.0 - s),)  # dσ = σ(1 - σ)


def _softplus(m, x):
    return m.softplus(x), (m.sigmoid(x),)  # d ln(1 + e^x) = σ(x)


# --- kinks: PyTorch's minimum-norm subgradient ----------------------------------------------------

def _relu(m, x):
    # max(x, 0) by a comparison alone, so it needs no m: nan keeps its value and passes its gradient on, as in
    # PyTorch, and -0.0 becomes 0.0. (The derivative tuples are constants: nothing to allocate. On Values,
    # under create_graph, only the derivative is used.)
    if x <= 0.0:
        return 0.0, (0.0,)
    return x, (1.0,)


def _leaky_relu(m, x, slope):
    return (x if x > 0 else slope * x), (1.0 if x > 0 else slope,)


def _abs(m, x):
    return m.abs(x), (1.0 if x > 0 else -1.0 if x < 0 else 0.0,)


def _step(m, x):
    # Heaviside step of the perceptron: flat on both sides, so the derivative is 0 everywhere.
    return (1.0 if x >= 0 else 0.0), (0.0,)


def _sign(m, x):
    return (1.0 if x >= 0 else -1.0), (0.0,)


# --- n-ary: the summation function of a neuron, one node with n children ---------------------------

def _sum(m, *xs):
    return m.sum(xs), (1.0,) * len(xs)


def _dot(m, *inputs):
    # Σ wᵢxᵢ (+ b): inputs are the n weights, the n inputs, then an optional bias.
    n = len(inputs) // 2
    if len(inputs) % 2:
        return dot_with_bias(m, inputs[:n], inputs[n : 2 * n], inputs[-1])
    return m.dot(inputs[:n], inputs[n:], 0.0), inputs[n:] + inputs[:n]


def dot_with_bias(m, ws, xs, b):
    """The dot rule with a bias, on the weights and inputs apart (what a neuron computes): b + Σ wᵢxᵢ,
    and d/dwᵢ = xᵢ, d/dxᵢ = wᵢ, d/db = 1. ``ws`` and ``xs`` are sequences of the same length."""
    return m.dot(ws, xs, b), (*xs, *ws, 1.0)


ADD = Op("+", _add)
SUB = Op("-", _sub)
MUL = Op("*", _mul)
DIV = Op("/", _div)
NEG = Op("neg", _neg)
POW = Op("**", _pow)
POW_CONSTANT = Op("**", _pow_constant, "**{}")
ADD_CONSTANT = Op("+", _add_constant, "+{}")
SUB_CONSTANT = Op("-", _sub_constant, "-{}")
RSUB_CONSTANT = Op("-", _rsub_constant, "{}-")
MUL_CONSTANT = Op("*", _mul_constant, "*{}")
DIV_CONSTANT = Op("/", _div_constant, "/{}")
RDIV_CONSTANT = Op("/", _rdiv_constant, "{}/")
RPOW_CONSTANT = Op("**", _rpow_constant, "{}**")
EXP = Op("exp", _exp)
LOG = Op("log", _log)
SQRT = Op("sqrt", _sqrt)
SIN = Op("sin", _sin)
COS = Op("cos", _cos)
TANH = Op("tanh", _tanh)
SIGMOID = Op("sigmoid", _sigmoid)
SOFTPLUS = Op("softplus", _softplus)
RELU = Op("relu", _relu)
LEAKY_RELU = Op("leaky_relu", _leaky_relu, "leaky_relu({})")
ABS = Op("abs", _abs)
STEP = Op("step", _step)
SIGN = Op("sign", _sign)
SUM = Op("Σ", _sum)
DOT = Op("dot", _dot)
