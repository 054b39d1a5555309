"""``engine.compile`` (this module is ``engine.compiler``): trace a scalar function once with Values, then replay the
recorded graph as generated code.

The compiler is a pipeline of three stages, each a function below, read top to bottom:

1. ``trace(fn, args, params)`` runs ``fn`` once on Values and keeps the graph (a graph of registry entries), the
   input leaves, and the guards: every place where ``fn`` turned a traced Value into a Python decision.
2. ``plan(traced)`` orders the nodes, sorts them into constants, ``uniform`` nodes (they depend on the params
   only: computed once per call, not once per sample) and per-sample nodes, decides which need a gradient, and
   runs each op's rule on symbols (``SYMBOLS``) so that the rule itself writes the node's code: one place per op.
3. ``emit_python(plan)`` writes straight-line Python (forward, then reverse, one line per node, each reverse line
   ``g_child += g_node * local``); ``emit_arrays(plan, backend)`` writes the batched program for numpy or torch,
   where the dot nodes that share one input tuple (a layer) become one ``W @ X + b``.

``engine.compile(fn, params, backend=...)`` ties them together and keeps a small cache of traces.
"""

from __future__ import annotations

import builtins
import inspect
import keyword
import math
import numbers
import operator
import os
import re
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any, cast

from engine._mode import state
from engine.ops import FLOATS, Op
from engine.value import Value, _children_first, grad

__all__ = ["Compiled", "TracingError", "compile", "emit_arrays", "emit_python", "plan", "trace"]

MAX_TRACES = 8  # traces kept per argument structure (one per branch taken); then eager, with a warning
CODE_LIMIT = 20_000  # nodes: past this, the Python program keeps values in lists and is cut into chunks
TAPE_LIMIT = 1_000_000  # nodes: past this, no code at all: a flat tape replayed by an interpreter loop (compile()
# costs about 10 µs per generated statement here, so a 1,000,000-link chain would take a minute to compile)
CHUNK_STATEMENTS = 2_000  # statements per generated function in the chunked form (compile() memory is per chunk)
SUM_TERMS = 64  # terms per generated sum expression: CPython's compiler recurses once per term of a + b + ...
ARRAY_STEP_LIMIT = 2_000  # array steps past which batch() replays the Python program instead (a long chain)

_ENGINE_DIR = os.path.dirname(os.path.abspath(__file__))
_COMPARISONS = {"<": "<", "<=": "<=", ">": ">", ">=": ">="}


class TracingError(TypeError):
    """``fn`` turned a traced Value into a plain Python number (``.data``, ``float()``, ``int()``...), which a
    replay could not recompute. The message names the file:line."""


class _Retrace(Exception):
    """A guard failed on replay: this trace took another branch of ``fn``."""


# --- symbols: the number system that turns a rule into code ----------------------------------------


class _Expr:
    """A symbolic number: an expression tree the emitters render as Python or array code.

    ``kind`` is ``"ref"`` (node ``args[0]``), ``"const"`` (a float ``args[0]``), ``"op"`` (an infix operator
    ``args[0]`` on ``args[1:]``), ``"neg"``, ``"call"`` (function ``args[0]`` of ``args[1:]``), ``"where"``,
    ``"sum"`` or ``"dot"``. ``finite`` is True when the value is provably finite (kinks' 0/1 derivatives)."""

    __slots__ = ("kind", "args", "finite")

    def __init__(self, kind: str, *args: Any, finite: bool = False) -> None:
        self.kind = kind
        self.args = args
        self.finite = finite

    def _binary(self, operator: str, other: Any, swapped: bool = False) -> _Expr:
        other = _symbol(other)
        return _Expr("op", operator, other, self) if swapped else _Expr("op", operator, self, other)

    def __add__(self, other: Any) -> _Expr:
        return self._binary("+", other)

    def __radd__(self, other: Any) -> _Expr:
        return self._binary("+", other, True)

    def __sub__(self, other: Any) -> _Expr:
        return self._binary("-", other)

    def __rsub__(self, other: Any) -> _Expr:
        return self._binary("-", other, True)

    def __mul__(self, other: Any) -> _Expr:
        return self._binary("*", other)

    def __rmul__(self, other: Any) -> _Expr:
        return self._binary("*", other, True)

    def __truediv__(self, other: Any) -> _Expr:
        return self._binary("/", other)

    def __rtruediv__(self, other: Any) -> _Expr:
        return self._binary("/", other, True)

    def __lt__(self, other: Any) -> _Expr:
        return self._binary("<", other)

    def __le__(self, other: Any) -> _Expr:
        return self._binary("<=", other)

    def __gt__(self, other: Any) -> _Expr:
        return self._binary(">", other)

    def __ge__(self, other: Any) -> _Expr:
        return self._binary(">=", other)

    def __and__(self, other: Any) -> _Expr:
        return self._binary("&", other)

    def __rand__(self, other: Any) -> _Expr:
        return self._binary("&", other, True)

    def __or__(self, other: Any) -> _Expr:
        return self._binary("|", other)

    def __ror__(self, other: Any) -> _Expr:
        return self._binary("|", other, True)

    def __neg__(self) -> _Expr:
        return _Expr("neg", self, finite=self.finite)

    def __bool__(self) -> bool:
        raise TypeError(
            "an op's rule branched with a Python `if` on an input; rules must use num.where(cond, a, b) "
            "so that engine.compile can generate their code"
        )

    __hash__ = None  # type: ignore[assignment]


def _symbol(x: Any) -> _Expr:
    if isinstance(x, _Expr):
        return x
    if isinstance(x, bool):
        return _Expr("const", x, finite=True)
    if isinstance(x, numbers.Real):
        x = float(x)
        return _Expr("const", x, finite=math.isfinite(x))
    raise TypeError(f"engine.compile: a rule produced {type(x).__name__} {x!r}; rules compute with numbers and num.*")


class _Symbols:
    """The number system a rule runs on to write its own code: every ``num.<name>`` builds an ``_Expr``."""

    @staticmethod
    def where(condition: Any, if_true: Any, if_false: Any) -> Any:
        if not isinstance(condition, _Expr):  # decided by constants already: no code needed
            return if_true if condition else if_false
        a, b = _symbol(if_true), _symbol(if_false)
        return _Expr("where", condition, a, b, finite=a.finite and b.finite)

    @staticmethod
    def eq(a: Any, b: Any) -> Any:
        if not isinstance(a, _Expr) and not isinstance(b, _Expr):
            return a == b
        return _symbol(a)._binary("==", b)

    @staticmethod
    def sum(xs: Sequence[Any]) -> Any:
        return _Expr("sum", *map(_symbol, xs)) if xs else 0.0

    @staticmethod
    def dot(ws: Sequence[Any], xs: Sequence[Any], start: Any = 0.0) -> _Expr:
        return _Expr("dot", _symbol(start), tuple(map(_symbol, ws)), tuple(map(_symbol, xs)))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or not hasattr(FLOATS, name):
            raise AttributeError(f"the number systems have no function {name!r} (register it with @float_form)")
        float_form = getattr(FLOATS, name)

        def call(*args: Any) -> Any:
            if not any(isinstance(a, _Expr) for a in args):
                return float_form(*args)  # constants only: fold now
            return _Expr("call", name, *map(_symbol, args))

        return call


SYMBOLS = _Symbols()


def _render(
    expr: Any,
    ref: Callable[[Any], str],
    function: Callable[[str], str],
    arrays: bool = False,
    alias: dict[Any, Any] | None = None,
) -> str:
    """``expr`` as source text; ``ref(i)`` names node i's value, ``function(name)`` a ``num.<name>`` function.
    With ``arrays``, ``where`` is a function call. ``alias`` maps id(subexpression) to a name already computed
    (the node's own output, which its local derivatives often reuse: d exp = exp). Iterative: an
    expression can be as deep as a rule makes it, never as deep as the graph."""
    if not isinstance(expr, _Expr):
        expr = _symbol(expr)
    out: dict[int, str] = dict(alias or {})
    if id(expr) in out:
        return out[id(expr)]
    stack = [(expr, False)]
    while stack:
        node, ready = stack.pop()
        if id(node) in out and not ready:
            continue
        kids = _kids(node)
        if not ready:
            stack.append((node, True))
            stack.extend((kid, False) for kid in kids if id(kid) not in out)
            continue
        out[id(node)] = _render_one(node, [out[id(k)] for k in kids], ref, function, arrays)
    return out[id(expr)]


def _kids(node: _Expr) -> list[_Expr]:
    if node.kind in ("ref", "const"):
        return []
    if node.kind == "op":
        return [node.args[1], node.args[2]]
    if node.kind == "call":
        return list(node.args[1:])
    if node.kind == "dot":
        return [node.args[0], *node.args[1], *node.args[2]]
    return list(node.args)  # neg, where, sum


def _literal(x: float | bool) -> str:
    if isinstance(x, bool):
        return repr(x)
    text = repr(x)
    return f"({text})" if text.startswith("-") else text


def _render_one(
    node: _Expr, texts: list[str], ref: Callable[..., str], function: Callable[..., str], arrays: bool
) -> str:
    kind = node.kind
    if kind == "ref":
        return ref(node.args[0])
    if kind == "const":
        return _literal(node.args[0])
    if kind == "op":
        return f"({texts[0]} {node.args[0]} {texts[1]})"
    if kind == "neg":
        return f"(-{texts[0]})"
    if kind == "call":
        return f"{function(node.args[0])}({', '.join(texts)})"
    if kind == "where":
        if arrays:
            return f"{function('where')}({texts[0]}, {texts[1]}, {texts[2]})"
        return f"({texts[1]} if {texts[0]} else {texts[2]})"
    if kind == "sum":
        return "(" + " + ".join(texts) + ")"
    # dot: start + w1*x1 + w2*x2 ..., left to right as FLOATS.dot adds them
    n = len(node.args[1])
    start, ws, xs = texts[0], texts[1 : 1 + n], texts[1 + n :]
    return "(" + " + ".join([start, *(f"{w} * {x}" for w, x in zip(ws, xs))]) + ")"


# --- stage 1: trace --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Guard:
    """A Python decision ``fn`` took on a traced Value while tracing: ``kind`` is a comparison (``"<"``...) or
    ``"bool"``; ``left``/``right`` are Values or numbers; ``expected`` what it gave; ``site`` the file:line."""

    kind: str
    left: Any
    right: Any
    expected: bool
    site: str


@dataclass
class Traced:
    """What ``trace`` recorded: the output node, the input leaves in argument order, the params, the guards,
    the argument structure and the names of ``fn``'s arguments."""

    root: Value
    inputs: list[Value]
    params: list[Value]
    guards: list[Guard]
    structure: tuple[Any, ...]
    arg_names: list[str]


