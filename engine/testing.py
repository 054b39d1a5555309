"""Hypothesis strategies for property-testing gradients: domain-aware floats per op, random expression
graphs, and ``assert_gradients_match`` (backward against central differences, through ``gradcheck``).

Needs Hypothesis (``pip install 'chainrule[test]'``); the rest of ``engine`` does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast, overload

try:
    from hypothesis import currently_in_test_context, note, reject
    from hypothesis import strategies as st
except ImportError as error:  # pragma: no cover - exercised only without hypothesis installed
    raise ImportError(
        "engine.testing needs Hypothesis: pip install 'chainrule[test]' (or pip install hypothesis)"
    ) from error

import engine
from engine import ops
from engine.gradcheck import GradcheckError, gradcheck
from engine.value import Number, Value, apply

__all__ = [
    "DOMAINS",
    "OPS",
    "Domain",
    "Expression",
    "OpSpec",
    "Step",
    "assert_gradients_match",
    "expressions",
    "floats_for",
    "op_inputs",
]


class Domain(ops.Domain):
    """Floats in ``[lo, hi]`` with ``|x| >= gap`` (``engine.ops.Domain``), with what property tests need of them."""

    def shift_to(self, value: float, target: float) -> float:
        """A constant ``c`` with ``value + c`` in the domain and about ``target`` (a float of the domain):
        ``target - value`` nudged by an ulp or two when rounding would land just outside."""
        shift = target - value
        for _ in range(8):
            if value + shift in self:
                return shift
            shift = math.nextafter(shift, math.inf if value + shift < target else -math.inf)
        raise ValueError(f"cannot shift {value!r} into {self} near {target!r}")

    def floats(self) -> st.SearchStrategy[float]:
        """Every float of the domain, built by construction (no filtering)."""
        if self.gap > 0 and self.lo < 0 < self.hi:
            return st.one_of(st.floats(self.gap, self.hi), st.floats(self.lo, -self.gap))
        return st.floats(max(self.lo, self.gap) if self.lo >= 0 else self.lo, self.hi)


@overload
def _sampled(domain: ops.Domain) -> Domain: ...
@overload
def _sampled(domain: ops.Domain | None) -> Domain | None: ...
def _sampled(domain: ops.Domain | None) -> Domain | None:
    return None if domain is None else Domain(domain.lo, domain.hi, domain.gap)


ANY = Domain(-10.0, 10.0)
NONZERO = _sampled(ops.NONZERO)


@dataclass(frozen=True)
class OpSpec:
    """How to use one op of ``engine.ops`` in a property test.

    ``operands``: the domain of each operand (an n-ary op has one, shared by all its operands);
    ``constant``: the domain of the op's plain-number parameter, or None; ``build(operands, constant, flip)``
    makes the node from Values (``flip`` picks the other spelling, e.g. ``abs(x)`` rather than ``x.abs()``).
    ``op``: the name in ``engine.ops`` of the op the node is made by (a spelling such as ``MUL_CONSTANT``, ``x * c``
    with a constant leaf, is made by ``MUL``).
    """

    name: str
    operands: tuple[Domain, ...]
    constant: Domain | None
    build: Callable[[Sequence[Value], Any, bool], Value]
    nary: bool = False
    op: str = ""


def _dot(xs: Sequence[Value], c: float | None, flip: bool) -> Value:
    # an odd count means the last operand is the bias (``start``)
    n = len(xs) // 2
    if len(xs) % 2:
        return engine.dot(xs[:n], xs[n : 2 * n], start=xs[-1])
    return engine.dot(xs[:n], xs[n:])


def _sum(xs: Sequence[Value], c: float | None, flip: bool) -> Value:
    return engine.sum(xs[:-1], start=xs[-1]) if flip else engine.sum(xs)


# How each op is spelled in user code, where that is not its one-line method (``x.exp()`` for ``EXP``).
_SPELLINGS: dict[str, Callable[[Sequence[Value], Any, bool], Value]] = {
    "ADD": lambda xs, c, flip: xs[0] + xs[1],
    "SUB": lambda xs, c, flip: xs[0] - xs[1],
    "MUL": lambda xs, c, flip: xs[0] * xs[1],
    "DIV": lambda xs, c, flip: xs[0] / xs[1],
    "NEG": lambda xs, c, flip: -xs[0],
    "POW": lambda xs, c, flip: xs[0] ** xs[1],
    "POW_CONSTANT": lambda xs, c, flip: xs[0] ** c,
    "RPOW_CONSTANT": lambda xs, c, flip: c ** xs[0],
    "DIV_CONSTANT": lambda xs, c, flip: xs[0] / c,
    "LEAKY_RELU": lambda xs, c, flip: xs[0].leaky_relu(c),
    "ABS": lambda xs, c, flip: abs(xs[0]) if flip else xs[0].abs(),
    "SUM": _sum,
    "DOT": _dot,
    "ATAN2": lambda xs, c, flip: engine.atan2(xs[0], xs[1]) if flip else xs[0].atan2(xs[1]),
    "MOD": lambda xs, c, flip: engine.remainder(xs[0], xs[1]) if flip else xs[0] % xs[1],
    "MAXIMUM": lambda xs, c, flip: engine.maximum(xs[0], xs[1]) if flip else xs[0].maximum(xs[1]),
    "MINIMUM": lambda xs, c, flip: engine.minimum(xs[0], xs[1]) if flip else xs[0].minimum(xs[1]),
    # the constant c is a half-width: |x| < c inside the range (slope 1), or the range [c, c + 1] above x (slope 0)
    "CLAMP": lambda xs, c, flip: xs[0].clamp(c, c + 1.0) if flip else xs[0].clamp(-c, c),
    "ROUND": lambda xs, c, flip: round(xs[0]) if flip else xs[0].round(),
    "WHERE": lambda xs, c, flip: engine.where(xs[0], xs[1], xs[2]),
}

# A plain number beside + - * or under / is a constant leaf of the binary op; these spellings test that path.
_CONSTANT_SPELLINGS = [
    OpSpec("ADD_CONSTANT", (ANY,), ANY, lambda xs, c, flip: c + xs[0] if flip else xs[0] + c, op="ADD"),
    OpSpec("SUB_CONSTANT", (ANY,), ANY, lambda xs, c, flip: xs[0] - c, op="SUB"),
    OpSpec("RSUB_CONSTANT", (ANY,), ANY, lambda xs, c, flip: c - xs[0], op="SUB"),
    OpSpec("MUL_CONSTANT", (ANY,), ANY, lambda xs, c, flip: c * xs[0] if flip else xs[0] * c, op="MUL"),
    OpSpec("RDIV_CONSTANT", (NONZERO,), ANY, lambda xs, c, flip: c / xs[0], op="DIV"),
]


def _method(name: str) -> Callable[[Sequence[Value], Any, bool], Value]:
    return lambda xs, c, flip: getattr(xs[0], name)(*(() if c is None else (c,)))


def _applied(op: ops.Op) -> Callable[[Sequence[Value], Any, bool], Value]:
    return lambda xs, c, flip: apply(op, *xs)  # an engine.primitive: no method, the op applied as it is


def _spec(name: str, op: ops.Op) -> OpSpec:
    operands = tuple(_sampled(domain) for domain in op.domains)
    build = _SPELLINGS.get(name) or (_method(op.name) if hasattr(Value, op.name) else _applied(op))
    return OpSpec(name, operands, _sampled(op.constant), build, op.nary, op=name)


def _registered_specs() -> list[OpSpec]:
    """One spec per op of the registry, named as in ``engine.ops`` (``LOG``), from the domains registered there.
    A primitive registered without ``domains`` has nowhere to be sampled, and is left out."""
    names = {id(value): attribute for attribute, value in vars(ops).items() if isinstance(value, ops.Op)}
    return [_spec(names.get(id(op), op.name.upper()), op) for op in ops.REGISTRY.values() if op.domains]


_SPECS = _registered_specs() + _CONSTANT_SPELLINGS

OPS: dict[str, OpSpec] = {spec.name: spec for spec in _SPECS}
"""Every op of ``engine.ops`` by its name there (``"LOG"``, ``"DOT"``...), plus the constant spellings
(``"MUL_CONSTANT"``: ``x * c``)."""

DOMAINS: dict[str, tuple[Domain, ...]] = {spec.name: spec.operands for spec in _SPECS}
"""The operand domains of each op, the one place they are stated."""


def floats_for(name: str, operand: int = 0) -> st.SearchStrategy[float]:
    """Floats in the domain of operand ``operand`` of op ``name``: ``floats_for("LOG")`` is floats(1e-3, 1e3)."""
    if name not in OPS:
        raise ValueError(f"floats_for: name must be one of {sorted(OPS)}, got {name!r}")
    domains = OPS[name].operands
    if not 0 <= operand < len(domains) and not OPS[name].nary:
        raise ValueError(f"floats_for: op {name} has {len(domains)} operand(s), got operand={operand}")
    return domains[min(operand, len(domains) - 1)].floats()


MAX_NARY = 4  # the most terms of an n-ary node a strategy draws


def _operand_domains(spec: OpSpec, count: int) -> tuple[Domain, ...]:
    return spec.operands * count if spec.nary else spec.operands


@st.composite
def op_inputs(draw: st.DrawFn, name: str) -> tuple[list[float], float | None, bool]:
    """``(operands, constant, flip)`` for op ``name`` drawn from its domain: feed them to ``OPS[name].build``.

    n-ary ops (``SUM``, ``DOT``) draw 1 to 4 terms; ``DOT`` draws weights, inputs and maybe a bias.
    """
    if name not in OPS:
        raise ValueError(f"op_inputs: name must be one of {sorted(OPS)}, got {name!r}")
    spec = OPS[name]
    count = _nary_count(draw, spec)
    operands = [draw(domain.floats()) for domain in _operand_domains(spec, count)]
    constant = draw(spec.constant.floats()) if spec.constant is not None else None
    return operands, constant, draw(st.booleans())


def _nary_count(draw: st.DrawFn, spec: OpSpec) -> int:
    if not spec.nary:
        return 1
    if spec.name == "DOT":
        return 2 * draw(st.integers(1, MAX_NARY)) + draw(st.integers(0, 1))
    return draw(st.integers(1, MAX_NARY))


@dataclass(frozen=True)
class Step:
    """One node of an ``Expression``: ``op`` applied to earlier nodes (by index) with an optional constant.

    ``fit`` marks a shift the strategy inserted to move an operand into the domain of the op that uses it.
    """

    op: str
    operands: tuple[int, ...]
    constant: float | None = None
    flip: bool = False
    fit: bool = False


class Expression:
    """A random expression graph: call it with one Value per input (``expression(*values)``), at ``points``.

    ``steps`` builds node ``n_inputs + k`` from earlier nodes (inputs are nodes ``0 .. n_inputs - 1``);
    nodes are reused, so it is a DAG, and the last node is the output. ``replay`` runs the same steps with
    another implementation of the ops (PyTorch, dual numbers...).
    """

    def __init__(self, n_inputs: int, steps: Sequence[Step], points: Sequence[float]) -> None:
        self.n_inputs = n_inputs
        self.steps = tuple(steps)
        self.points = list(points)

    def replay(self, inputs: Sequence[Any], apply: Callable[[Step, list[Any]], object]) -> object:
        """The output node, built by ``apply(step, operand_nodes)`` for each step in order."""
        if len(inputs) != self.n_inputs:
            raise ValueError(f"this expression takes {self.n_inputs} inputs, got {len(inputs)}")
        nodes = list(inputs)
        for step in self.steps:
            nodes.append(apply(step, [nodes[i] for i in step.operands]))
        return nodes[-1]

    def __call__(self, *values: Value) -> Value:
        return cast(Value, self.replay(values, _apply_with_engine))

    @property
    def ops(self) -> set[str]:
        """The names of the ops this expression uses."""
        return {step.op for step in self.steps}

    def __repr__(self) -> str:
        names = [f"x{i}" for i in range(self.n_inputs)]
        lines = [", ".join(names) + " = " + ", ".join(repr(p) for p in self.points)]
        for step in self.steps:
            name = f"v{len(names)}"
            arguments = ", ".join(names[i] for i in step.operands)
            if step.constant is not None:
                arguments += f", c={step.constant!r}"
            flip = (", flip" if step.flip else "") + (", fit" if step.fit else "")
            lines.append(f"{name} = {step.op}({arguments}{flip})")
            names.append(name)
        return "Expression(" + "; ".join(lines) + ")"


def _apply_with_engine(step: Step, operands: list[Value]) -> Value:
    return OPS[step.op].build(operands, step.constant, step.flip)


INPUTS = Domain(-2.0, 2.0)  # where the inputs of a random expression are drawn


def expressions(
    max_inputs: int = 3, max_ops: int = 6, ops: Sequence[str] | None = None
) -> st.SearchStrategy[Expression]:
    """Random expression DAGs over ``ops`` (default: every op in ``OPS``), valid by construction.

    Draws 1..``max_inputs`` inputs in [-2, 2] and 1..``max_ops`` op nodes. Operands are any earlier nodes
    (so nodes are reused) and constants sit on either side. When an operand's value lies outside the op's
    domain, a shift ``node + c`` into the domain (to a target drawn from it) is inserted first, so no input
    is ever rejected. Nodes left unused at the end are summed into the output, so every node counts.
    Yields ``Expression`` objects: call ``expression(*values)`` at ``expression.points``.
    """
    names = sorted(OPS) if ops is None else list(ops)
    for name in names:
        if name not in OPS:
            raise ValueError(f"expressions: ops must be names from {sorted(OPS)}, got {name!r}")
    if not names:
        raise ValueError("expressions: ops must name at least one op")
    for name, value in (("max_inputs", max_inputs), ("max_ops", max_ops)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"expressions: {name} must be an int, got {type(value).__name__}: {value!r}")
        if value < 1:
            raise ValueError(f"expressions: {name} must be >= 1, got {value}")
    return _expressions(max_inputs, max_ops, names)


@st.composite
def _expressions(draw: st.DrawFn, max_inputs: int, max_ops: int, names: list[str]) -> Expression:
    n_inputs = draw(st.integers(1, max_inputs))
    points = [draw(INPUTS.floats()) for _ in range(n_inputs)]
    values = [Value(p) for p in points]  # the forward values, to fit operands into domains
    steps: list[Step] = []

    def add(step: Step) -> int:
        steps.append(step)
        values.append(_apply_with_engine(step, [values[i] for i in step.operands]))
        return len(values) - 1

    with engine.no_grad():
        for _ in range(draw(st.integers(1, max_ops))):
            spec = OPS[draw(st.sampled_from(names))]
            operands = []
            for domain in _operand_domains(spec, _nary_count(draw, spec)):
                index = draw(st.integers(0, len(values) - 1))
                if values[index].data not in domain:
                    shift = domain.shift_to(values[index].data, draw(domain.floats()))
                    index = add(Step("ADD_CONSTANT", (index,), shift, fit=True))
                operands.append(index)
            constant = draw(spec.constant.floats()) if spec.constant is not None else None
            add(Step(spec.name, tuple(operands), constant, draw(st.booleans())))
        used = {i for step in steps for i in step.operands}
        unused = [i for i in range(n_inputs, len(values)) if i not in used]
        if len(unused) > 1:
            add(Step("SUM", tuple(unused)))
    return Expression(n_inputs, steps, points)


def assert_gradients_match(
    f: Callable[..., Value],
    inputs: Sequence[Value | Number],
    rtol: float = 1e-5,
    atol: float = 1e-7,
    steps: Sequence[float] = (1e-6, 1e-7, 1e-8, 1e-5, 1e-4),
) -> None:
    """Assert that backward through ``f`` matches central differences for every input.

    ``f`` takes one Value per input and returns a Value. Each input ``x`` is checked by ``engine.gradcheck``
    with a step relative to it, ``eps = step * max(1, |x|)``, within ``atol + rtol * |numerical|``.

    Honestly stated, the oracle is lenient in one way and careful in another:

    - an input passes when it agrees at ANY ONE of ``steps`` (finite differences trade truncation error for
      rounding error, and no single step suits every function), so a derivative wrong by less than the spread
      between step sizes can pass;
    - when no step agrees AND the central differences at the different steps disagree with one another by more
      than the tolerance, the difference quotient itself is ill-conditioned there (near a pole, or where rounding
      swamps the step): the example is rejected with ``hypothesis.reject()`` and a note saying why, rather than
      failed. Inside a Hypothesis test that discards the example; outside one it raises
      ``hypothesis.errors.UnsatisfiedAssumption``.

    Otherwise raises ``GradcheckError`` with gradcheck's table for each step tried.
    """
    if not callable(f):
        raise TypeError(f"assert_gradients_match: f must be a function of Values, got {type(f).__name__}")
    if not steps:
        raise ValueError("assert_gradients_match: steps must hold at least one step size")
    points = [float(x.data if isinstance(x, Value) else x) for x in inputs]
    for i, x in enumerate(points):

        def partial(v: Value, i: int = i) -> Value:
            # every other input is a fresh constant leaf: gradcheck sees a function of input i only
            return f(*[Value(p) for p in points[:i]], v, *[Value(p) for p in points[i + 1 :]])

        reports = []
        for step in steps:
            eps = step * max(1.0, abs(x))
            try:
                gradcheck(partial, [x], eps=eps, atol=atol, rtol=rtol)
                break
            except GradcheckError as error:
                reports.append(f"eps={eps:.3g}: {error}")
        else:
            estimates = [_central_difference(partial, x, step * max(1.0, abs(x))) for step in steps]
            if _ill_conditioned(estimates, atol, rtol):
                if currently_in_test_context():  # note() works only there
                    note(
                        f"input {i} at {points}: central differences disagree across steps ({estimates}): "
                        "the oracle is ill-conditioned here, so the example is rejected, not failed"
                    )
                reject()
            raise GradcheckError(
                f"d f / d input {i} at inputs={points} disagrees with central differences "
                f"(rtol={rtol}, atol={atol}):\n" + "\n".join(reports)
            )


def _central_difference(partial: Callable[[Value], Value], x: float, eps: float) -> float:
    with engine.no_grad():
        return (partial(Value(x + eps)).data - partial(Value(x - eps)).data) / (2 * eps)


def _ill_conditioned(estimates: list[float], atol: float, rtol: float) -> bool:
    """True when the central differences at different steps disagree beyond the tolerance (or are not finite)."""
    finite = [e for e in estimates if math.isfinite(e)]
    if len(finite) < len(estimates):
        return True
    middle = sorted(finite)[len(finite) // 2]
    return max(finite) - min(finite) > atol + rtol * abs(middle)
