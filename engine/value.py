"""``Value``: a scalar that records the ops applied to it, and the reverse-mode walk that differentiates them."""

from __future__ import annotations

import builtins
import itertools
import numbers
import operator
import threading
from collections.abc import Iterable, Sequence
from types import NotImplementedType, SimpleNamespace

from engine import _mode, anomaly, ops
from engine._mode import enable_grad, state
from engine.ops import FLOAT_MATH, Op

Number = float | int
_next_serial = itertools.count().__next__  # atomic under the GIL, so safe across threads
_creation_serial = operator.attrgetter("_serial")
_float_sum = builtins.sum  # this module defines its own sum (one Σ node)
_new = object.__new__  # a bare instance: _link fills its slots, skipping __init__'s checks


class Value:
    """A scalar node of a computational graph.

    ``Value(data, label="")``: ``data`` is any real number, stored as a float. Ops on Values (and plain
    numbers on either side) return new Values that remember their inputs (``children``, in order) and
    the local derivative with respect to each one (``local_grads``); ``backward()`` applies the chain rule.
    ``==`` and ``hash`` are by identity; ``< <= > >=`` compare ``data``.
    """

    # _pass and _pass_grad are the backward pass's scratch: which walk last found the node, and the
    # gradient that pass has summed into it so far (slots are faster to update than a dict).
    __slots__ = ("data", "grad", "label", "_children", "_local_grads", "_op", "_serial", "_pass", "_pass_grad")

    def __init__(self, data: Number, label: str = "") -> None:
        if type(data) is not float:
            if isinstance(data, Value) or not isinstance(data, numbers.Real):
                hint = " (use v.data, or v.detach() for a new leaf)" if isinstance(data, Value) else ""
                raise TypeError(
                    f"Value() takes a real number (int, float or numpy scalar), "
                    f"got {type(data).__name__}: {data!r}{hint}"
                )
            data = float(data)
        if not isinstance(label, str):
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self._children: tuple[Value, ...] = ()
        self._local_grads: tuple = ()
        self._op: Op | None = None
        self._serial = _next_serial()  # creation order: every child is older than its parents
        self._pass = None

    # --- the graph, read-only ---------------------------------------------------------------------

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
        """The name of the op that made this node ("" for a leaf)."""
        return self._op.label if self._op is not None else ""

    @property
    def is_leaf(self) -> bool:
        """True for nodes made by the user (or under ``no_grad``), not by a recorded op."""
        return not self._children

    # --- arithmetic -------------------------------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(ops.ADD, self, other)
        return _with_constant(ops.ADD_CONSTANT, self, other)

    def __radd__(self, other: Number) -> Value:
        return _with_constant(ops.ADD_CONSTANT, self, other)

    def __sub__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(ops.SUB, self, other)
        return _with_constant(ops.SUB_CONSTANT, self, other)

    def __rsub__(self, other: Number) -> Value:
        return _with_constant(ops.RSUB_CONSTANT, self, other)

    def __mul__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(ops.MUL, self, other)
        return _with_constant(ops.MUL_CONSTANT, self, other)

    def __rmul__(self, other: Number) -> Value:
        return _with_constant(ops.MUL_CONSTANT, self, other)

    def __truediv__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return _binary(ops.DIV, self, other)
        return _with_constant(ops.DIV_CONSTANT, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _with_constant(ops.RDIV_CONSTANT, self, other)

    def __pow__(self, exponent: Value | Number) -> Value:
        if isinstance(exponent, Value):
            return _binary(ops.POW, self, exponent)
        return _with_constant(ops.POW_CONSTANT, self, exponent)

    def __rpow__(self, base: Number) -> Value:
        return _with_constant(ops.RPOW_CONSTANT, self, base)

    def __neg__(self) -> Value:
        return _unary(ops.NEG, self)

    def __abs__(self) -> Value:
        return _unary(ops.ABS, self)

    # --- functions --------------------------------------------------------------------------------

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
        return _unary(ops.SIN, self)

    def cos(self) -> Value:
        return _unary(ops.COS, self)

    def tanh(self) -> Value:
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

    # --- comparisons and conversions --------------------------------------------------------------

    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _data_of(other)

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _data_of(other)

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _data_of(other)

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _data_of(other)

    def __float__(self) -> float:
        return self.data

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # --- gradients --------------------------------------------------------------------------------

    def backward(self, gradient: Number = 1.0) -> None:
        """Reverse-mode pass: every node reachable from ``self`` gets d(self)/d(node) * ``gradient``.

        Leaves (nodes the user made) ACCUMULATE into ``.grad`` across passes, like PyTorch, so minibatch
        gradients can be summed; call ``zero_grad`` between steps. Interior nodes hold this pass's
        value. Calling backward twice on the same graph therefore doubles the leaf gradients exactly.
        """
        seed = _as_float(gradient, "gradient")
        with _walking:
            order = _reachable(self)
            _backpropagate(order, seed)
            for node in order:
                if node._children:
                    node.grad = node._pass_grad
                else:
                    node.grad += node._pass_grad

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from this graph."""
        return Value(self.data, self.label)


def _as_value(x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _data_of(x: Value | Number) -> float:
    return x.data if isinstance(x, Value) else _as_float(x, "comparison operand")


def _as_float(x: Number, what: str) -> float:
    if isinstance(x, Value) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    return float(x)


# --- applying an op: run its rule on the inputs' data, then link the result into the graph ----------

def _unary(op: Op, x: Value) -> Value:
    out, local_grads = op.rule(FLOAT_MATH, x.data)
    return _link(op, (x,), out, local_grads)


def _binary(op: Op, x: Value, y: Value) -> Value:
    out, local_grads = op.rule(FLOAT_MATH, x.data, y.data)
    return _link(op, (x, y), out, local_grads)


def _with_constant(op: Op, x: Value, c: Number) -> Value | NotImplementedType:
    """``op`` with a plain number ``c`` on one side: ``c`` becomes a parameter of the op, not a node."""
    if type(c) is not float:
        if isinstance(c, Value) or not isinstance(c, numbers.Real):
            return NotImplemented  # lets Python raise "unsupported operand type(s)" naming both types
        c = float(c)
    out, local_grads = op.rule(FLOAT_MATH, x.data, c)
    return _link(op.bind(c), (x,), out, local_grads)


def _apply(op: Op, inputs: tuple) -> Value:
    """Any op on any number of inputs; numbers among them (given to sum / dot) become constant leaves."""
    primals = [x.data for x in inputs if type(x) is Value]
    if len(primals) != len(inputs):
        inputs = tuple(map(_as_value, inputs))
        primals = [x.data for x in inputs]
    out, local_grads = op.rule(FLOAT_MATH, *primals, *op.params)
    return _link(op, inputs, out, local_grads)


def _link(op: Op, inputs: tuple[Value, ...], out: float, local_grads: tuple) -> Value:
    """A new node holding ``out``; when recording, it remembers ``op``, its inputs and local derivatives."""
    node = _new(Value)
    node.data = out
    node.grad = 0.0
    node.label = ""
    node._serial = _next_serial()
    node._pass = None
    switches = _mode.open_switches
    if switches and not state.grad_enabled:  # inside no_grad: a leaf
        node._children = node._local_grads = ()
        node._op = None
        return node
    node._children = inputs
    node._local_grads = local_grads
    node._op = op
    if switches and state.anomaly_sites is not None:
        anomaly.record(node, op, inputs, local_grads)
    return node


# --- n-ary nodes ----------------------------------------------------------------------------------

def sum(values: Iterable[Value | Number], start: Value | Number = 0) -> Value:
    """Σ values (+ start) as ONE node with a child per term; numbers become constant leaves."""
    terms = _tuple_of(values, "values")
    inputs = terms + (start,) if isinstance(start, Value) or _as_float(start, "start") != 0 else terms
    if not inputs:
        return Value(0.0)
    try:
        return _apply(ops.SUM, inputs)
    except TypeError:
        _check_terms(terms, "values")
        raise


def dot(ws: Sequence[Value | Number], xs: Sequence[Value | Number], start: Value | Number = 0) -> Value:
    """Σ wᵢxᵢ (+ start) as ONE node: a neuron's summation function, with ``start`` as its bias."""
    ws, xs = _tuple_of(ws, "ws"), _tuple_of(xs, "xs")
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


def _dot_of_values(ws: Sequence[Value], xs: tuple[Value, ...], xs_data: list[float], bias: Value) -> Value:
    """``dot(ws, xs, start=bias)`` without the checks, for nn's hot path: every input is a Value, and the
    layer has read its inputs' data once (``xs_data``) for all of its neurons."""
    out, local_grads = ops.dot_with_bias(FLOAT_MATH, [w.data for w in ws], xs_data, bias.data)
    return _link(ops.DOT, (*ws, *xs, bias), out, local_grads)


def _tuple_of(items: Iterable, name: str) -> tuple:
    try:
        return tuple(items)
    except TypeError:
        raise TypeError(f"{name} must be an iterable of Values or numbers, got {type(items).__name__}") from None


def _check_terms(terms: tuple, name: str) -> None:
    # Only on the error path, so the common case pays nothing: name the first term that is not a number.
    for index, term in enumerate(terms):
        if not isinstance(term, (Value, numbers.Real)):
            raise TypeError(f"{name}[{index}] must be a Value or a real number, got {type(term).__name__}: {term!r}")


# --- graph walks: explicit stacks, never recursion ------------------------------------------------

_walking = threading.RLock()  # one graph walk at a time: the walks mark nodes (see Value.__slots__)


def _reachable(root: Value, limit: int | None = None) -> list[Value]:
    """Every node reachable from ``root`` (root first), by a loop over an explicit stack, never recursion.
    Each found node gets ``_pass_grad = None`` (nothing summed yet). With ``limit``, stops once it has found
    more than ``limit`` nodes (so huge graphs are refused fast)."""
    with _walking:
        walk = object()  # this walk's mark: a node is found once it carries it
        root._pass = walk
        root._pass_grad = None
        found = [root]
        stack = [root]
        while stack:
            for child in stack.pop()._children:
                if child._pass is not walk:
                    child._pass = walk
                    child._pass_grad = None
                    found.append(child)
                    stack.append(child)
            if limit is not None and len(found) > limit:
                break
        return found


def _lift(method, float_function):
    """A Value method that also accepts a plain float (an op's constant), for ``_VALUE_MATH``."""
    return lambda x: method(x) if isinstance(x, Value) else float_function(x)


# Rules re-evaluated on Values, so that the derivatives they return are themselves differentiable.
_VALUE_MATH = SimpleNamespace(
    div=operator.truediv,
    pow=operator.pow,
    abs=builtins.abs,
    sum=sum,
    dot=dot,
    **{
        name: _lift(getattr(Value, name), getattr(FLOAT_MATH, name))
        for name in ("exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "softplus")
    },
)


def _backpropagate(order: list[Value], seed: float | Value, create_graph: bool = False) -> None:
    """The chain rule, written once: leaves d(root)/d(node) in ``node._pass_grad`` for every node of
    ``order = _reachable(root)`` (which it sorts). Call both holding ``_walking``, and read the results
    before letting go.

    Visits the nodes newest first (by creation serial). Every node that uses a node was created after it,
    so when a node's turn comes its gradient is complete (summed over every path to the root) and can be
    passed on: d(root)/d(child) += d(root)/d(node) * d(node)/d(child). A node whose gradient is exactly 0
    passes nothing on, so a dead relu's subtree does no arithmetic; nodes that nothing reached get 0.0.
    With ``create_graph`` the local derivatives are recomputed as Values, and so are the gradients.
    """
    root = order[0]
    order.sort(key=_creation_serial, reverse=True)
    root._pass_grad = seed
    anomaly_on = state.anomaly_sites is not None
    for node in order:
        upstream = node._pass_grad
        if upstream is None:  # reachable only through nodes with a zero gradient
            node._pass_grad = 0.0
            continue
        children = node._children
        if not children:
            continue
        if create_graph:
            op = node._op
            local_grads = op.rule(_VALUE_MATH, *children, *op.params)[1]
        else:
            local_grads = node._local_grads
        if anomaly_on:
            anomaly.check_backward(node, local_grads, upstream)
        elif upstream == 0.0 and not create_graph and 0.0 * _float_sum(local_grads) == 0.0:
            continue  # 0 times finite local derivatives adds ±0.0: nothing to pass on (nan and inf still are)
        # one input: two tuples cost less than a zip
        edges = zip(children, local_grads) if len(children) > 1 else ((children[0], local_grads[0]),)
        for child, local in edges:
            previous = child._pass_grad
            child._pass_grad = local * upstream if previous is None else previous + local * upstream


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    Returns floats; with ``create_graph=True`` returns Values whose own graphs can be differentiated
    again (second and higher derivatives, Hessian-vector products). Inputs ``output`` does not depend
    on get 0.0.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() output must be a Value, got {type(output).__name__}")
    inputs = list(_tuple_of(inputs, "inputs"))
    for index, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad() inputs must be Values, got {type(x).__name__} at position {index}")
    with _walking:
        order = _reachable(output)
        try:
            if create_graph:
                with enable_grad():
                    _backpropagate(order, Value(1.0), create_graph=True)
            else:
                _backpropagate(order, 1.0)
            grads = {node: node._pass_grad for node in order}
        finally:
            for node in order:  # Value gradients refer back into the graph: drop them, or they make cycles
                node._pass_grad = None
    if create_graph:
        return [_as_value(grads.get(x, 0.0)) for x in inputs]
    return [float(grads.get(x, 0.0)) for x in inputs]


def zero_grad(root: Value) -> None:
    """Reset ``.grad`` to 0.0 on every node of ``root``'s graph."""
    if not isinstance(root, Value):
        raise TypeError(f"zero_grad() root must be a Value (the output of the graph), got {type(root).__name__}")
    for node in _reachable(root):  # order does not matter here, so no sort
        node.grad = 0.0