def _site() -> str:
    """file:line of the innermost frame outside the engine package (the user's line)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == _ENGINE_DIR:
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _structure(arg: Any, where: str) -> Any:
    """The shape of an argument: None for a number, a tuple of the items' shapes for a sequence."""
    if isinstance(arg, Value):
        raise TypeError(
            f"engine.compile: {where} is a Value; arguments are numbers or nested sequences of numbers "
            "(pass Values that should get gradients in params=)"
        )
    if isinstance(arg, numbers.Real) or (getattr(arg, "shape", None) == () and hasattr(arg, "dtype")):
        return None
    if isinstance(arg, (str, bytes)) or not hasattr(arg, "__iter__"):
        raise TypeError(
            f"engine.compile: {where} must be a number or a sequence of numbers, got {type(arg).__name__}: {arg!r}"
        )
    return tuple(_structure(item, f"{where}[{i}]") for i, item in enumerate(arg))


def _leaves(arg: Any, structure: Any, name: str, out: list[Value]) -> Any:
    if structure is None:
        leaf = Value(float(arg), name)
        out.append(leaf)
        return leaf
    return [_leaves(item, s, f"{name}[{i}]", out) for i, (item, s) in enumerate(zip(arg, structure))]


def _arg_names(fn: Callable[..., Any], count: int) -> list[str]:
    try:
        parameters = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters[:count]]
    return names + [f"arg{i}" for i in range(len(names), count)]


def trace(fn: Callable[..., Value], args: Sequence[Any], params: Sequence[Value]) -> Traced:
    """Run ``fn(*args)`` once on Values: each number of ``args`` becomes an input leaf (labelled from ``fn``'s
    argument names), and every Python decision on a traced Value becomes a ``Guard``. Reading a traced Value as a
    number (``.data``, ``float``, ``int``, ``round``, ``format``) raises ``TracingError`` naming the file:line."""
    structure = tuple(_structure(a, f"argument {i}") for i, a in enumerate(args))
    names = _arg_names(fn, len(args))
    inputs: list[Value] = []
    leaves = [_leaves(a, s, n, inputs) for a, s, n in zip(args, structure, names)]
    sources = set(inputs) | set(params)
    depends: dict[Value, bool] = {}
    guards: list[Guard] = []

    def traced(x: Any) -> bool:
        if not isinstance(x, Value):
            return False
        if x not in depends:
            _mark_dependence([x], sources, depends)
        return depends[x]

    def hook(kind: str, operands: tuple[Any, ...], result: Any) -> None:
        if not any(traced(x) for x in operands):
            return  # a decision on constants: the same on every replay
        if kind in _COMPARISONS or kind == "bool":
            left, right = operands[0], operands[1] if len(operands) > 1 else None
            guards.append(Guard(kind, left, right, bool(result), _site()))
            return
        what = ".data" if kind == "data" else f"{kind}()"
        raise TracingError(
            f"engine.compile: fn reads a traced Value as a plain number ({what}) at {_site()}; a compiled replay "
            f"cannot recompute a Python number. Compare Values instead (`if x > 0:` is guarded and retraced per "
            f"branch), or use an op (relu, abs, where), or pass the number as an argument."
        )

    previous, state.decision_hook = state.decision_hook, hook
    try:
        root = fn(*leaves)
    finally:
        state.decision_hook = previous
    if not isinstance(root, Value):
        if isinstance(root, numbers.Real):
            root = Value(float(root))
        else:
            raise TypeError(f"engine.compile: fn must return a Value (a scalar loss), got {type(root).__name__}")
    return Traced(root, inputs, list(params), guards, structure, names)


def _mark_dependence(roots: list[Value], sources: set[Any], depends: dict[Any, Any]) -> None:
    """depends[node] = whether node is, or is computed from, one of ``sources``; iterative, memoised."""
    stack = [(r, False) for r in roots]
    while stack:
        node, ready = stack.pop()
        if node in depends:
            continue
        if ready:
            depends[node] = node in sources or any(depends[c] for c in node._children)
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in node._children if c not in depends)


# --- stage 2: plan ---------------------------------------------------------------------------------


@dataclass
class Plan:
    """The traced graph, ready to emit.

    ``nodes`` in forward order (children first); ``kind[i]`` one of ``input param const uniform sample``;
    ``exprs[i] = (out, local_grads)`` written by the op's rule on ``SYMBOLS``; ``backward`` the nodes that pass a
    gradient on, in the order eager backward visits them; ``wants_grad[i]`` whether a param lies below node i;
    ``flagged`` the nodes whose local derivatives may be inf or nan (they need a "reached" flag, since eager passes
    0 × inf = nan on only from nodes the backward pass reached); ``names[i]`` the variable name of node i."""

    traced: Traced
    nodes: list[Value]
    index: dict[Value, int]
    kind: list[str]
    exprs: dict[int, tuple[Any, ...]]
    backward: list[int]
    wants_grad: list[bool]
    flagged: set[int]
    names: list[str]
    param_slot: dict[int, int]
    root: int
    guards: list[tuple[Any, ...]]  # (kind, left ref, right ref, expected, site): refs are node indices or ("const", x)
    big: bool = False
    tape: bool = False
    cache: dict[Any, Any] = field(default_factory=dict)


def _forward_order(roots: list[Value]) -> list[Value]:
    """Children before parents, every node reachable from ``roots`` once (the walk backward uses, not reversed)."""
    return _children_first(roots)


