"""``Value``: a scalar that records the ops applied to it, and the reverse-mode walk that differentiates them."""

from __future__ import annotations

import builtins
import collections
import math
import numbers
import operator
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from types import NotImplementedType
from typing import TYPE_CHECKING, Any, Literal, TypeGuard, TypeVar, cast, overload

from engine import anomaly, ops
from engine._mode import CHECK, enable_grad, state
from engine.ops import FLOATS, Op

Number = float | int
_T = TypeVar("_T")
_data_of = operator.attrgetter("_data")  # a Value's data without the hook of the ``data`` property
_float_sum = builtins.sum  # this module defines its own sum (one Σ node)


class Value:
    """A scalar node of a computational graph.

    ``Value(data, label="")``: ``data`` is any real number, stored as a Python float (whatever is assigned to it
    later too). Ops on Values (and plain numbers on either side) return new Values that remember their inputs
    (``children``, in order) and the local derivative with respect to each one (``local_grads``); ``backward()``
    applies the chain rule. ``==`` and ``hash`` are by identity; ``< <= > >=`` compare ``data``.

    ``grad`` starts at 0.0; ``v.grad = None`` (PyTorch's habit) means "no gradient yet" and counts as 0.
    ``v.requires_grad = False`` freezes a leaf: backward leaves its ``grad`` alone and optimizers skip it.
    """

    # (checkers see no slots: pyright would take the slot ``grad`` for the property declared below)
    __slots__ = (
        () if TYPE_CHECKING else ("_data", "grad", "_label", "_children", "_local_grads", "_operation", "requires_grad")
    )

    def __init__(self, data: Number, label: str = "") -> None:
        self._data = data if type(data) is float else _real(data, "Value()")
        self.grad = 0.0
        self._label = label if type(label) is str else _checked_label(label)
        self._children: tuple[Value, ...] = ()
        self._local_grads: tuple[Any, ...] = ()
        self._operation: Op | None = None
        self.requires_grad = True

    if TYPE_CHECKING:  # ``grad`` as type checkers see it; at run time a plain attribute (a slot)

        @property
        def grad(self) -> float:
            """d(root)/d(self) from the last backward (leaves: summed over passes). None only between
            ``zero_grad(set_to_none=True)`` (or ``v.grad = None``) and the next backward, which counts it as 0."""
            ...

        @grad.setter
        def grad(self, value: float | None) -> None: ...

    # --- the node ---------------------------------------------------------------------------------

    @property
    def data(self) -> float:
        """The value, a Python float. Assigning any real number stores it as a float."""
        if state.decision_hook is not None:
            state.decision_hook("data", (self,), self._data)
        return self._data

    @data.setter
    def data(self, value: Number) -> None:
        self._data = value if type(value) is float else _real(value, "Value.data")

    @property
    def label(self) -> str:
        """A name to show in drawings and reprs (a str)."""
        return self._label

    @label.setter
    def label(self, text: str) -> None:
        self._label = _checked_label(text)

    @property
    def children(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in order (``x * x`` has ``x`` twice); () for a leaf."""
        return self._children

    @property
    def local_grads(self) -> tuple[Any, ...]:
        """d(self)/d(child) for each child, as computed on the forward pass."""
        return self._local_grads

    @property
    def op(self) -> str:
        """How the op that made this node is shown (``"+"``, ``"tanh"``, ``"**2"``); "" for a leaf."""
        return self._operation.label if self._operation is not None else ""

    _op = op  # micrograd's name, so the lecture's own drawing code works

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name for the children, as a set."""
        return set(self._children)

    @property
    def is_leaf(self) -> bool:
        """True for nodes made by the user (or under ``no_grad``), not by a recorded op."""
        return not self._children

    # --- arithmetic: a plain number on either side becomes a constant leaf (see engine.ops) ----------

    def __add__(self, other: Value | Number) -> Value:
        """x + y, a Value or a plain number on the right; d/dx = d/dy = 1."""
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Number) -> Value:
        """c + x for a plain number c on the left."""
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Value | Number) -> Value:
        """x - y; d/dx = 1, d/dy = -1."""
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Number) -> Value:
        """c - x for a plain number c on the left."""
        return _binary(ops.SUB, other, self)

    def __mul__(self, other: Value | Number) -> Value:
        """x · y; d/dx = y, d/dy = x (``x * x`` keeps two edges to ``x``)."""
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Number) -> Value:
        """c · x for a plain number c on the left."""
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Value | Number) -> Value:
        """x / y; d/dx = 1/y, d/dy = -x/y². ``x / 0`` is ±inf and ``0 / 0`` nan (IEEE 754), never an exception."""
        if isinstance(other, Value):
            return _binary(ops.DIV, self, other)
        return _with_constant(ops.DIV_CONSTANT, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        """c / x for a plain number c on the left."""
        return _binary(ops.DIV, other, self)

    def __pow__(self, exponent: Value | Number) -> Value:
        """x ** y, the exponent a Value or a plain number; d/dx = y·x^(y-1), d/dy = x^y·ln x. A negative base with a
        fractional exponent is nan."""
        if isinstance(exponent, Value):
            return _binary(ops.POW, self, exponent)
        return _with_constant(ops.POW_CONSTANT, self, exponent)

    def __rpow__(self, base: Number) -> Value:
        """c ** x for a plain number c as the base (``2 ** v``); d/dx = c^x·ln c."""
        return _with_constant(ops.RPOW_CONSTANT, self, base)

    def __neg__(self) -> Value:
        """-x."""
        return _unary(ops.NEG, self)

    def __pos__(self) -> Value:
        """+x is x itself."""
        return self

    def __abs__(self) -> Value:
        """|x|; derivative 0 at 0."""
        return _unary(ops.ABS, self)

    def __mod__(self, other: Value | Number) -> Value:
        """Python's floored x % y (the sign of y); d/dx = 1, d/dy = -(x // y), as PyTorch's remainder."""
        return _binary(ops.MOD, self, other)

    def __rmod__(self, other: Number) -> Value:
        """c % x for a plain number c on the left."""
        return _binary(ops.MOD, other, self)

    # --- functions: one line each, the op's rule is in engine.ops -----------------------------------

    def exp(self) -> Value:
        """e ** self; ``exp(1000) = inf``."""
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """Natural log; ``log(0) = -inf``, ``log(-1) = nan``."""
        return _unary(ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root; ``sqrt(-1) = nan``."""
        return _unary(ops.SQRT, self)

    def sin(self) -> Value:
        """sin x; derivative cos x."""
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        """cos x; derivative -sin x."""
        return _unary(ops.COS, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent; derivative 1 - tanh²; ``tanh(1000) = 1``."""
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), computed without overflow: ``sigmoid(±800)`` is 1 / 0 with gradient 0."""
        return _unary(ops.SIGMOID, self)

    def softplus(self) -> Value:
        """log(1 + e^x), stable: ``softplus(1000) = 1000`` with gradient 1."""
        return _unary(ops.SOFTPLUS, self)

    def relu(self) -> Value:
        """max(x, 0); derivative 0 at 0."""
        return _unary(ops.RELU, self)

    def leaky_relu(self, slope: Number = 0.01) -> Value:
        """x for x > 0, else slope * x; derivative ``slope`` at 0."""
        return _with_constant(ops.LEAKY_RELU, self, _as_float(slope, "slope"))

    def abs(self) -> Value:
        """|x|; derivative 0 at 0."""
        return _unary(ops.ABS, self)

    def step(self) -> Value:
        """Heaviside unit step of the perceptron: 1 if x >= 0 else 0; derivative 0."""
        return _unary(ops.STEP, self)

    def sign(self) -> Value:
        """1 if x >= 0 else -1 (the seeds' "famous model"); derivative 0."""
        return _unary(ops.SIGN, self)

    def tan(self) -> Value:
        """tan x; derivative 1 + tan² x."""
        return _unary(ops.TAN, self)

    def sinh(self) -> Value:
        """Hyperbolic sine; derivative cosh x; ``sinh(±1000) = ±inf``."""
        return _unary(ops.SINH, self)

    def cosh(self) -> Value:
        """Hyperbolic cosine; derivative sinh x; ``cosh(±1000) = inf``."""
        return _unary(ops.COSH, self)

    def asin(self) -> Value:
        """arcsin x; derivative 1 / √(1 - x²) (inf at ±1); nan for |x| > 1."""
        return _unary(ops.ASIN, self)

    def acos(self) -> Value:
        """arccos x; derivative -1 / √(1 - x²) (-inf at ±1); nan for |x| > 1."""
        return _unary(ops.ACOS, self)

    def atan(self) -> Value:
        """arctan x; derivative 1 / (1 + x²)."""
        return _unary(ops.ATAN, self)

    def asinh(self) -> Value:
        """Inverse hyperbolic sine; derivative 1 / √(x² + 1)."""
        return _unary(ops.ASINH, self)

    def acosh(self) -> Value:
        """Inverse hyperbolic cosine; derivative 1 / (√(x - 1) √(x + 1)) (inf at 1); nan for x < 1."""
        return _unary(ops.ACOSH, self)

    def atanh(self) -> Value:
        """Inverse hyperbolic tangent, accurate near ±1; ``atanh(±1) = ±inf``; nan for |x| > 1."""
        return _unary(ops.ATANH, self)

    def log1p(self) -> Value:
        """ln(1 + x), exact near 0; ``log1p(-1) = -inf``."""
        return _unary(ops.LOG1P, self)

    def expm1(self) -> Value:
        """e^x - 1, exact near 0; ``expm1(1000) = inf``."""
        return _unary(ops.EXPM1, self)

    def log2(self) -> Value:
        """Base-2 log; ``log2(0) = -inf``."""
        return _unary(ops.LOG2, self)

    def log10(self) -> Value:
        """Base-10 log; ``log10(0) = -inf``."""
        return _unary(ops.LOG10, self)

    def atan2(self, x: Value | Number) -> Value:
        """The angle of the point (x, self): ``y.atan2(x)``, as ``math.atan2(y, x)``; slopes 0 at the origin."""
        return apply(ops.ATAN2, self, x)

    def floor(self) -> Value:
        """The largest integer <= x, as a float; derivative 0."""
        return _unary(ops.FLOOR, self)

    def ceil(self) -> Value:
        """The smallest integer >= x, as a float; derivative 0."""
        return _unary(ops.CEIL, self)

    def round(self) -> Value:
        """x to the nearest integer (halves to even, as PyTorch), as a float; derivative 0. Also ``round(v)``."""
        return _unary(ops.ROUND, self)

    def maximum(self, other: Value | Number) -> Value:
        """max(self, other); at a tie each side gets half the gradient (PyTorch's rule)."""
        return apply(ops.MAXIMUM, self, other)

    def minimum(self, other: Value | Number) -> Value:
        """min(self, other); at a tie each side gets half the gradient (PyTorch's rule)."""
        return apply(ops.MINIMUM, self, other)

    def clamp(self, lo: Number | None = None, hi: Number | None = None) -> Value:
        """min(max(x, lo), hi) with plain-number bounds (None: unbounded); slope 1 on [lo, hi], ends included."""
        bounds = (-math.inf if lo is None else _as_float(lo, "lo"), math.inf if hi is None else _as_float(hi, "hi"))
        return apply(ops.CLAMP.with_constants(*bounds), self)

    # --- comparisons and conversions: where a Value becomes a plain Python value --------------------

    def __lt__(self, other: Value | Number) -> bool:
        """``x < y`` on the data: a plain bool, for counting accuracy (not recorded in the graph)."""
        return _decide("<", operator.lt, self, other)

    def __le__(self, other: Value | Number) -> bool:
        """``x <= y`` on the data, a bool."""
        return _decide("<=", operator.le, self, other)

    def __gt__(self, other: Value | Number) -> bool:
        """``x > y`` on the data, a bool."""
        return _decide(">", operator.gt, self, other)

    def __ge__(self, other: Value | Number) -> bool:
        """``x >= y`` on the data, a bool."""
        return _decide(">=", operator.ge, self, other)

    def __bool__(self) -> bool:
        """False for 0.0, as a PyTorch scalar: ``if loss:`` tests the value."""
        return _convert("bool", bool, self)

    def __float__(self) -> float:
        """``float(v)``: the data."""
        return _convert("float", float, self)

    def __int__(self) -> int:
        """``int(v)``: the data truncated toward 0, as ``int(float)``."""
        return _convert("int", int, self)

    @overload
    def __round__(self, ndigits: None = None) -> Value: ...
    @overload
    def __round__(self, ndigits: int) -> float: ...
    def __round__(self, ndigits: int | None = None) -> Value | float:
        """``round(v)`` is the op ``v.round()`` (a Value, as for a PyTorch tensor); ``round(v, n)`` is the data
        rounded to n decimals, a float."""
        if ndigits is None:
            return _unary(ops.ROUND, self)
        return _convert("round", lambda x: round(x, ndigits), self)

    def __format__(self, spec: str) -> str:
        """``f"{v:.4f}"`` formats the data; an empty spec gives the repr."""
        return format(_convert("format", float, self), spec) if spec else repr(self)

    def item(self) -> float:
        """The data as a Python float (PyTorch's name)."""
        return _convert("float", float, self)

    def __repr__(self) -> str:
        """``Value(data=0.5, grad=-1.25)``, plus ``label=...`` when there is one."""
        label = f", label={self._label!r}" if self._label else ""
        return f"Value(data={self._data!r}, grad={self.grad!r}{label})"

    # --- gradients --------------------------------------------------------------------------------

    def backward(self, gradient: Number = 1.0) -> None:
        """Reverse-mode pass: every node reachable from ``self`` gets d(self)/d(node) * ``gradient``.

        Leaves (nodes the user made) ACCUMULATE into ``.grad`` across passes, like PyTorch, so minibatch
        gradients can be summed; call ``zero_grad`` between steps. Interior nodes hold this pass's value. Calling
        backward twice on the same graph therefore doubles the leaf gradients exactly. Accumulation is all or
        nothing: a Ctrl-C during the pass leaves every ``.grad`` as it was. The local derivatives are those of the
        forward pass: changing ``.data`` afterwards does not change them.
        """
        seed = _as_float(gradient, "gradient")
        order = _reverse_topological_order(self)
        _store_gradients(order, _backpropagate(order, seed))

    def _backward(self) -> None:
        """This node's own chain-rule step, once: ``child.grad += local * self.grad`` for each child.

        micrograd's manual backward, node by node; ``backward()`` does every node's step in the right order."""
        upstream = self.grad or 0.0
        for child, local in zip(self._children, self._local_grads):
            child.grad = (child.grad or 0.0) + local * upstream

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from this graph."""
        return Value(self._data, self._label)

    # --- pickle and copy --------------------------------------------------------------------------

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """Pickle (and ``copy.deepcopy``) a node with its whole graph, at any depth.

        Pickle would recurse once per level of the graph (a RecursionError past a few hundred). So the node that
        is pickled first hands pickle its whole graph as a flat list, children before parents; when each of those
        nodes is pickled in turn, its children are already pickled, so nothing recurses. Identity is kept:
        nodes shared between pickled objects are shared again after loading."""
        state = (None, {name: getattr(self, name) for name in Value.__slots__})
        if not self._children or self in _graph_being_pickled.nodes:
            return (_empty_value, (), state)
        below = _reverse_topological_order(self)[1:]
        below.reverse()  # children before parents
        _graph_being_pickled.nodes = set(below)
        return (_empty_value_after, (below, _EndOfGraph()), state)

    def __copy__(self) -> Value:
        """A node with the same data, grad, label and inputs (the inputs themselves are shared)."""
        copy = _empty_value()
        for name in Value.__slots__:
            setattr(copy, name, getattr(self, name))
        return copy


class _GraphBeingPickled(threading.local):
    nodes: set[Value] = set()  # the nodes of the graph whose flat list pickle is writing in this thread


_graph_being_pickled = _GraphBeingPickled()


class _EndOfGraph:
    """Pickled right after a graph's flat list: from there on, nodes are pickled as roots again."""

    def __reduce__(self) -> tuple[Any, ...]:
        _graph_being_pickled.nodes = set()
        return (_EndOfGraph, ())


def _empty_value(*_: object) -> Value:
    return Value.__new__(Value)


def _empty_value_after(below: list[Value], end: _EndOfGraph) -> Value:
    return Value.__new__(Value)  # ``below`` is loaded by now: its only job was to be loaded first


# --- numbers at the boundary ------------------------------------------------------------------------


def _is_real(x: object) -> TypeGuard[Number]:
    if isinstance(x, numbers.Real):
        return not isinstance(x, Value)
    dtype = getattr(x, "dtype", None)  # numpy.bool_ is not registered as numbers.Real, Python's bool is
    return getattr(dtype, "kind", "") == "b" and getattr(x, "shape", None) == ()


def _real(x: object, what: str) -> float:
    """``x`` as a Python float, or TypeError naming what it was. An int too large for a float rounds to ±inf."""
    if not _is_real(x):
        hint = " (use v.data, or v.detach() for a new leaf)" if isinstance(x, Value) else ""
        raise TypeError(f"{what} takes a real number (int, float or numpy scalar), got {type(x).__name__}: {x!r}{hint}")
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _as_float(x: Number, what: str) -> float:
    if type(x) is float:
        return x
    if not _is_real(x):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    return _real(x, what)


def _checked_label(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"Value label must be a str, got {type(text).__name__}: {text!r}")
    return text


def _as_value(x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _decide(kind: str, compare: Callable[[float, float], bool], x: Value, other: object) -> bool | NotImplementedType:
    if isinstance(other, Value):
        result = compare(x._data, other._data)
    elif _is_real(other):
        result = compare(x._data, _real(other, "comparison operand"))
    else:
        # lets numpy arrays and others answer, or Python raise naming both types
        return NotImplemented  # type: ignore[no-any-return]  # mypy types NotImplemented as Any outside dunders
    if state.decision_hook is not None:
        state.decision_hook(kind, (x, other), result)
    return result


def _convert(kind: str, convert: Callable[[float], _T], x: Value) -> _T:
    result = convert(x._data)
    if state.decision_hook is not None:
        state.decision_hook(kind, (x,), result)
    return result


# --- applying an op: run its rule on the inputs' data, then record the result ------------------------


def apply(op: Op, *inputs: Value | Number) -> Value:
    """The node ``op(*inputs)``: runs the op's rule on the inputs' data (``FLOATS``) and, when recording, links
    the result to its inputs with the local derivatives. Plain numbers among the inputs become constant leaves."""
    return _apply(op, inputs)


def _apply(op: Op, inputs: tuple[Any, ...]) -> Value:
    try:
        primals = [x._data for x in inputs]  # every input a Value: the common case
    except AttributeError:  # a plain number among them
        inputs = tuple(map(_as_value, inputs))
        primals = [x._data for x in inputs]
    out, local_grads = op.rule(FLOATS, *primals, *op.params)
    return _record(op, inputs, out, local_grads)


def _unary(op: Op, x: Value) -> Value:
    """``apply(op, x)`` for a method of ``x``: the rule called on ``x``'s data directly, without the list of primals
    (a comprehension is a function call in CPython 3.11; this saves about a tenth of an MLP forward pass)."""
    out, local_grads = op.rule(FLOATS, x._data)
    return _record(op, (x,), out, local_grads)


def _binary(op: Op, x: Value | Number, y: Value | Number) -> Value | NotImplementedType:
    """``apply(op, x, y)`` for an operator; NotImplemented when an operand is not a number."""
    a = x if isinstance(x, Value) else _operand(x)
    b = y if isinstance(y, Value) else _operand(y)
    if a is None or b is None:
        return NotImplemented  # type: ignore[no-any-return]  # lets Python raise "unsupported operand type(s)"
    out, local_grads = op.rule(FLOATS, a._data, b._data)
    return _record(op, (a, b), out, local_grads)


def _operand(x: object) -> Value | None:
    """A plain-number operand as a constant leaf; None when it is not a number."""
    return Value(x) if _is_real(x) else None


def _with_constant(op: Op, x: Value, c: Number) -> Value | NotImplementedType:
    """``op`` with a plain number ``c`` as a constant of the op (see engine.ops for which ops and why)."""
    if isinstance(c, Value) or not _is_real(c):
        return NotImplemented  # type: ignore[no-any-return]
    c = _real(c, "constant")
    out, local_grads = op.rule(FLOATS, x._data, c)
    return _record(op.with_constant(c), (x,), out, local_grads)


def _record(op: Op, inputs: tuple[Value, ...], out: float, local_grads: tuple[Any, ...]) -> Value:
    """A new node holding ``out``; when recording, it remembers ``op``, its inputs and the local derivatives."""
    node = Value(out)
    recording = state.recording
    if recording is not None:
        node._children = inputs
        node._local_grads = local_grads
        node._operation = op
        if recording is CHECK:
            anomaly.record(node, op, inputs, local_grads)
    return node


# --- n-ary nodes ----------------------------------------------------------------------------------


def sum(values: Iterable[Value | Number], start: Value | Number = 0) -> Value:  # noqa: A001
    """Σ values (+ start) as ONE node with a child per term; numbers become constant leaves."""
    terms = _tuple_of(values, "values")
    _check_terms(terms, "values")
    inputs = terms + (start,) if isinstance(start, Value) or _as_float(start, "start") != 0 else terms
    if not inputs:
        return Value(0.0)
    return apply(ops.SUM, *inputs)


def dot(ws: Sequence[Value | Number], xs: Sequence[Value | Number], start: Value | Number = 0) -> Value:
    """Σ wᵢxᵢ (+ start) as ONE node: a neuron's summation function, with ``start`` as its bias.

    Plain numbers become constant leaves. ``dots`` makes a layer's dot nodes at once."""
    return dots((ws,), xs, (start,))[0]


def dots(
    rows: Sequence[Sequence[Value | Number]],
    xs: Sequence[Value | Number],
    starts: Sequence[Value | Number] | None = None,
) -> list[Value]:
    """``[dot(ws, xs, start) for ws, start in zip(rows, starts)]``: one dot node per row of weights, all over the same
    inputs ``xs``: a layer of neurons, ``starts`` their biases (default none). The one way a dot node is made.

    When the weights, the inputs and the biases are all Values (nn's layers), DOT's rule is given their data as
    ``ops.dot_parts`` takes it, with the inputs' data read once for all the rows (measured: an MLP training step
    205 M instructions down to 198 M); anything else takes the checked path, which says what is wrong."""
    rows, xs = _tuple_of(rows, "rows"), _tuple_of(xs, "xs")
    bias_of_row: tuple[Any, ...] = (0,) * len(rows) if starts is None else _tuple_of(starts, "starts")
    if len(bias_of_row) != len(rows):
        raise ValueError(f"dots() needs one start per row, got {len(rows)} rows and {len(bias_of_row)} starts")
    try:  # the fast path
        x_data = [x._data for x in xs]
        nodes = []
        for ws, start in zip(rows, bias_of_row):
            if len(ws) != len(x_data):  # (a generator has no len: the checked path makes it a tuple)
                break
            w_data = [w._data for w in ws]
            out, local_grads = ops.dot_parts(FLOATS, w_data, x_data, start._data)
            nodes.append(_record(ops.DOT, (*ws, *xs, start), out, local_grads))
        else:
            return nodes
    except (AttributeError, TypeError):
        pass  # not all Values, or a row that is not a sequence
    return [_checked_dot(ws, xs, start) for ws, start in zip(rows, bias_of_row)]


def _checked_dot(ws: Iterable[Value | Number], xs: tuple[Value | Number, ...], start: Value | Number) -> Value:
    ws = _tuple_of(ws, "ws")
    if len(ws) != len(xs):
        raise ValueError(f"dot() needs as many weights as inputs, got {len(ws)} weights (ws) and {len(xs)} inputs (xs)")
    inputs = ws + xs + (start,) if isinstance(start, Value) or _as_float(start, "start") != 0 else ws + xs
    if not inputs:
        return Value(0.0)
    try:
        return _apply(ops.DOT, inputs)
    except TypeError:
        _check_terms(ws, "ws")
        _check_terms(xs, "xs")
        raise


def _tuple_of(items: Iterable[Any], name: str) -> tuple[Any, ...]:
    try:
        return tuple(items)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of Values or numbers, got {type(items).__name__}") from None


def _check_terms(terms: tuple[Any, ...], name: str) -> None:
    for index, term in enumerate(terms):
        if not (isinstance(term, Value) or _is_real(term)):
            raise TypeError(f"{name}[{index}] must be a Value or a real number, got {type(term).__name__}: {term!r}")


# --- graph walks: loops over explicit stacks, never recursion; they read the graph and write nothing ----


def reachable(root: Value, limit: int | None = None) -> list[Value]:
    """Every node reachable from ``root`` (root first, in no particular order after it). With ``limit``, stops
    once it has found more than ``limit`` nodes (so a huge graph is refused fast)."""
    found = [root]
    seen = {root}
    stack = [root]
    while stack and (limit is None or len(found) <= limit):
        for child in stack.pop()._children:
            if child not in seen:
                seen.add(child)
                found.append(child)
                stack.append(child)
    return found


def _children_first(roots: Iterable[Value]) -> list[Value]:
    """Every node reachable from ``roots``, each after all of its children: depth-first on an explicit stack, a node
    is written out once all of its children are. It reads only the edges, never when or where a node was made."""
    order: list[Any] = []
    seen: set[Value] = set()
    path: list[Any] = [None]  # the nodes being visited, from the roots' parent (None, written out last) down
    unvisited: list[Iterator[Value]] = [iter(roots)]  # the children of each that are still to visit
    while path:
        for child in unvisited[-1]:
            if child not in seen:
                seen.add(child)
                path.append(child)
                unvisited.append(iter(child._children))
                break
        else:  # every child is written out: so is the node
            unvisited.pop()
            order.append(path.pop())
    return order[:-1]  # all but the roots' parent


def _reverse_topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each before all of its children (so by a node's turn every parent has
    passed its part on): ``_children_first`` reversed, so an unpickled graph orders the same."""
    return _children_first([root])[::-1]


LocalGrads = Callable[[Value], tuple[Any, ...]]
_recorded = operator.attrgetter("_local_grads")


def _backpropagate(order: list[Value], seed: Any, local_grads_of: LocalGrads = _recorded) -> dict[Value, Any]:
    """The chain rule, written once: ``{node: d(root)/d(node) * seed}`` over ``order``; nodes reached only through
    zero gradients are missing (0). ``local_grads_of``: the recorded ones, or ``_differentiable_local_grads``."""
    grads = {order[0]: seed}
    gradient_of = grads.get
    checking = state.anomaly_sites is not None
    for node in order:
        upstream = gradient_of(node)
        if upstream is None or not node._children:
            continue
        local_grads = local_grads_of(node)
        if checking:
            anomaly.check_backward(node, local_grads, upstream)
        if upstream == 0.0 and _passes_nothing(local_grads):
            continue
        for child, local in zip(node._children, local_grads):
            previous = gradient_of(child)
            grads[child] = local * upstream if previous is None else previous + local * upstream
    return grads


def _passes_nothing(local_grads: tuple[Any, ...]) -> bool:
    """Whether a zero gradient (``upstream == 0.0``, which a Value never is) times these local derivatives adds only
    ±0.0 to the children: yes when all of them are finite. Then the node is skipped, so a dead relu or a sample the
    hinge ignores costs no arithmetic below it (20 % of an MLP training step, measured). nan and inf local
    derivatives still pass on (0 * inf = nan), as in PyTorch."""
    total: float = _float_sum(local_grads)
    return 0.0 * total == 0.0


def _differentiable_local_grads(node: Value) -> tuple[Any, ...]:
    """The node's local derivatives as Values: its rule re-evaluated on its children (``VALUES``), so that they
    can be differentiated again (``create_graph``). The rule reads the children's data as it is now, so a graph
    whose data changed since the forward pass (the rule's value no longer matches the node's) is refused
    rather than differentiated as a mix of old and new values."""
    operation = cast(Op, node._operation)  # an interior node: made by an op
    out, local_grads = operation.rule(VALUES, *node._children, *operation.params)
    now = out._data if isinstance(out, Value) else float(out)
    if not (now == node._data or (now != now and node._data != node._data)):
        raise RuntimeError(
            f"grad(create_graph=True): the input data of a {operation.label!r} node changed after the forward pass "
            f"(it computed {node._data!r}, its inputs now give {now!r}); recompute the forward pass first"
        )
    return local_grads


_ZERO_MEANS_NO_GRADIENT_YET = {None: -0.0, 0.0: -0.0}  # -0.0 + g is g exactly, signed zeros included
_grad_of = operator.attrgetter("grad")


def _store_gradients(order: list[Value], grads: dict[Value, Any]) -> None:
    """Interior nodes take this pass's gradient; leaves add it to theirs (frozen leaves excepted).

    Each group is written by ONE call into C (``deque(map(setattr, ...))``): no Python bytecode runs between
    reading a leaf's gradient and writing the sum, so neither another thread's backward nor a Ctrl-C can come in
    between. Accumulation is all or nothing, without a lock. A leaf whose grad is None or 0 takes the new
    gradient as it is (so -0.0 stays -0.0, as in PyTorch, whose leaves start with no gradient)."""
    interior: list[Value] = []
    leaves: list[Value] = []
    for node in order:
        if node._children:
            interior.append(node)
        elif node.requires_grad:
            leaves.append(node)
    collections.deque(map(setattr, interior, repeat("grad"), map(grads.get, interior, repeat(0.0))), maxlen=0)
    added = list(map(grads.get, leaves, repeat(0.0)))
    starts = map(_ZERO_MEANS_NO_GRADIENT_YET.get, map(_grad_of, leaves), map(_grad_of, leaves))
    collections.deque(map(setattr, leaves, repeat("grad"), map(operator.add, starts, added)), maxlen=0)


@overload
def grad(output: Value | Number, inputs: Sequence[Value], create_graph: Literal[False] = False) -> list[float]: ...
@overload
def grad(output: Value | Number, inputs: Sequence[Value], create_graph: Literal[True]) -> list[Value]: ...
@overload
def grad(output: Value | Number, inputs: Sequence[Value], create_graph: bool) -> list[float] | list[Value]: ...
def grad(output: Value | Number, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    Returns floats; with ``create_graph=True`` returns Values whose own graphs can be differentiated again
    (second and higher derivatives, Hessian-vector products). Inputs that ``output`` does not depend on get 0
    (also when ``output`` is a plain number, as PyTorch's ``allow_unused`` with zeros).
    """
    inputs = list(_tuple_of(inputs, "inputs"))
    for index, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad() inputs must be Values, got {type(x).__name__} at position {index}")
    if not isinstance(output, Value):
        if not _is_real(output):
            raise TypeError(f"grad() output must be a Value, got {type(output).__name__}")
        return [Value(0.0) if create_graph else 0.0 for _ in inputs]
    order = _reverse_topological_order(output)
    if create_graph:
        with enable_grad():
            grads = _backpropagate(order, Value(1.0), _differentiable_local_grads)
        return [_as_value(grads.get(x, 0.0)) for x in inputs]
    grads = _backpropagate(order, 1.0)
    return [float(grads.get(x, 0.0)) for x in inputs]


def zero_grad(root: Value, set_to_none: bool = False) -> None:
    """Reset ``.grad`` on every node of ``root``'s graph: to 0.0, or to None (no gradient yet) with
    ``set_to_none=True``."""
    if not isinstance(root, Value):
        raise TypeError(f"zero_grad() root must be a Value (the output of the graph), got {type(root).__name__}")
    for node in reachable(root):
        node.grad = None if set_to_none else 0.0


# --- rules on Values, for create_graph --------------------------------------------------------------


def _lift(name: str) -> Callable[..., Any]:
    """``FLOATS.<name>`` made to accept Values too: on a Value it applies the op of that name (its method), so the
    result is a node that can be differentiated again; on plain numbers it is the float form."""
    float_form = getattr(FLOATS, name)
    return lambda *args: getattr(args[0], name)() if isinstance(args[0], Value) else float_form(*args)


class _ValueMath:
    """The number system of ``create_graph``: every function of ``FLOATS``, on Values."""

    @staticmethod
    def where(condition: bool, if_true: Any, if_false: Any) -> Any:
        return if_true if condition else if_false

    @staticmethod
    def eq(a: Value | Number, b: Value | Number) -> bool:
        return (a._data if isinstance(a, Value) else a) == (b._data if isinstance(b, Value) else b)

    @staticmethod
    def isfinite(a: Value | Number) -> bool:
        return math.isfinite(a._data if isinstance(a, Value) else a)

    @staticmethod
    def div(a: Value | Number, b: Value | Number) -> Value | float:
        return a / b if isinstance(a, Value) or isinstance(b, Value) else FLOATS.div(a, b)

    @staticmethod
    def pow(a: Value | Number, b: Value | Number) -> Value | float:
        return a**b if isinstance(a, Value) or isinstance(b, Value) else FLOATS.pow(a, b)

    sum = staticmethod(lambda xs: sum(xs))
    dot = staticmethod(dot)

    @staticmethod
    def atan2(y: Value | Number, x: Value | Number) -> Value | float:
        return apply(ops.ATAN2, y, x) if isinstance(y, Value) or isinstance(x, Value) else FLOATS.atan2(y, x)

    @staticmethod
    def mod(a: Value | Number, b: Value | Number) -> Value | float:
        return a % b if isinstance(a, Value) or isinstance(b, Value) else FLOATS.mod(a, b)

    @staticmethod
    def floor_divide(a: Value | Number, b: Value | Number) -> float:
        # a step function: flat, so its plain value is also its differentiable form
        return cast(float, FLOATS.floor_divide(*(x._data if isinstance(x, Value) else x for x in (a, b))))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        # A float form registered after this module was imported (for an engine.primitive): on Values it is the
        # Value method of that name, or else the registered op of that name. Lifted on first use.
        if name.startswith("__") or not hasattr(FLOATS, name):
            raise AttributeError(
                f"the number system has no function {name!r}; register its float form with @engine.ops.float_form"
            )
        if hasattr(Value, name):
            lifted = _lift(name)
        elif name in ops.REGISTRY:
            float_form, op = getattr(FLOATS, name), ops.REGISTRY[name]
            lifted = lambda *args: (  # noqa: E731
                apply(op, *args) if any(isinstance(a, Value) for a in args) else float_form(*args)
            )
        else:
            raise AttributeError(
                f"{name!r} has a float form but no op to differentiate it on Values: register a "
                f"primitive named {name!r} (engine.primitive) whose rule gives its derivative"
            )
        setattr(self, name, lifted)
        return lifted


VALUES = _ValueMath()
for _name in vars(FLOATS):  # the elementary functions registered with @float_form
    if not hasattr(VALUES, _name):
        setattr(VALUES, _name, _lift(_name))
