"""``Value``: a scalar that records the ops applied to it, and the reverse-mode walk that differentiates them."""

from __future__ import annotations

import builtins
import collections
import math
import numbers
import operator
from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from types import NotImplementedType
from typing import Any

from engine import anomaly, ops
from engine._mode import enable_grad, state
from engine.ops import FLOATS, Op

Number = float | int
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

    __slots__ = ("_data", "grad", "_label", "_children", "_local_grads", "_operation", "requires_grad")

    def __init__(self, data: Number, label: str = "") -> None:
        self._data = data if type(data) is float else _real(data, "Value()")
        self.grad: float | None = 0.0
        self.label = label
        self._children: tuple[Value, ...] = ()
        self._local_grads: tuple = ()
        self._operation: Op | None = None
        self.requires_grad = True

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
        if not isinstance(text, str):
            raise TypeError(f"Value label must be a str, got {type(text).__name__}: {text!r}")
        self._label = text

    @property
    def children(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in order (``x * x`` has ``x`` twice); () for a leaf."""
        return self._children

    @property
    def local_grads(self) -> tuple:
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
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Number) -> Value:
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Value | Number) -> Value:
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Number) -> Value:
        return _binary(ops.SUB, other, self)

    def __mul__(self, other: Value | Number) -> Value:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Number) -> Value:
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return apply(ops.DIV, self, other)
        return _with_constant(ops.DIV_CONSTANT, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _binary(ops.DIV, other, self)

    def __pow__(self, exponent: Value | Number) -> Value:
        if isinstance(exponent, Value):
            return apply(ops.POW, self, exponent)
        return _with_constant(ops.POW_CONSTANT, self, exponent)

    def __rpow__(self, base: Number) -> Value:
        return _with_constant(ops.RPOW_CONSTANT, self, base)

    def __neg__(self) -> Value:
        """-x."""
        return apply(ops.NEG, self)

    def __pos__(self) -> Value:
        """+x is x itself."""
        return self

    def __abs__(self) -> Value:
        """|x|; derivative 0 at 0."""
        return apply(ops.ABS, self)

    # --- functions: one line each, the op's rule is in engine.ops -----------------------------------

    def exp(self) -> Value:
        """e ** self; ``exp(1000) = inf``."""
        return apply(ops.EXP, self)

    def log(self) -> Value:
        """Natural log; ``log(0) = -inf``, ``log(-1) = nan``."""
        return apply(ops.LOG, self)

    def sqrt(self) -> Value:
        """Square root; ``sqrt(-1) = nan``."""
        return apply(ops.SQRT, self)

    def sin(self) -> Value:
        """sin x; derivative cos x."""
        return apply(ops.SIN, self)

    def cos(self) -> Value:
        """cos x; derivative -sin x."""
        return apply(ops.COS, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent; derivative 1 - tanh²; ``tanh(1000) = 1``."""
        return apply(ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), computed without overflow: ``sigmoid(±800)`` is 1 / 0 with gradient 0."""
        return apply(ops.SIGMOID, self)

    def softplus(self) -> Value:
        """log(1 + e^x), stable: ``softplus(1000) = 1000`` with gradient 1."""
        return apply(ops.SOFTPLUS, self)

    def relu(self) -> Value:
        """max(x, 0); derivative 0 at 0."""
        return apply(ops.RELU, self)

    def leaky_relu(self, slope: Number = 0.01) -> Value:
        """x for x > 0, else slope * x; derivative ``slope`` at 0."""
        return _with_constant(ops.LEAKY_RELU, self, _as_float(slope, "slope"))

    def abs(self) -> Value:
        """|x|; derivative 0 at 0."""
        return apply(ops.ABS, self)

    def step(self) -> Value:
        """Heaviside unit step of the perceptron: 1 if x >= 0 else 0; derivative 0."""
        return apply(ops.STEP, self)

    def sign(self) -> Value:
        """1 if x >= 0 else -1 (the seeds' "famous model"); derivative 0."""
        return apply(ops.SIGN, self)

    # --- comparisons and conversions: where a Value becomes a plain Python value --------------------

    def __lt__(self, other: Value | Number) -> bool:
        return _decide("<", operator.lt, self, other)

    def __le__(self, other: Value | Number) -> bool:
        return _decide("<=", operator.le, self, other)

    def __gt__(self, other: Value | Number) -> bool:
        return _decide(">", operator.gt, self, other)

    def __ge__(self, other: Value | Number) -> bool:
        return _decide(">=", operator.ge, self, other)

    def __bool__(self) -> bool:
        """False for 0.0, as a PyTorch scalar: ``if loss:`` tests the value."""
        return _convert("bool", bool, self)

    def __float__(self) -> float:
        return _convert("float", float, self)

    def __int__(self) -> int:
        return _convert("int", int, self)

    def __round__(self, ndigits: int | None = None) -> float | int:
        return _convert("round", lambda x: round(x, ndigits), self)

    def __format__(self, spec: str) -> str:
        """``f"{v:.4f}"`` formats the data; an empty spec gives the repr."""
        return format(_convert("format", float, self), spec) if spec else repr(self)

    def item(self) -> float:
        """The data as a Python float (PyTorch's name)."""
        return _convert("float", float, self)

    def __repr__(self) -> str:
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


# --- numbers at the boundary ------------------------------------------------------------------------


def _is_real(x: object) -> bool:
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
        return float(x)  # type: ignore[arg-type]
    except OverflowError:
        return math.copysign(math.inf, x)  # type: ignore[arg-type]


def _as_float(x: Number, what: str) -> float:
    if type(x) is float:
        return x
    if not _is_real(x):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    return _real(x, what)


def _as_value(x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _decide(kind: str, compare: Callable, x: Value, other: object) -> Any:
    if isinstance(other, Value):
        result = compare(x._data, other._data)
    elif _is_real(other):
        result = compare(x._data, _real(other, "comparison operand"))
    else:
        return NotImplemented  # lets numpy arrays and others answer, or Python raise naming both types
    if state.decision_hook is not None:
        state.decision_hook(kind, (x, other), result)
    return result


def _convert(kind: str, convert: Callable, x: Value) -> Any:
    result = convert(x._data)
    if state.decision_hook is not None:
        state.decision_hook(kind, (x,), result)
    return result


# --- applying an op: run its rule on the inputs' data, then record the result ------------------------


def apply(op: Op, *inputs: Value | Number) -> Value:
    """The node ``op(*inputs)``: runs the op's rule on the inputs' data (``FLOATS``) and, when recording, links
    the result to its inputs with the local derivatives. Plain numbers among the inputs become constant leaves."""
    try:
        primals = [x._data for x in inputs]  # every input a Value: the common case, checked by the attribute read
    except AttributeError:
        inputs = tuple(map(_as_value, inputs))
        primals = [x._data for x in inputs]
    out, local_grads = op.rule(FLOATS, *primals, *op.params)
    return _record(op, inputs, out, local_grads)


def _binary(op: Op, x: Value | Number, y: Value | Number) -> Value | NotImplementedType:
    if not (isinstance(x, Value) or _is_real(x)) or not (isinstance(y, Value) or _is_real(y)):
        return NotImplemented  # lets Python raise "unsupported operand type(s)" naming both types
    return apply(op, x, y)


def _with_constant(op: Op, x: Value, c: Number) -> Value | NotImplementedType:
    """``op`` with a plain number ``c`` as a constant of the op (see engine.ops for which ops and why)."""
    if isinstance(c, Value) or not _is_real(c):
        return NotImplemented
    c = _real(c, "constant")
    out, local_grads = op.rule(FLOATS, x._data, c)
    return _record(op.with_constant(c), (x,), out, local_grads)


def _record(op: Op, inputs: tuple, out: float, local_grads: tuple) -> Value:
    """A new node holding ``out``; when recording, it remembers ``op``, its inputs and the local derivatives."""
    node = Value(out)
    if state.grad_enabled:
        node._children = inputs
        node._local_grads = local_grads
        node._operation = op
        if state.anomaly_sites is not None:
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

    The one way a dot node is made (``nn``'s neurons call it too). All-Value inputs take the fast path of
    ``apply``; plain numbers become constant leaves."""
    ws, xs = _tuple_of(ws, "ws"), _tuple_of(xs, "xs")
    if len(ws) != len(xs):
        raise ValueError(f"dot() needs as many weights as inputs, got {len(ws)} weights (ws) and {len(xs)} inputs (xs)")
    inputs = ws + xs + (start,) if isinstance(start, Value) or _as_float(start, "start") != 0 else ws + xs
    if not inputs:
        return Value(0.0)
    try:
        return apply(ops.DOT, *inputs)
    except TypeError:
        _check_terms(ws, "ws")
        _check_terms(xs, "xs")
        raise


def _tuple_of(items: Iterable, name: str) -> tuple:
    try:
        return tuple(items)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of Values or numbers, got {type(items).__name__}") from None


def _check_terms(terms: tuple, name: str) -> None:
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


def _reverse_topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each one before all of its children.

    That is the order the chain rule needs: every path from the root to a node passes through the node's
    parents, and they all come first, so by the node's turn its gradient is complete. The walk is depth-first
    on an explicit stack: a node is finished after all of its children, so the finishing order puts children
    before parents, and its reverse is the order above. It reads only the edges, never when or where a node was
    made, so a graph unpickled in another process orders the same.
    """
    order = []
    seen = {root}
    stack = [(root, iter(root._children))]
    while stack:
        node, children = stack[-1]
        for child in children:
            if child not in seen:
                seen.add(child)
                stack.append((child, iter(child._children)))
                break
        else:  # every child finished
            stack.pop()
            order.append(node)
    order.reverse()
    return order


_recorded_local_grads = operator.attrgetter("_local_grads")


def _backpropagate(order: list[Value], seed: Any, local_grads_of: Callable = _recorded_local_grads) -> dict:
    """The chain rule, written once: ``{node: d(root)/d(node) * seed}`` for ``order =
    _reverse_topological_order(root)``. Each node passes its finished gradient on to its children:
    d(root)/d(child) += d(root)/d(node) * d(node)/d(child). Nodes reached only through zero gradients are
    missing: their gradient is 0. ``local_grads_of(node)`` gives the local derivatives (default: those recorded
    on the forward pass; ``_differentiable_local_grads`` for ``create_graph``)."""
    grads = {order[0]: seed}
    checking = state.anomaly_sites is not None
    for node in order:
        upstream = grads.get(node)
        if upstream is None or not node._children:
            continue
        local_grads = local_grads_of(node)
        if checking:
            anomaly.check_backward(node, local_grads, upstream)
        if _passes_nothing(upstream, local_grads):
            continue
        for child, local in zip(node._children, local_grads):
            previous = grads.get(child)
            grads[child] = local * upstream if previous is None else previous + local * upstream
    return grads


def _passes_nothing(upstream: Any, local_grads: tuple) -> bool:
    """A zero gradient times finite local derivatives adds only ±0.0 to the children: skip the node, so a dead relu
    or a sample the hinge ignores costs no arithmetic below it (20 % of an MLP training step, measured). nan and
    inf local derivatives still pass on (0 * inf = nan), as in PyTorch. Never true for a Value gradient."""
    return upstream.__class__ is float and upstream == 0.0 and 0.0 * _float_sum(local_grads) == 0.0


def _differentiable_local_grads(node: Value) -> tuple:
    """The node's local derivatives as Values: its rule re-evaluated on its children (``VALUES``), so that they
    can be differentiated again (``create_graph``). The rule reads the children's data as it is now, so a graph
    whose data changed since the forward pass (the rule's value no longer matches the node's) is refused
    rather than differentiated as a mix of old and new values."""
    operation = node._operation
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


def _store_gradients(order: list[Value], grads: dict) -> None:
    """Interior nodes take this pass's gradient; leaves add it to theirs (frozen leaves excepted).

    Each group is written by ONE call into C (``deque(map(setattr, ...))``): no Python bytecode runs between
    reading a leaf's gradient and writing the sum, so neither another thread's backward nor a Ctrl-C can come in
    between. Accumulation is all or nothing, without a lock. A leaf whose grad is None or 0 takes the new
    gradient as it is (so -0.0 stays -0.0, as in PyTorch, whose leaves start with no gradient)."""
    interior = [node for node in order if node._children]
    leaves = [node for node in order if not node._children and node.requires_grad]
    values = [grads.get(node, 0.0) for node in interior]
    collections.deque(map(setattr, interior, repeat("grad"), values), maxlen=0)
    added = [grads.get(node, 0.0) for node in leaves]
    starts = map(_ZERO_MEANS_NO_GRADIENT_YET.get, map(_grad_of, leaves), map(_grad_of, leaves))
    collections.deque(map(setattr, leaves, repeat("grad"), map(operator.add, starts, added)), maxlen=0)


def grad(output: Value | Number, inputs: Sequence[Value], create_graph: bool = False) -> list:
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


def _lift(name: str) -> Callable:
    """``FLOATS.<name>`` made to accept Values too: on a Value it applies the op of that name (its method), so the
    result is a node that can be differentiated again; on plain numbers it is the float form."""
    float_form = getattr(FLOATS, name)
    return lambda *args: (
        getattr(args[0], name)() if isinstance(args[0], Value) else float_form(*args)
    )


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


VALUES = _ValueMath()
for _name in vars(FLOATS):  # the elementary functions registered with @float_form
    if not hasattr(VALUES, _name):
        setattr(VALUES, _name, _lift(_name))