def _identifier(text: str, fallback: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_")
    if not name or not name.isascii():
        name = fallback
    if name[0].isdigit():
        name = "_" + name
    return name


_OP_NAMES = {
    "+": "add",
    "-": "sub",
    "*": "mul",
    "/": "div",
    "**": "pow",
    "Σ": "sum",
    "pow_constant": "pow",
    "rpow_constant": "rpow",
    "div_constant": "div",
}


def plan(traced: Traced, names: dict[str, Value] | None = None) -> Plan:
    """Order the traced graph and decide, per node: its kind, its code (the rule run on ``SYMBOLS``), whether it
    needs a gradient and a reached flag, and its variable name (from ``names``, then labels, then the op)."""
    guard_nodes = [g.left for g in traced.guards] + [g.right for g in traced.guards if isinstance(g.right, Value)]
    nodes = _forward_order([traced.root, *guard_nodes])
    index = {node: i for i, node in enumerate(nodes)}
    inputs, param_slot = set(traced.inputs), {}
    for slot, p in enumerate(traced.params):
        if p in index and index[p] not in param_slot and not p._children:
            param_slot[index[p]] = slot
    kind = []
    for i, node in enumerate(nodes):
        if not node._children:
            kind.append("input" if node in inputs else "param" if i in param_slot else "const")
        elif any(kind[index[c]] in ("input", "sample") for c in node._children):
            kind.append("sample")
        else:
            kind.append("uniform")
    # the code of each op node, written by its rule (none for a tape: it runs the rules on floats)
    tape = len(nodes) > TAPE_LIMIT
    exprs = {}
    for i, node in enumerate(nodes):
        if node._children and not tape:
            symbols = [
                _Expr("const", c._data, finite=math.isfinite(c._data))
                if kind[index[c]] == "const"
                else _Expr("ref", index[c])
                for c in node._children
            ]
            operation = cast(Op, node._operation)  # an interior node
            out, local_grads = operation.rule(SYMBOLS, *symbols, *operation.params)
            exprs[i] = (out, tuple(local_grads))
    wants_grad = [False] * len(nodes)
    for i, node in enumerate(nodes):
        wants_grad[i] = i in param_slot or any(wants_grad[index[c]] for c in node._children)
    # eager's backward order is _reverse_topological_order(root): the root's own walk, which is where ``nodes``
    # begins (the root is the walk's first root, and its last node), reversed; no second walk of the graph
    root = index[traced.root]
    backward = [i for i in range(root, -1, -1) if nodes[i]._children and wants_grad[i]]
    flagged = set() if tape else {i for i in backward if not all(_finite(local) for local in exprs[i][1])}
    # names
    given = {id(v): k for k, v in (names or {}).items() if isinstance(v, Value)}
    used = set(keyword.kwlist) | set(dir(builtins)) | set(dir(FLOATS)) | set(_NAMESPACE_NAMES)
    var_names = []
    for i, node in enumerate(nodes):
        if tape:
            break
        if id(node) in given:
            base = _identifier(given[id(node)], "p")
        elif node._label:
            base = _identifier(node._label, "v")
        elif node._children:
            name = cast(Op, node._operation).name
            base = _identifier(_OP_NAMES.get(name, name), "v") + f"_{i}"
        else:
            base = "c" if kind[i] == "const" else f"p{param_slot.get(i, i)}"
        name = base if base not in used else f"{base}_{i}"
        while name in used:
            name = f"{name}_"
        used.add(name)
        var_names.append(name)
    guards = []
    for g in traced.guards:
        if isinstance(g.right, Value):
            right = _ref_of(g.right, index, kind)
        else:
            right = ("const", None if g.right is None else float(g.right))
        guards.append((g.kind, _ref_of(g.left, index, kind), right, g.expected, g.site))
    return Plan(
        traced,
        nodes,
        index,
        kind,
        exprs,
        backward,
        wants_grad,
        flagged,
        var_names,
        param_slot,
        root,
        guards,
        big=len(nodes) > CODE_LIMIT,
        tape=tape,
    )


def _ref_of(node: Value, index: dict[Any, Any], kind: list[Any]) -> Any:
    i = index[node]
    return ("const", node._data) if kind[i] == "const" else i


def _finite(local: Any) -> bool:
    return local.finite if isinstance(local, _Expr) else math.isfinite(local)


# --- stage 3a: emit Python ---------------------------------------------------------------------------

_NAMESPACE_NAMES = ("inf", "nan", "Retrace", "P", "V", "G", "R", "GP", "samples", "seed", "total", "float")


@dataclass
class Program:
    """Generated code: ``run(samples, seed, P) -> (total, [grad per param])`` (or the total alone when
    forward-only), and its ``source``."""

    run: Callable[..., Any]
    source: str


def _namespace() -> dict[Any, Any]:
    namespace = {name: getattr(FLOATS, name) for name in dir(FLOATS) if not name.startswith("_")}
    namespace.update(inf=math.inf, nan=math.nan, Retrace=_Retrace, float=float, sum=builtins.sum)
    return namespace


def _sum_text(texts: list[str]) -> str:
    return "(" + " + ".join(texts) + ")" if len(texts) <= 8 else "sum((" + ", ".join(texts) + ",))"


def _sum_statements(target: str, terms: list[str], first: str) -> list[str]:
    """``target = first + t1 + t2 ...`` as statements of at most SUM_TERMS terms (same order of additions)."""
    lines, chunk = [], [first]
    for term in terms:
        chunk.append(term)
        if len(chunk) == SUM_TERMS:
            lines.append(f"{target} = {' + '.join(chunk)}")
            chunk = [target]
    if len(chunk) > 1 or not lines:
        lines.append(f"{target} = {' + '.join(chunk)}")
    return lines


def _fused_sums(p: Plan) -> tuple[dict[int, list[int]], set[int]]:
    """Chains of additions that only feed the next addition, as the builtin ``sum`` builds them
    (``((t0 + t1) + t2) + ...``), each fused into one sum of its terms: ``{top: terms}`` and the inner additions,
    which get no variable and no step of their own. The sum is written left to right, so it rounds as the chain does;
    the terms get the top's gradient (each addition passes its gradient on times 1, and skips a zero gradient as the
    top's one test does). Only inner additions that are the left operand of their one parent, not the root and not
    guarded are fused. Wide-sum's 100,000 terms: 41 -> 36 ms here, and the source reads as the sum it is."""
    parents: dict[int, int] = {}
    for node in p.nodes:
        for child in node._children:
            c = p.index[child]
            parents[c] = parents.get(c, 0) + 1
    guarded = {ref for g in p.guards for ref in (g[1], g[2]) if isinstance(ref, int)}

    def is_add(i: int) -> bool:
        operation = p.nodes[i]._operation
        return operation is not None and operation.name == "+" and len(p.nodes[i]._children) == 2

    absorbed = set()
    for i, node in enumerate(p.nodes):
        if is_add(i):
            first = p.index[node._children[0]]
            if is_add(first) and parents[first] == 1 and first != p.root and first not in guarded:
                absorbed.add(first)
    fused: dict[int, list[int]] = {}
    for i in range(len(p.nodes)):
        if is_add(i) and i not in absorbed and p.index[p.nodes[i]._children[0]] in absorbed:
            seconds, inner = [], i
            while inner == i or inner in absorbed:
                first, second = (p.index[c] for c in p.nodes[inner]._children)
                seconds.append(second)
                inner = first
            fused[i] = [inner, *reversed(seconds)]
    return fused, absorbed


class _PythonWriter:
    """Writes the statements of the Python program for one plan, named as locals (small graphs) or as list slots
    ``V[i]``/``G[i]``/``R[i]`` (big graphs, so that the program can be cut into chunks anywhere). The array programs
    (``arrays``) write their uniform part with it, always as locals: they are never chunked."""

    def __init__(self, p: Plan, arrays: bool = False) -> None:
        self.p = p
        self.slots = p.big and not arrays
        self.hoist = not self.slots  # uniform nodes computed once per call, outside the loop over samples
        self.params_in_array = False  # the array programs keep the params' gradients in GU[:n_params]
        self.call_checks: list[str] = []  # statements run once per call (finiteness of uniform local derivatives)
        self.sample_checks: dict[str, str] = {}  # per-sample finiteness tests shared by several nodes: text -> name
        self.sample_check_uses: dict[str, int] = {}
        self.fused, self.absorbed = _fused_sums(p) if self.slots else ({}, set())
        self.backward = [i for i in p.backward if i not in self.absorbed]
        self.single = self._single_parent()
        self.single_params = self._single_edge_params() if self.slots else set()

    def children(self, i: int) -> list[int]:
        """Node i's operands: its children, or for a fused sum its terms."""
        if i in self.fused:
            return self.fused[i]
        return [self.p.index[c] for c in self.p.nodes[i]._children]

    def exprs(self, i: int) -> tuple[Any, tuple[Any, ...]]:
        """Node i's (out, local_grads), as its rule wrote them; for a fused sum, Σ terms and a 1 per term."""
        if i not in self.fused:
            return cast(tuple[Any, tuple[Any, ...]], self.p.exprs[i])
        terms = self.fused[i]
        return SYMBOLS.sum([self._operand(t) for t in terms]), (1.0,) * len(terms)

    def _operand(self, i: int) -> _Expr:
        if self.p.kind[i] == "const":
            data = self.p.nodes[i]._data
            return _Expr("const", data, finite=math.isfinite(data))
        return _Expr("ref", i)

    def _single_edge_params(self) -> set[int]:
        """In the big-graph form, where each sample's params' gradients start in a fresh list (``GS``): the params
        that get their gradient from exactly one edge. Their one contribution is assigned, as for a single-parent
        node (-0.0 + g is g, bit for bit), which saves a list read and an addition per param (a wide sum has two
        params per term, each with one edge: 46 -> 41 ms here)."""
        p = self.p
        count: dict[int, int] = {}
        for i in self.backward:
            for c in self.children(i):
                if p.kind[c] == "param":
                    count[c] = count.get(c, 0) + 1
        return {c for c, n in count.items() if n == 1}

    def _single_parent(self) -> set[int]:
        """Interior nodes that get their gradient from exactly one edge, from a node of the same loop (per sample or
        per call): their gradient starts as None and the one contribution is assigned, as eager's first
        ``local * upstream`` is; "not None" then says the node was reached, with no separate flag."""
        p = self.p
        count: dict[int, int] = {}
        for i in self.backward:
            for c in self.children(i):
                if p.wants_grad[c] and p.nodes[c]._children:
                    count[c] = count.get(c, 0) + (1 if self.is_sample(c) == self.is_sample(i) else 2)
        return {c for c, n in count.items() if n == 1}

    def reset(self, i: int) -> list[str]:
        """The statements that start node i's gradient (and reached flag) for a pass."""
        if i in getattr(self, "is_nested", ()):
            return []
        if i in self.single:
            return [f"{self.grad(i)} = None"]
        return [f"{self.grad(i)} = -0.0"] + ([f"{self.flag(i)} = False"] if i in self.p.flagged else [])

    def value(self, i: int) -> str:
        p = self.p
        if p.kind[i] == "const":
            return _literal(p.nodes[i]._data)
        if self.slots:
            return f"P[{p.param_slot[i]}]" if p.kind[i] == "param" else f"V[{i}]"
        return p.names[i]

    def grad(self, i: int) -> str:
        if self.params_in_array and self.p.kind[i] == "param":
            return f"GU[{self.p.param_slot[i]}]"
        if self.slots:
            return f"GP[{self.p.param_slot[i]}]" if self.p.kind[i] == "param" else f"G[{i}]"
        return "g_" + self.p.names[i]

    def flag(self, i: int) -> str:
        return f"R[{i}]" if self.slots else "r_" + self.p.names[i]

    def render(self, expr: Any, node: int | None = None) -> str:
        """Source of ``expr``; inside node ``node``'s local derivatives its own output is its variable."""
        alias = None
        out = self.exprs(node)[0] if node is not None else None
        if isinstance(out, _Expr):
            alias = {id(out): self.value(cast(int, node))}
        return _render(expr, self.value, lambda name: name, alias=alias)

    def unpack_params(self) -> list[str]:
        """``w = P[0]``: the params' data bound to locals once per call."""
        params = sorted(self.p.param_slot, key=self.p.param_slot.__getitem__)
        if self.slots or not params:
            return []
        return [f"{self.value(i)} = P[{self.p.param_slot[i]}]" for i in params]

    def is_sample(self, i: int) -> bool:
        return self.p.kind[i] == "sample" or (not self.hoist and self.p.kind[i] == "uniform")

    def forward(self, i: int) -> list[str]:
        out = self.exprs(i)[0]
        target = self.value(i)
        if isinstance(out, _Expr) and out.kind in ("sum", "dot") and len(_kids(out)) > SUM_TERMS:
            if out.kind == "sum":
                terms = [self.render(t) for t in out.args]
                return _sum_statements(target, terms[1:], terms[0])
            terms = [f"{self.render(w)} * {self.render(x)}" for w, x in zip(out.args[1], out.args[2])]
            return _sum_statements(target, terms, self.render(out.args[0]))
        return [f"{target} = {self.render(out)}"]

    def forward_lines(self, nodes: list[int]) -> list[str]:
        """The forward statements of ``nodes`` (in order). A fused sum is added up in parts of SUM_TERMS - 1 terms, each
        right after the last term it reads: the terms stay locals of their chunk instead of all crossing chunks
        through ``V`` to one sum at the end."""
        placed: list[tuple[int, int, list[str]]] = [(i, 0, self.forward(i)) for i in nodes if i not in self.fused]
        for i in nodes:
            if i in self.fused:
                terms, target, after = self.fused[i], self.value(i), -1
                for start in range(0, len(terms), SUM_TERMS - 1):
                    group = terms[start : start + SUM_TERMS - 1]
                    texts = ([target] if start else []) + [self.render(self._operand(t)) for t in group]
                    after = max(after, *group)
                    placed.append((after, 1 + start, [f"{target} = {' + '.join(texts)}"]))
        placed.sort(key=lambda item: item[:2])
        return [line for _, _, lines in placed for line in lines]

    def guard(self, g: tuple[Any, ...]) -> str:
        kind, left, right, expected, site = g
        a = self.value(left) if isinstance(left, int) else _literal(left[1])
        if kind == "bool":
            test = a
        else:
            b = self.value(right) if isinstance(right, int) else _literal(right[1])
            test = f"{a} {kind} {b}"
        return f"if {'not ' if expected else ''}({test}): raise Retrace({site!r})"

    def nonfinite(self, i: int) -> str:
        """The test "some local derivative of node i is inf or nan", as eager's ``_passes_nothing`` makes it
        (0.0 * their sum != 0.0). In the per-sample program the derivatives that depend on the params only (a
        neuron's weights) are summed once per call, and a sum shared by several nodes (a layer's inputs) once per
        sample: the same test, but for finite terms whose sum overflows (then every product is 0 × finite anyway)."""
        local_grads = self.exprs(i)[1]
        texts = [self.render(x, i) for x in local_grads]
        if not self.hoist:
            return f"0.0 * {_sum_text(texts)} != 0.0"
        per_call = [t for x, t in zip(local_grads, texts) if not self._per_sample(x) and not _finite(x)]
        per_sample = [t for x, t in zip(local_grads, texts) if self._per_sample(x) and not _finite(x)]
        tests = []
        if per_call:
            name = f"nonfinite_{self.p.names[i]}"
            self.call_checks.append(f"{name} = 0.0 * {_sum_text(per_call)} != 0.0")
            tests.append(name)
        if per_sample:
            text = f"0.0 * {_sum_text(per_sample)} != 0.0"
            if len(per_sample) > 4:
                name = self.sample_checks.setdefault(text, f"nonfinite_{len(self.sample_checks)}")
                self.sample_check_uses[name] = self.sample_check_uses.get(name, 0) + 1
                text = name
            tests.append(text)
        return "(" + " or ".join(tests) + ")" if tests else "False"

    def _per_sample(self, expr: Any) -> bool:
        stack = [expr]
        while stack:
            node = stack.pop()
            if not isinstance(node, _Expr):
                continue
            if node.kind == "ref":
                i = node.args[0]
                if self.is_sample(i) or self.p.kind[i] == "input":
                    return True
            stack.extend(_kids(node))
        return False

    def plan_nesting(self, exclude: set[int]) -> None:
        """Nest the step of a single-parent node inside its parent's step (one level: never inside a nested one).
        There its gradient is known to be reached and assigned: no None to start from and no test for it. The step
        runs right after its parent's instead of at its place in eager's order, which is still an order where every
        node's gradient is complete before its step; contributions may add up in another order (rounding only)."""
        self.nested: dict[int, list[int]] = {}
        self.is_nested: set[int] = set()
        parent_of: dict[int, int] = {}
        for i in self.backward:
            for c in self.children(i):
                parent_of.setdefault(c, i)
        for c in self.backward:
            parent = parent_of.get(c)
            wide = len(self.children(c)) > SUM_TERMS  # its step is cut in groups (see passes): never nested
            if (
                c in self.single
                and c not in exclude
                and parent is not None
                and parent not in self.is_nested
                and not wide
            ):
                self.nested.setdefault(parent, []).append(c)
                self.is_nested.add(c)

    def passes(self, i: int, nested: bool = False, shared: str | None = None) -> list[str]:
        """The chain-rule step of node i: each child += upstream × local, skipped like eager's _passes_nothing;
        then the steps of the children nested in it (see plan_nesting).

        In the big-graph form a nested child whose local derivative is 1 (a term of a sum) shares its parent's
        gradient variable (``shared``), known to be nonzero there: no copy and no test of its own (wide-sum, whose
        products are such terms: 36 -> 30 ms here)."""
        p = self.p
        out_expr, local_grads = self.exprs(i)
        upstream = shared or self.grad(i)
        if i in p.flagged:
            if i == p.root or nested:  # reached for sure
                head = f"if {upstream} or {self.nonfinite(i)}:"
            else:
                reached = f"{upstream} is not None" if i in self.single else self.flag(i)
                head = f"if {upstream} or {reached} and {self.nonfinite(i)}:"
        else:
            head = f"if {upstream}:"
        nested_children = getattr(self, "nested", {}).get(i, [])
        nested_set = set(nested_children)
        nonzero = self.slots and (i not in p.flagged or shared is not None)  # upstream is nonzero in the body
        sharing: set[int] = set()
        items: list[tuple[int, list[str]]] = []  # per child: (child, its contribution)
        for c, local in zip(self.children(i), local_grads):
            if not p.wants_grad[c]:
                continue
            target = self.grad(c)
            if nonzero and c in nested_set and not isinstance(local, _Expr) and local == 1.0:
                sharing.add(c)
                items.append((c, []))
                continue
            if c in self.single or c in self.single_params:  # its only contribution: assigned
                if not isinstance(local, _Expr) and local == 1.0:
                    items.append((c, [f"{target} = {upstream}"]))
                elif not isinstance(local, _Expr) and local == -1.0:
                    items.append((c, [f"{target} = -{upstream}"]))
                else:
                    items.append((c, [f"{target} = {upstream} * {self.render(local, i)}"]))
                continue
            if not isinstance(local, _Expr) and local == 1.0:
                items.append((c, [f"{target} += {upstream}"]))
            elif not isinstance(local, _Expr) and local == -1.0:
                items.append((c, [f"{target} -= {upstream}"]))
            else:
                items.append((c, [f"{target} += {upstream} * {self.render(local, i)}"]))
            if c in p.flagged:
                items[-1][1].append(f"{self.flag(c)} = True")
        steps = {c: self.passes(c, True, upstream if c in sharing else None) for c in nested_children}
        if len(items) > SUM_TERMS and not nested and i not in p.flagged:
            return self._grouped(head, items, steps)
        body = [line for _, lines in items for line in lines] + [line for step in steps.values() for line in step]
        if shared is not None:
            return body
        return [head, *("    " + line for line in body)] if body else []

    @staticmethod
    def _grouped(head: str, items: list[tuple[int, list[str]]], steps: dict[int, list[str]]) -> list[str]:
        """A wide node's step (a long sum) as one ``if`` per SUM_TERMS children, each followed by the steps nested in
        those children (a single-parent child is complete once assigned): the big-graph form cuts code into chunks
        only between top-level statements. Repeating the test repeats the same decision."""
        lines: list[str] = []
        for start in range(0, len(items), SUM_TERMS):
            group = items[start : start + SUM_TERMS]
            body = [line for _, contribution in group for line in contribution]
            body += [line for c, _ in group for line in steps.pop(c, [])]
            lines += [head, *("    " + line for line in body)]
        return lines

    def top_level(self, nodes: list[int]) -> list[int]:
        """The nodes whose steps are not nested in another's."""
        nested: set[int] = getattr(self, "is_nested", set())
        return [i for i in nodes if i not in nested]


def emit_python(p: Plan, with_grad: bool = True) -> Program:
    """Straight-line Python for ``p``: ``run(samples, seed, P)``. The params' data ``P`` are bound once, the
    uniform nodes computed once, then for each sample (a tuple of ``fn``'s arguments): the forward lines, the guards
    (a failed one raises ``_Retrace``), and the reverse lines; the uniform nodes' reverse lines come last.

    Graphs of more than ``CODE_LIMIT`` nodes keep values in lists and are cut into functions of
    ``CHUNK_STATEMENTS`` statements, so that ``compile()`` never holds more than one chunk (a 1,000,000-link chain
    as one function would need about 9 GB) and no Python recursion grows with the graph."""
    w = _PythonWriter(p)
    w.plan_nesting(set())
    order = range(len(p.nodes))
    uniform_fwd = [i for i in order if p.kind[i] == "uniform" and not w.is_sample(i)]
    sample_fwd = [
        i for i in order if p.kind[i] != "const" and p.nodes[i]._children and w.is_sample(i) and i not in w.absorbed
    ]
    sample_guards = [g for g in p.guards if _guard_is_sample(g, w)]
    uniform_guards = [g for g in p.guards if not _guard_is_sample(g, w)]
    sample_back = [i for i in w.backward if w.is_sample(i)]
    uniform_back = [i for i in w.backward if not w.is_sample(i)]
    root = p.root

    prelude, loop_head, body_fwd, body_back, epilogue = w.unpack_params(), [], [], [], []
    for i in uniform_fwd:
        prelude += w.forward(i)
    prelude += [w.guard(g) for g in uniform_guards]
    if with_grad:
        held = [
            i
            for i in order
            if p.wants_grad[i]
            and (p.kind[i] == "param" or not w.is_sample(i))
            and p.kind[i] != "const"
            and (p.kind[i] == "param" or p.nodes[i]._children)
        ]
        if not w.slots:
            prelude += [
                line for i in held for line in ([f"{w.grad(i)} = -0.0"] if p.kind[i] == "param" else w.reset(i))
            ]
    prelude.append("total = 0.0")
    # the loop over samples: unpack each sample into the input leaves
    inputs = iter(p.traced.inputs)
    patterns = [_pattern(s, inputs, p, w) for s in p.traced.structure]
    loop_head.append(f"for {', '.join(patterns)}, in samples:" if patterns else "for _ in samples:")
    in_graph = [p.index[x] for x in p.traced.inputs if x in p.index]
    body_fwd += [f"{w.value(i)} = float({w.value(i)})" for i in in_graph] if not w.slots else []
    body_fwd += w.forward_lines(sample_fwd)
    body_fwd += [w.guard(g) for g in sample_guards]
    body_fwd.append(f"total += {w.value(root)}")
    if with_grad and p.wants_grad[root]:
        resets = [i for i in sample_back if i != root]
        if not w.slots:
            body_back += [line for i in resets for line in w.reset(i)]
        if w.is_sample(root):
            body_back.append(f"{w.grad(root)} = seed")
        else:
            body_back.append(f"{w.grad(root)} += seed")
            if root in p.flagged:
                body_back.append(f"{w.flag(root)} = True")
        for i in w.top_level(sample_back):
            body_back += w.passes(i)
        for i in w.top_level(uniform_back):
            epilogue += w.passes(i)
        shared = [
            f"{name} = {text}" if w.sample_check_uses[name] > 1 else None for text, name in w.sample_checks.items()
        ]
        start = sum(len(w.reset(i)) for i in resets) if not w.slots else 0
        body_back[start:start] = [line for line in shared if line]
        for text, name in w.sample_checks.items():  # used once: inline it again
            if w.sample_check_uses[name] == 1:
                body_back = [line.replace(name, text) for line in body_back]
        prelude[-1:-1] = w.call_checks
    result = (
        "total, [" + ", ".join(w.grad(i) if i is not None else "0.0" for i in _param_nodes(p)) + "]"
        if with_grad
        else "total"
    )
    if not w.slots:
        lines = ["def run(samples, seed, P):", *("    " + x for x in prelude)]
        lines += ["    " + loop_head[0]]
        lines += ["        " + x for x in body_fwd + body_back]
        lines += ["    " + x for x in epilogue]
        lines.append(f"    return {result}")
        source = "\n".join(lines) + "\n"
        namespace = _namespace()
        exec(builtins.compile(source, "<engine.compile>", "exec"), namespace)  # noqa: S102 - our own generated code
        return Program(namespace["run"], source)
    return _chunked(p, w, prelude, patterns, body_fwd, body_back, epilogue, result, with_grad)


def _param_nodes(p: Plan) -> list[int | None]:
    slot_to_node: dict[int, int] = {slot: i for i, slot in p.param_slot.items()}
    return [slot_to_node.get(slot) for slot in range(len(p.traced.params))]


def _guard_is_sample(g: tuple[Any, ...], w: _PythonWriter) -> bool:
    return any(
        isinstance(ref, int) and w.is_sample(ref) or isinstance(ref, int) and w.p.kind[ref] == "input"
        for ref in (g[1], g[2])
    )


def _pattern(structure: Any, inputs: Any, p: Plan, w: _PythonWriter) -> str:
    if structure is None:
        leaf = next(inputs)
        return w.value(p.index[leaf]) if leaf in p.index else "_"
    if not structure:
        return "[]"
    return "[" + ", ".join(_pattern(s, inputs, p, w) for s in structure) + "]"


_SLOT = re.compile(r"\b(GP|V|G|R|P)\[(\d+)\]")
_TARGET = re.compile(r"^\s*(GP|V|G|R)\[(\d+)\] (?:=|\+=|-=) ")
_LOCAL_PREFIX = {"GP": "gp", "V": "v", "G": "g", "R": "r", "P": "p"}


def _blocks(statements: list[str]) -> list[list[str]]:
    """Statements cut into blocks of about CHUNK_STATEMENTS, never inside an ``if`` body (indented lines)."""
    blocks: list[list[str]] = [[]]
    for line in statements:
        if len(blocks[-1]) >= CHUNK_STATEMENTS and not line.startswith(" "):
            blocks.append([])
        blocks[-1].append(line)
    return [b for b in blocks if b]


def _localised(block: list[str], shared: Callable[[tuple[Any, ...]], bool], single: set[int]) -> list[str]:
    """A block's statements with its list slots as locals: slots other blocks (or the driver) use are loaded at the
    start and stored at the end; gradients and flags only this block uses start at -0.0 (None for a single-parent
    node) and False. A slot the block uses once stays a list item (a load and a store would cost more)."""
    keys: dict[tuple[Any, ...], int] = {}
    written: set[tuple[Any, ...]] = set()
    for line in block:
        for kind, index in _SLOT.findall(line):
            keys[kind, int(index)] = keys.get((kind, int(index)), 0) + 1
        target = _TARGET.match(line)
        if target:
            written.add((target[1], int(target[2])))
    head, tail = [], []
    for key, uses in list(keys.items()):
        name = f"{_LOCAL_PREFIX[key[0]]}{key[1]}"
        if uses == 1 and (key[0] in ("P", "V", "GP") or shared(key)):
            del keys[key]
        elif key[0] == "P" or shared(key):
            head.append(f"{name} = {key[0]}[{key[1]}]")
            if key in written:
                tail.append(f"{key[0]}[{key[1]}] = {name}")
        elif key[0] == "G":
            head.append(f"{name} = {'None' if key[1] in single else '-0.0'}")
        elif key[0] == "R":
            head.append(f"{name} = False")

    def local(m: re.Match[str]) -> str:
        return f"{_LOCAL_PREFIX[m[1]]}{m[2]}" if (m[1], int(m[2])) in keys else m[0]

    body = [_SLOT.sub(local, line) for line in block]
    return head + body + tail


def _chunked(
    p: Plan,
    w: _PythonWriter,
    prelude: list[Any],
    patterns: list[Any],
    body_fwd: list[Any],
    body_back: list[Any],
    epilogue: list[Any],
    result: str,
    with_grad: bool,
) -> Program:
    """The big-graph form (see emit_python): the statements, written with list slots ``V[i]`` (values), ``G[i]``
    (gradients), ``R[i]`` (reached flags), ``GP[k]`` (the sample's params' gradients), are cut into functions of about
    CHUNK_STATEMENTS; inside each, slots become locals and only what crosses a chunk goes through the lists. A small
    driver calls the chunks for each sample."""
    namespace = _namespace()
    sources: list[str] = []
    phases = {
        "prelude": _blocks([x for x in prelude if x != "total = 0.0"]),
        "forward": _blocks([x for x in body_fwd if not x.startswith("total +=")]),
        "backward": _blocks(body_back) if with_grad else [],
    }
    assert not epilogue, "the big-graph form computes every node per sample (no hoisting): no per-call epilogue"
    users: dict[tuple[Any, ...], int] = {}  # slot -> number of blocks using it (2 means "more than one")
    for blocks in phases.values():
        for block in blocks:
            for key in {(kind, int(index)) for line in block for kind, index in _SLOT.findall(line)}:
                users[key] = min(users.get(key, 0) + 1, 2)
    external = {("V", p.root)} | {("V", p.index[x]) for x in p.traced.inputs if x in p.index}

    def shared(key: tuple[Any, ...]) -> bool:
        return key[0] == "GP" or users.get(key, 0) > 1 or key in external

    made: dict[str, list[Callable[..., Any]]] = {}
    for tag, blocks in phases.items():
        made[tag] = []
        for k, block in enumerate(blocks):
            name = f"{tag}_{k}"
            lines = _localised(block, shared, w.single)
            text = f"def {name}(V, G, R, GP, P, seed):\n" + "".join(f"    {x}\n" for x in lines)
            if len(sources) < 3:
                sources.append("".join(text.splitlines(keepends=True)[:25]) + "    ...\n")
            exec(builtins.compile(text, f"<engine.compile {name}>", "exec"), namespace)  # noqa: S102
            made[tag].append(namespace.pop(name))
    prelude_chunks, forward_chunks = made["prelude"], made["forward"]
    backward_chunks = made["backward"]
    # the sample's input leaves: the driver unpacks them with the same pattern into V slots
    unpack_text = "def unpack(sample, V):\n    " + (", ".join(patterns) + ", = sample\n" if patterns else "pass\n")
    unpack_text += "".join(f"    V[{p.index[x]}] = float(V[{p.index[x]}])\n" for x in p.traced.inputs if x in p.index)
    exec(builtins.compile(unpack_text, "<engine.compile unpack>", "exec"), namespace)  # noqa: S102
    unpack = namespace["unpack"]
    count = len(p.nodes)
    root, root_kind = p.root, p.kind[p.root]
    fresh_grads = [None if i in w.single else -0.0 for i in range(count)]
    flags = any(users.get(("R", i), 0) > 1 for i in p.flagged)  # a flag that crosses chunks needs the list

    def run(samples: Any, seed: float, P: list[Any]) -> Any:
        V: list[Any] = [0.0] * count
        GP: list[Any] | None = None  # the params' gradients, summed over the samples
        total = 0.0
        for chunk in prelude_chunks:
            chunk(V, None, None, None, P, seed)
        G: list[Any] = []
        R: list[Any] = []
        for sample in samples:
            unpack(sample, V)
            for chunk in forward_chunks:
                chunk(V, G, R, None, P, seed)
            if root_kind == "const":
                total += p.nodes[root]._data
            else:
                total += P[p.param_slot[root]] if root_kind == "param" else V[root]
            if with_grad:
                G = fresh_grads.copy()
                R = [False] * count if flags else R
                GS = [-0.0] * len(P)  # this sample's params' gradients: the chunks' GP
                for chunk in backward_chunks:
                    chunk(V, G, R, GS, P, seed)
                GP = GS if GP is None else list(map(operator.add, GP, GS))
        if not with_grad:
            return total
        return total, GP if GP is not None else [-0.0] * len(P)  # a param the graph does not reach keeps -0.0

    source = (
        f"# {count:,} nodes, more than CODE_LIMIT: values in lists V, G, R, GP, the code cut into chunks of "
        f"about {CHUNK_STATEMENTS} statements; the first few:\n" + "\n".join(sources) + f"# root: V[{root}]\n"
    )
    return Program(run, source)


def emit_tape(p: Plan) -> Program:
    """The replay of graphs past ``TAPE_LIMIT`` nodes: no generated code, a flat tape of (node, rule, children)
    run by two loops: forward (each op's rule on floats, as eager) and reverse (eager's chain rule and skip, over
    eager's order). About 150 ns per node backward here; ``run(samples, seed, P, with_grad=True)``."""
    count = len(p.nodes)
    base = [node._data if p.kind[i] == "const" else 0.0 for i, node in enumerate(p.nodes)]
    # The tape is columns (parallel lists, zipped) rather than a tuple per node, and every index is the index dict's
    # own int object: at 1,000,000 links a tuple per node and its tuple of children cost about 0.45 GiB more.
    at = list(p.index.values())  # at[i] is i
    ops = [(at[i], node) for i, node in enumerate(p.nodes) if node._children]
    outs = [i for i, _ in ops]
    rules = [cast(Op, node._operation).rule for _, node in ops]
    constants = [cast(Op, node._operation).params for _, node in ops]
    # operands: (first, second) for two children, (child, None) for one, (tuple of all, None) for more
    firsts = [_first_operand(node, p.index) for _, node in ops]
    seconds = [p.index[node._children[1]] if len(node._children) == 2 else None for _, node in ops]
    del ops
    # reverse: per node that passes a gradient on, its first child that wants one (and that child's position among
    # the local derivatives), then the others as (child, position) pairs
    back: tuple[list[Any], list[Any], list[Any], list[Any]] = ([], [], [], [])
    for i in p.backward:
        kids = [(p.index[c], k) for k, c in enumerate(p.nodes[i]._children) if p.wants_grad[p.index[c]]]
        if kids:
            for column, item in zip(back, (i, kids[0][0], kids[0][1], tuple(kids[1:]))):
                column.append(item)
    params = [(i, slot) for i, slot in p.param_slot.items()]
    inputs = [p.index.get(x, -1) for x in p.traced.inputs]
    structure, root, guards = p.traced.structure, p.root, p.guards
    compare = {"<": float.__lt__, "<=": float.__le__, ">": float.__gt__, ">=": float.__ge__}

    def value(ref: Any, V: list[Any]) -> Any:
        return V[ref] if isinstance(ref, int) else ref[1]

    def run(samples: Any, seed: float, P: list[Any], with_grad: bool = True) -> Any:
        V = base.copy()
        for i, slot in params:
            V[i] = P[slot]
        GP = [-0.0] * len(P)
        total = 0.0
        for sample in samples:
            for i, x in zip(inputs, _flatten(sample, structure)):
                if i >= 0:
                    V[i] = float(x)
            LG: list[Any] = [None] * count
            for i, rule, first, second, params_of_op in zip(outs, rules, firsts, seconds, constants):
                if second is not None:  # the common cases without building an argument list
                    V[i], LG[i] = rule(FLOATS, V[first], V[second], *params_of_op)
                elif first.__class__ is int:
                    V[i], LG[i] = rule(FLOATS, V[first], *params_of_op)
                else:
                    V[i], LG[i] = rule(FLOATS, *[V[c] for c in first], *params_of_op)
            for kind, left, right, expected, site in guards:
                a = value(left, V)
                decided = bool(a) if kind == "bool" else compare[kind](float(a), float(value(right, V)))
                if decided != expected:
                    raise _Retrace(site)
            total += V[root]
            if not with_grad:
                continue
            G: list[Any] = [None] * count
            G[root] = seed
            for i, c, k, rest in zip(*back):
                g = G[i]
                if g is None:
                    continue
                lg = LG[i]
                if not g and 0.0 * builtins.sum(lg) == 0.0:  # eager's _passes_nothing
                    continue
                before = G[c]
                G[c] = lg[k] * g if before is None else before + lg[k] * g
                for c, k in rest:
                    before = G[c]
                    G[c] = lg[k] * g if before is None else before + lg[k] * g
            for i, slot in params:
                if G[i] is not None:
                    GP[slot] += G[i]
        return (total, GP) if with_grad else total

    source = (
        f"# {count:,} nodes, more than TAPE_LIMIT ({TAPE_LIMIT:,}): no generated code; a flat tape of "
        f"{len(outs):,} op nodes replayed by engine.compile.emit_tape's two loops\n"
    )
    return Program(run, source)


def _first_operand(node: Value, index: dict[Value, int]) -> Any:
    """A tape node's first child's index, or for three children or more a tuple of all their indices."""
    count = len(node._children)
    return index[node._children[0]] if count <= 2 else tuple(index[c] for c in node._children)


def _flatten(sample: Any, structure: tuple[Any, ...]) -> list[Any]:
    out: list[Any] = []
    stack = [(sample, structure)]
    while stack:
        item, shape = stack.pop()
        if shape is None:
            out.append(item)
        else:
            stack.extend(reversed(list(zip(item, shape))))
    return out


# --- stage 3b: emit arrays (numpy, torch) ------------------------------------------------------------


class _Backend:
    """The array functions the batched program calls, for one library (numpy or torch)."""

    def __init__(self, name: str, device: Any = None) -> None:
        self.name = name
        if name == "numpy":
            try:
                import numpy as np
            except ImportError:
                raise ImportError(
                    "engine.compile(backend='numpy') needs numpy: pip install 'chainrule[numpy]' (or pip install numpy)"
                ) from None
            self.np = np
            self.functions: dict[str, Callable[..., Any]] = _numpy_functions(np)
        else:
            try:
                import torch
            except ImportError:
                raise ImportError("engine.compile(backend='torch') needs torch: pip install torch") from None
            self.torch = torch
            self.device = torch.device(device) if device is not None else torch.device("cpu")
            self.functions = _torch_functions(torch, self.device)

    def function(self, name: str) -> Callable[..., Any]:
        if name not in self.functions:
            self.functions[name] = self._vectorised(name)
        return self.functions[name]

    def _vectorised(self, name: str) -> Callable[..., Any]:
        """A ``FLOATS`` function the library lacks, applied elementwise (slow, but the same numbers)."""
        float_form = getattr(FLOATS, name)
        if self.name == "numpy":
            np = self.np
            return lambda *args: np.frompyfunc(float_form, len(args), 1)(*args).astype(np.float64)
        import numpy as np  # torch's CPU tensors convert to numpy; the slow, exact fallback runs there

        torch, device = self.torch, self.device

        def call(*args: Any) -> Any:
            arrays = [a.cpu().numpy() if isinstance(a, torch.Tensor) else a for a in args]
            out = np.frompyfunc(float_form, len(args), 1)(*arrays).astype(np.float64)
            return torch.as_tensor(out, device=device)

        return call


def _numpy_functions(np: Any) -> dict[Any, Any]:
    def sigmoid(x: Any) -> Any:
        e = np.exp(x)
        return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), e / (1.0 + e))  # FLOATS.sigmoid's two forms

    def softplus(x: Any) -> Any:
        return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))

    def vector(values: list[Any]) -> Any:
        return np.array(values, dtype=np.float64)

    def inputs(columns: Sequence[Any], n: int) -> Any:
        blocks = [np.asarray(column, dtype=np.float64).reshape(n, -1) for column in columns]
        return np.ascontiguousarray(np.concatenate(blocks, axis=1).T)

    return {
        "isfinite": np.isfinite,
        "exp": np.exp,
        "log": np.log,
        "sqrt": np.sqrt,
        "sin": np.sin,
        "cos": np.cos,
        "tanh": np.tanh,
        "abs": np.abs,
        "div": np.true_divide,
        "pow": np.power,
        "sigmoid": sigmoid,
        "softplus": softplus,
        "where": np.where,
        "vector": vector,
        "inputs": inputs,
        "zeros": np.zeros,
        "index": np.array,
        "add_at": np.add.at,
        "concat": np.concatenate,
        "all": lambda x: bool(np.all(x)),
        "total": lambda x: float(x.sum()),
    }


def _torch_functions(torch: Any, device: Any) -> dict[Any, Any]:
    f64 = torch.float64

    def sigmoid(x: Any) -> Any:
        e = torch.exp(x)
        return torch.where(x >= 0, 1.0 / (1.0 + torch.exp(-x)), e / (1.0 + e))

    def softplus(x: Any) -> Any:
        return torch.clamp_min(x, 0.0) + torch.log1p(torch.exp(-torch.abs(x)))

    def where(c: Any, a: Any, b: Any) -> Any:
        return torch.where(c, a, b)

    def power(a: Any, b: Any) -> Any:
        return a**b

    def inputs(columns: Sequence[Any], n: int) -> Any:
        blocks = [torch.as_tensor(column, dtype=f64).reshape(n, -1) for column in columns]
        return torch.cat(blocks, dim=1).T.contiguous().to(device)

    def add_at(target: Any, index: Any, values: Any) -> None:
        target.index_put_((index,), values, accumulate=True)

    return {
        "isfinite": torch.isfinite,
        "exp": torch.exp,
        "log": torch.log,
        "sqrt": torch.sqrt,
        "sin": torch.sin,
        "cos": torch.cos,
        "tanh": torch.tanh,
        "abs": torch.abs,
        "div": lambda a, b: a / b,
        "pow": power,
        "sigmoid": sigmoid,
        "softplus": softplus,
        "where": where,
        "vector": lambda v: torch.tensor(v, dtype=f64, device=device),
        "inputs": inputs,
        "zeros": lambda shape: torch.zeros(shape, dtype=f64, device=device),
        "index": lambda v: torch.tensor(v, dtype=torch.long, device=device),
        "add_at": add_at,
        "concat": torch.cat,
        "all": lambda x: bool(torch.all(x)),
        "total": lambda x: float(x.sum()),
    }


@dataclass
class _Step:
    """One array statement: ``members`` (node indices) computed together as a (len(members), n) block."""

    members: list[int]
    dot: bool
    sources: list[Any]  # per operand: ("block", step, rows) | ("uniform", [U positions]) ; dot: see _array_steps
    swapped: bool = False


def _array_steps(p: Plan) -> tuple[list[_Step], dict[int, tuple[int, int]], list[int]] | None:
    """Group the per-sample nodes into array steps: same level, same op and constants, operands from the same
    blocks; dot nodes sharing one input tuple become one matrix product. Returns (steps, {node: (step, row)},
    the non-param uniform nodes in U, after the params), or None when the graph has no per-sample part or too
    many steps."""
    level: dict[int, int] = {}
    place: dict[int, tuple[int, int]] = {}
    upos: dict[int, int] = {}
    uniform: list[int] = []  # the non-param uniform and constant nodes the steps read, after the params in U
    n_params = len(p.traced.params)

    def u(i: int) -> int:
        if p.kind[i] == "param":
            return p.param_slot[i]
        if i not in upos:
            upos[i] = n_params + len(uniform)
            uniform.append(i)
        return upos[i]

    rows = [p.index.get(x, -1) for x in p.traced.inputs]  # B0 holds every input, in argument order
    steps: list[_Step] = [_Step(rows, False, [])]
    for row, i in enumerate(rows):
        if i >= 0:
            place[i], level[i] = (0, row), 0
    if not any(i >= 0 for i in rows):
        return None
    step_level = [0]
    groups: dict[tuple[Any, ...], int] = {}
    for i, node in enumerate(p.nodes):
        if p.kind[i] != "sample":
            continue
        children = [p.index[c] for c in node._children]
        lv = 1 + max(level[c] for c in children if c in level)
        level[i] = lv
        operation = cast(Op, node._operation)
        key: tuple[Any, ...]
        if operation.name == "dot" and len(children) >= 2:
            n = len(children) // 2
            ws, xs, bias = children[:n], children[n : 2 * n], children[2 * n :]
            batched = [c in place for c in ws], [c in place for c in xs]
            if all(batched[1]) and not any(batched[0]) and not any(c in place for c in bias):
                key = ("dot", lv, tuple(xs), len(bias), False)
            elif all(batched[0]) and not any(batched[1]) and not any(c in place for c in bias):
                key = ("dot", lv, tuple(ws), len(bias), True)
            else:
                key = None  # type: ignore[assignment]
            if key is not None:
                if key not in groups:
                    groups[key] = len(steps)
                    steps.append(_Step([], True, [], swapped=key[4]))
                    step_level.append(lv)
                s = groups[key]
                place[i] = (s, len(steps[s].members))
                steps[s].members.append(i)
                continue
        signature = tuple(("b", place[c][0]) if c in place else ("u",) for c in children)
        key = ("op", lv, operation.name, operation.params, signature)
        if key not in groups:
            groups[key] = len(steps)
            steps.append(_Step([], False, []))
            step_level.append(lv)
        s = groups[key]
        place[i] = (s, len(steps[s].members))
        steps[s].members.append(i)
    if len(steps) > ARRAY_STEP_LIMIT or p.kind[p.root] != "sample":
        return None
    # a step runs after every step of a lower level (a later member may use a step made after its own)
    order = sorted(range(len(steps)), key=lambda s: (step_level[s], s))
    renumber = {old: new for new, old in enumerate(order)}
    steps = [steps[old] for old in order]
    place = {i: (renumber[s], row) for i, (s, row) in place.items()}
    for step in steps[1:]:
        first = p.nodes[step.members[0]]
        if step.dot:
            n = len(first._children) // 2
            batched_side = slice(n, 2 * n) if not step.swapped else slice(0, n)
            weight_side = slice(0, n) if not step.swapped else slice(n, 2 * n)
            xs = [p.index[c] for c in first._children[batched_side]]
            weights = [[u(p.index[c]) for c in p.nodes[m]._children[weight_side]] for m in step.members]
            biases = [[u(p.index[c]) for c in p.nodes[m]._children[2 * n :]] for m in step.members]
            step.sources = [_rows(xs, place), weights, [b[0] for b in biases] if biases and biases[0] else None]
            continue
        for k in range(len(first._children)):
            operand = [p.index[p.nodes[m]._children[k]] for m in step.members]
            if operand[0] in place:
                step.sources.append(_rows(operand, place))
            else:
                step.sources.append(("uniform", [u(c) for c in operand]))
    return steps, place, uniform


def _rows(nodes: list[int], place: dict[Any, Any]) -> tuple[Any, ...]:
    """Where a list of per-sample nodes lives: ("block", step, rows) when all in one step, else ("concat", parts)."""
    parts: list[tuple[int, list[int]]] = []
    for c in nodes:
        s, row = place[c]
        if parts and parts[-1][0] == s:
            parts[-1][1].append(row)
        else:
            parts.append((s, [row]))
    if len(parts) == 1:
        return ("block", parts[0][0], parts[0][1])
    return ("concat", parts)


def emit_arrays(p: Plan, backend: _Backend, with_grad: bool = True) -> Program | None:
    """The batched program for numpy or torch: ``run(columns, seed, P)``, one array statement per step (see
    ``_array_steps``), the uniform nodes computed once as Python floats. None when the graph does not batch (no
    per-sample part, or a chain too long for array steps): then ``batch`` replays the Python program.

    The gradient is computed without eager's zero-gradient skip (every sample at once); the caller checks that
    the value and the gradients are finite, and replays the exact Python program otherwise, so nan and inf come
    out exactly where eager puts them."""
    grouped = _array_steps(p)
    if grouped is None:
        return None
    steps, place, uniform = grouped
    w = _PythonWriter(p, arrays=True)
    namespace = _namespace()
    constants: dict[str, Any] = {}

    def constant(prefix: str, values: Any, kind: str = "index") -> str:
        name = f"{prefix}{len(constants)}"
        constants[name] = backend.function(kind)(values)
        return name

    def fn(name: str) -> str:
        key = "fn_" + name
        namespace[key] = backend.function(name)
        return key

    def rows_text(source: tuple[Any, ...]) -> str:
        if source[0] == "block":
            _, s, rows = source
            if rows == list(range(len(steps[s].members))):
                return f"B{s}"
            return f"B{s}[{constant('i', rows)}]"
        return f"{fn('concat')}([" + ", ".join(rows_text(("block", s, r)) for s, r in source[1]) + "])"

    lines = ["def run(columns, seed, P):"]
    # the uniform nodes: wide sums and dots of params (an L2 penalty) as one array op, the rest as Python floats
    n_params = len(p.traced.params)
    wide = {i for i in range(len(p.nodes)) if p.kind[i] == "uniform" and _is_wide_of_params(p, i)}
    scalar = [i for i in range(len(p.nodes)) if p.kind[i] == "uniform" and i not in wide]
    read = {p.index[c] for i in scalar for c in p.nodes[i]._children}
    read |= {r for g in p.guards for r in (g[1], g[2]) if isinstance(r, int)}
    body: list[str] = [f"PV = {fn('vector')}(P)"]
    body += [f"{w.value(i)} = P[{p.param_slot[i]}]" for i in sorted(read) if p.kind[i] == "param"]
    for i in range(len(p.nodes)):
        if i in wide:
            body.append(f"{w.value(i)} = {_wide_forward(p, i, constant)}")
        elif p.kind[i] == "uniform":
            body += w.forward(i)
    body += [w.guard(g) for g in p.guards if not _guard_is_sample(g, w)]
    extra = ", ".join(w.value(i) for i in uniform)
    body.append(f"U = {fn('concat')}([PV, {fn('vector')}([{extra}])])" if uniform else "U = PV")
    body.append("n = len(columns[0])")
    body.append(f"B0 = {fn('inputs')}(columns, n)")
    operand_names: dict[tuple[int, int], str] = {}
    for s, step in enumerate(steps[1:], start=1):
        if step.dot:
            x_source, weights, bias = step.sources
            body.append(f"X{s} = {rows_text(x_source)}")
            body.append(f"W{s} = U[{constant('i', weights)}]")
            b = f" + U[{constant('i', bias)}][:, None]" if bias is not None else ""
            body.append(f"B{s} = W{s} @ X{s}{b}")
            continue
        for k, source in enumerate(step.sources):
            name = f"I{s}_{k}"
            operand_names[s, k] = name
            if source[0] == "uniform":
                body.append(f"{name} = U[{constant('i', source[1])}][:, None]")
            else:
                body.append(f"{name} = {rows_text(source)}")
        out = _step_exprs(p, step)[0]
        text = _render(out, _array_ref(s, operand_names), fn, arrays=True)
        if not isinstance(out, _Expr) or out.kind == "const":
            text = f"({text} + 0.0 * I{s}_0)"
        body.append(f"B{s} = {text}")
    for kind, left, right, expected, site in p.guards:
        if not _guard_is_sample((kind, left, right, expected, site), w):
            continue
        a = _array_guard_ref(left, p, place, w)
        test = f"{a} != 0.0" if kind == "bool" else f"{a} {kind} {_array_guard_ref(right, p, place, w)}"
        body.append(f"if not {fn('all')}(({test}) == {expected}): raise Retrace({site!r})")
    root_step, root_row = place[p.root]
    body.append(f"total = {fn('total')}(B{root_step}[{root_row}])")
    if with_grad:
        wants = [any(p.wants_grad[m] for m in step.members) for step in steps]
        for s, step in enumerate(steps):
            if wants[s] and s:
                body.append(f"G{s} = {fn('zeros')}((" + f"{len(step.members)}, n))")
        body.append(f"GU = {fn('zeros')}(({n_params + len(uniform)},))")
        if wants[root_step]:  # nothing to differentiate (no params): no gradient arrays at all
            body.append(f"G{root_step}[{root_row}] = seed")
        for s in range(len(steps) - 1, 0, -1):
            step = steps[s]
            if not wants[s]:
                continue
            body += _array_backward(p, steps, s, wants, constant, fn, operand_names)
        # the uniform nodes' reverse, params' gradients kept in GU[:n_params]
        w.params_in_array = True
        w.plan_nesting(wide | set(uniform) | {i for i in range(len(p.nodes)) if p.kind[i] != "uniform"})
        held = [i for i in range(len(p.nodes)) if p.wants_grad[i] and p.kind[i] == "uniform"]
        if any(i in held for i in uniform):
            body.append(f"gu = GU[{n_params}:].tolist()")
        body += [f"{w.grad(i)} = gu[{k}]" for k, i in enumerate(uniform) if i in held]
        body += [line for i in held if i not in uniform for line in w.reset(i)]
        body += [f"{w.flag(i)} = True" for i in held if i in p.flagged and i in uniform and i not in w.single]
        for i in w.top_level(p.backward):
            if i in wide:
                body += _wide_backward(p, i, w, constant, fn)
            elif p.kind[i] == "uniform":
                body += w.passes(i)
        body.append(f"return total, GU[:{n_params}].tolist()")
    else:
        body.append("return total")
    source = "\n".join(lines + ["    " + x for x in body]) + "\n"
    namespace.update(constants)
    exec(builtins.compile(source, "<engine.compile arrays>", "exec"), namespace)  # noqa: S102
    return Program(namespace["run"], source)


def _is_wide_of_params(p: Plan, i: int) -> bool:
    """A Σ or dot node over params only with more than 8 terms (an L2 penalty): one array op in ``emit_arrays``."""
    node = p.nodes[i]
    return (
        cast(Op, node._operation).name in ("dot", "Σ")
        and len(node._children) > 8
        and all(p.kind[p.index[c]] == "param" for c in node._children)
    )


def _wide_parts(p: Plan, i: int) -> tuple[list[int], list[int], list[int]]:
    """(weights, inputs, bias) param slots of a wide dot; for a Σ, ([], terms, [])."""
    slots = [p.param_slot[p.index[c]] for c in p.nodes[i]._children]
    if cast(Op, p.nodes[i]._operation).name == "Σ":
        return [], slots, []
    n = len(slots) // 2
    return slots[:n], slots[n : 2 * n], slots[2 * n :]


def _wide_forward(p: Plan, i: int, constant: Callable[..., Any]) -> str:
    ws, xs, bias = _wide_parts(p, i)
    total = (
        f"float(PV[{constant('i', xs)}].sum())"
        if not ws
        else f"float(PV[{constant('i', ws)}] @ PV[{constant('i', xs)}])"
    )
    return total + "".join(f" + P[{b}]" for b in bias)


def _wide_backward(
    p: Plan, i: int, w: _PythonWriter, constant: Callable[..., Any], fn: Callable[..., Any]
) -> list[str]:
    ws, xs, bias = _wide_parts(p, i)
    g = w.grad(i)
    lines = [f"if {g}:"]

    def add(slots: list[int], value: str) -> None:
        if len(set(slots)) == len(slots):
            lines.append(f"    GU[{constant('i', slots)}] += {value}")
        else:
            lines.append(f"    {fn('add_at')}(GU, {constant('i', slots)}, {value})")

    if ws:
        add(ws, f"{g} * PV[{constant('i', xs)}]")
        add(xs, f"{g} * PV[{constant('i', ws)}]")
    else:
        add(xs, g)
    lines += [f"    GU[{b}] += {g}" for b in bias]
    return lines


def _step_exprs(p: Plan, step: _Step) -> tuple[Any, ...]:
    """The step's op rule run on positional symbols (operand k is ``ref(("arg", k))``), so that one rendering
    serves every member, whichever nodes each one takes."""
    operation = cast(Op, p.nodes[step.members[0]]._operation)
    arity = len(p.nodes[step.members[0]]._children)
    out, local_grads = operation.rule(SYMBOLS, *[_Expr("ref", ("arg", k)) for k in range(arity)], *operation.params)
    return out, tuple(local_grads)


def _array_ref(s: int, operand_names: dict[Any, Any]) -> Callable[[Any], str]:
    return lambda ref: operand_names[s, ref[1]]


def _array_guard_ref(ref: Any, p: Plan, place: dict[Any, Any], w: _PythonWriter) -> str:
    if not isinstance(ref, int):
        return _literal(ref[1])
    if ref in place:
        s, row = place[ref]
        return f"B{s}[{row}]"
    return w.value(ref)


def _array_backward(
    p: Plan,
    steps: list[Any],
    s: int,
    wants: list[Any],
    constant: Callable[..., Any],
    fn: Callable[..., Any],
    operand_names: dict[Any, Any],
) -> list[str]:
    """The reverse statements of step s: its gradient block G{s} times each operand's local derivative, added to
    the operand's block (rows gathered by index) or, summed over the samples, to the uniform nodes' GU."""
    step = steps[s]
    lines = []

    def add_rows(source: tuple[Any, ...], value: str) -> None:
        if source[0] == "block":
            _, t, rows = source
            if not t or not wants[t]:
                return
            if rows == list(range(len(steps[t].members))):
                lines.append(f"G{t} += {value}")
            elif len(set(rows)) == len(rows):
                lines.append(f"G{t}[{constant('i', rows)}] += {value}")
            else:
                lines.append(f"{fn('add_at')}(G{t}, {constant('i', rows)}, {value})")
            return
        offset = 0
        lines.append(f"T{s} = {value}")
        for t, rows in source[1]:
            add_rows(("block", t, rows), f"T{s}[{offset}:{offset + len(rows)}]")
            offset += len(rows)

    def add_uniform(positions: Any, value: str) -> None:
        flat = [x for row in positions for x in row] if positions and isinstance(positions[0], list) else positions
        if len(set(flat)) == len(flat):
            lines.append(f"GU[{constant('i', positions)}] += {value}")
        else:
            lines.append(f"{fn('add_at')}(GU, {constant('i', positions)}, {value})")

    if step.dot:
        x_source, weights, bias = step.sources
        add_uniform(weights, f"G{s} @ X{s}.T")
        if bias is not None:
            add_uniform(bias, f"G{s}.sum(1)")
        add_rows(x_source, f"W{s}.T @ G{s}")
        return lines
    out, local_grads = _step_exprs(p, step)
    ref = _array_ref(s, operand_names)
    alias = {id(out): f"B{s}"} if isinstance(out, _Expr) else None
    for k, (source, local) in enumerate(zip(step.sources, local_grads)):
        if source[0] == "uniform":
            if not any(p.wants_grad[p.index[p.nodes[m]._children[k]]] for m in step.members):
                continue
        if not isinstance(local, _Expr) and local == 1.0:
            value = f"G{s}"
        elif not isinstance(local, _Expr) and local == -1.0:
            value = f"-G{s}"
        else:
            value = f"G{s} * {_render(local, ref, fn, arrays=True, alias=alias)}"
        if source[0] == "uniform":
            add_uniform(source[1], f"({value}).sum(1)")
        else:
            add_rows(source, value)
    return lines


# --- the compiled function -------------------------------------------------------------------------


@dataclass
class _Entry:
    """One trace and its programs (built on first use). Past ``TAPE_LIMIT`` the tape is built at once and the plan is
    not kept (see ``of``)."""

    plan: Plan | None  # None for a tape
    backend: _Backend | None
    programs: dict[Any, Any] = field(default_factory=dict)  # (kind, with_grad) -> Program, or None: no arrays

    @classmethod
    def of(cls, p: Plan, backend: _Backend | None) -> _Entry:
        """The entry for plan ``p``. A tape holds all its replay needs, so the plan and the traced graph are freed
        before the first replay allocates its own lists: at 1,000,000 links they are about 1 GiB, and keeping them
        would put the process's peak over 2 GiB."""
        if p.tape:
            return cls(None, backend, {"tape": emit_tape(p)})
        return cls(p, backend)

    def python(self, with_grad: bool) -> Program:
        if self.plan is None:
            tape = self.programs["tape"]
            return Program(lambda samples, seed, P: tape.run(samples, seed, P, with_grad), tape.source)
        if ("python", with_grad) not in self.programs:
            self.programs["python", with_grad] = emit_python(self.plan, with_grad)
        return cast(Program, self.programs["python", with_grad])

    def arrays(self, with_grad: bool) -> Program | None:
        if self.backend is None or self.plan is None:  # past TAPE_LIMIT, batch replays the tape
            return None
        if ("arrays", with_grad) not in self.programs:
            self.programs["arrays", with_grad] = emit_arrays(self.plan, self.backend, with_grad)
        return cast("Program | None", self.programs["arrays", with_grad])


class Compiled:
    """A traced and compiled scalar function; made by ``engine.compile`` (see there)."""

    def __init__(
        self, fn: Callable[..., Value], params: Sequence[Value], backend: str, names: dict[Any, Any] | None, device: Any
    ) -> None:
        if not callable(fn):
            raise TypeError(f"engine.compile: fn must be callable, got {type(fn).__name__}")
        if isinstance(params, Value) or not hasattr(params, "__iter__"):
            raise TypeError(
                f"engine.compile: params must be a sequence of Values (model.parameters()), got {type(params).__name__}"
            )
        if names is not None and not isinstance(names, dict):
            raise TypeError(
                f"engine.compile: names must be a dict of name -> Value (dict(model.named_parameters()))"
                f", got {type(names).__name__}"
            )
        params = list(params)
        for k, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"engine.compile: params[{k}] must be a Value, got {type(p).__name__}")
            if p._children:
                raise ValueError(
                    f"engine.compile: params[{k}] is not a leaf (it was made by an op); params are "
                    "the leaves to differentiate, such as model.parameters()"
                )
        if backend not in ("python", "numpy", "torch"):
            raise ValueError(f"engine.compile: backend must be 'python', 'numpy' or 'torch', got {backend!r}")
        if device is not None and backend != "torch":
            raise ValueError("engine.compile: device= is for backend='torch' only")
        self.fn = fn
        self.params = params
        self.backend = backend
        self.names = dict(names) if names else None
        self._arrays = _Backend(backend, device) if backend != "python" else None
        self._traces: dict[tuple[Any, ...], list[_Entry]] = {}
        self._last: _Entry | None = None
        self._warned = False

    # --- the public calls ---------------------------------------------------------------------------

    def __call__(self, *args: Any) -> float:
        """Forward and reverse: returns fn(*args) and adds d(fn)/d(p) into ``p.grad`` for each param."""
        value, grads = self._run_one(args, True)
        _accumulate(self.params, grads)
        return cast(float, value)

    def value(self, *args: Any) -> float:
        """fn(*args), forward only; touches no ``.grad``."""
        return cast(float, self._run_one(args, False))

    def value_and_grad(self, *args: Any) -> tuple[float, list[float]]:
        """(fn(*args), [d fn / d p for p in params]) without touching any ``.grad``."""
        return cast(tuple[float, list[float]], self._run_one(args, True))

    def batch(self, *columns: Sequence[Any], reduce: str = "mean") -> float:
        """``fn`` per sample over equal-length ``columns`` (sample i is ``fn(columns[0][i], columns[1][i], ...)``);
        returns the mean (``reduce="mean"``) or the sum (``"sum"``) and adds its gradient into ``p.grad``."""
        if reduce not in ("mean", "sum"):
            raise ValueError(f"batch: reduce must be 'mean' or 'sum', got {reduce!r}")
        if not columns:
            raise ValueError("batch: give one column per argument of fn (each a sequence with one entry per sample)")
        lengths = {len(c) for c in columns}
        if len(lengths) != 1:
            raise ValueError(
                f"batch: columns must have the same length (one entry per sample), got lengths "
                f"{[len(c) for c in columns]}"
            )
        n = lengths.pop()
        if n == 0:
            raise ValueError("batch: the columns are empty; give at least one sample")
        seed = 1.0 / n if reduce == "mean" else 1.0
        first = tuple(c[0] for c in columns)
        total, grads = self._run_batch(columns, first, seed, n)
        _accumulate(self.params, grads)
        return total / n if reduce == "mean" else total

    @property
    def source(self) -> str:
        """The generated code of the latest trace (Python; with numpy or torch, the batched program too)."""
        if self._last is None:
            return "# not traced yet: call the compiled function once\n"
        text = self._last.python(True).source
        arrays = self._last.arrays(True) if self._arrays is not None else None
        if arrays is not None:
            text += f"\n# batch() with {self.backend}:\n" + arrays.source
        return text

    # --- dispatch -----------------------------------------------------------------------------------

    def _key(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(_structure(a, f"argument {i}") for i, a in enumerate(args))

    def _entries(self, args: tuple[Any, ...]) -> tuple[tuple[Any, ...], list[_Entry]]:
        key = self._key(args)
        return key, self._traces.setdefault(key, [])

    def _new_entry(self, args: tuple[Any, ...], entries: list[_Entry]) -> _Entry | None:
        if len(entries) >= MAX_TRACES:
            if not self._warned:
                self._warned = True
                warnings.warn(
                    f"engine.compile: {getattr(self.fn, '__name__', 'fn')} took more than {MAX_TRACES} "
                    "different branches for arguments of one structure; running it eagerly from now on "
                    "for the new ones",
                    RuntimeWarning,
                    stacklevel=4,
                )
            return None
        entry = _Entry.of(plan(trace(self.fn, args, self.params), self.names), self._arrays)  # no local keeps the graph
        entries.append(entry)
        self._last = entry
        return entry

    def _run_one(self, args: tuple[Any, ...], with_grad: bool) -> Any:
        key, entries = self._entries(args)
        P = [p._data for p in self.params]
        seed = 1.0
        for entry in entries:
            try:
                return entry.python(with_grad).run((args,), seed, P)
            except _Retrace:
                continue
        new = self._new_entry(args, entries)
        if new is not None:
            try:
                return new.python(with_grad).run((args,), seed, P)
            except _Retrace:
                pass  # fn decided differently on the same numbers (randomness?): eager is the safe answer
        return self._eager(args, with_grad)

    def _run_batch(
        self, columns: tuple[Any, ...], first: tuple[Any, ...], seed: float, n: int
    ) -> tuple[float, list[float]]:
        key, entries = self._entries(first)
        P = [p._data for p in self.params]
        if not entries:
            self._new_entry(first, entries)
        for entry in entries:
            try:
                arrays = entry.arrays(True) if self._arrays is not None else None
                if arrays is not None:
                    backend = cast(_Backend, self._arrays)
                    if backend.name == "numpy":
                        with backend.np.errstate(all="ignore"):
                            total, grads = arrays.run(columns, seed, P)
                    else:
                        total, grads = arrays.run(columns, seed, P)
                    if math.isfinite(total) and all(map(math.isfinite, grads)):
                        return total, grads
                    # not finite: replay exactly, with eager's zero-gradient skip, so nan lands where eager puts it
                return cast(tuple[float, list[float]], entry.python(True).run(zip(*columns), seed, P))
            except _Retrace:
                continue
            except (ValueError, TypeError) as error:
                if "unpack" in str(error) or "inhomogeneous" in str(error) or "reshape" in str(error):
                    raise ValueError(
                        f"batch: every sample must have the structure of the first one ({_describe(key)}): {error}"
                    ) from None
                raise
        # the samples take different branches: each sample on its own trace, summed
        total, grads = 0.0, [0.0] * len(self.params)
        for sample in zip(*columns):
            value, sample_grads = self._run_one_seeded(sample, seed)
            total += value
            grads = [a + b for a, b in zip(grads, sample_grads)]
        return total, grads

    def _run_one_seeded(self, args: tuple[Any, ...], seed: float) -> tuple[float, list[float]]:
        value, grads = self._run_one(args, True)
        return value, [g * seed for g in grads]

    def _eager(self, args: tuple[Any, ...], with_grad: bool) -> Any:
        structure = self._key(args)
        inputs: list[Value] = []
        leaves = [_leaves(a, s, f"arg{i}", inputs) for i, (a, s) in enumerate(zip(args, structure))]
        out = self.fn(*leaves)
        out = out if isinstance(out, Value) else Value(float(out))
        if not with_grad:
            return out._data
        return out._data, grad(out, self.params)


def _describe(structure: tuple[Any, ...]) -> str:
    return ", ".join("a number" if s is None else f"a sequence of {len(s)}" for s in structure)


def _accumulate(params: list[Value], grads: list[float]) -> None:
    """Add ``grads`` into the params' ``.grad`` as eager backward does for leaves (frozen ones excepted): a grad of
    None or 0 takes the new gradient as it is (-0.0 + g is g, signed zeros included)."""
    for p, g in zip(params, grads):
        if p.requires_grad:
            p.grad = (p.grad or -0.0) + g


def compile(
    fn: Callable[..., Value],
    params: Sequence[Value] = (),
    *,
    backend: str = "python",  # noqa: A001
    names: dict[str, Value] | None = None,
    device: Any = None,
) -> Compiled:
    """Trace ``fn`` once with Values and replay it as generated code.

    ``fn(*args) -> Value`` is ordinary chainrule code; each argument is a number or a (nested) sequence of numbers,
    every number an input leaf while tracing. ``params`` are existing leaf Values (``model.parameters()``): their
    current ``.data`` is read at every call. Other Values ``fn`` uses are constants, frozen at trace time.

    - ``compiled(*args) -> float``: forward and reverse; adds d(fn)/d(p) into ``p.grad`` as ``backward`` would.
    - ``compiled.value(*args)``: forward only. ``compiled.value_and_grad(*args) -> (float, [grads])``.
    - ``compiled.batch(*columns, reduce="mean" | "sum")``: ``fn`` per sample, over equal-length columns.
    - ``compiled.source``: the generated code.

    ``backend``: ``"python"`` (default), ``"numpy"`` or ``"torch"`` (``device=`` e.g. ``"cuda"``): numpy and torch
    vectorise ``batch`` over the samples (a layer of dot nodes is one matrix product); single calls run the
    generated Python. ``names``: variable names for Values in the source, e.g. ``dict(model.named_parameters())``.

    A Python decision on a traced Value (``if x > 0:``, ``bool(v)``) is a guard checked on every replay: another
    branch retraces (up to ``MAX_TRACES`` traces per argument structure, then eager with a warning). Reading a
    traced Value as a number (``.data``, ``float()``) raises ``TracingError`` naming the file:line. Graphs of more
    than ``CODE_LIMIT`` (20,000) nodes are generated in chunks of ``CHUNK_STATEMENTS`` statements; past ``TAPE_LIMIT``
    (1,000,000) nodes no code is generated: an interpreted flat tape replays them (``batch`` too, on every backend).
    """
    return Compiled(fn, params, backend, names, device)
