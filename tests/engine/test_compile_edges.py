"""engine.compile keeps eager's IEEE behaviour: every registered op at the edge inputs (nan, ±inf, ±0.0, poles),
directly, through a zero upstream gradient (0 × inf = nan passes on) and behind a skipped node (nothing passes)."""

from __future__ import annotations

import itertools
import math

import pytest

import engine
from engine import Value, ops
from engine.value import apply

EDGES = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 2.5, 5e-324]
PAIR_EDGES = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -2.0, 0.5]
CONSTANTS = [0.0, -1.0, 0.5, 2.0, 3.0]


def _same(actual: float, expected: float) -> bool:
    """Bit-for-bit where it matters: nan for nan, the sign of zeros and infinities; else 1e-12 relative."""
    if math.isnan(expected) or math.isnan(actual):
        return math.isnan(expected) and math.isnan(actual)
    if expected == 0.0 or math.isinf(expected):
        return actual == expected
    return abs(actual - expected) <= 1e-12 * abs(expected)


def _uses() -> list[tuple[str, ops.Op, int]]:
    """(id, op with its constant, arity) for every registered op: new ops are covered without a line here."""
    cases = []
    for name, op in sorted(ops.REGISTRY.items()):
        arity = len(op.domains) if not op.nary else (4 if name == "dot" else 2)
        for c in CONSTANTS if op.constant is not None else [None]:
            count = op.template.count("{}")  # constants of one use: clamp has two (lo, hi)
            used = op.with_constants(*([-abs(c), abs(c)] if count == 2 else [c])) if c is not None else op
            cases.append((f"{name}" + (f"[c={c}]" if c is not None else ""), used, arity))
    return cases


CONSUMERS = {
    "direct": lambda out: out,
    "zero upstream": lambda out: out * 0.0,  # out is reached with gradient exactly 0: non-finite locals still pass
    "skipped": lambda out: (Value(-1.0) - out * 0.0).relu() + out * 0.0,  # both paths, one of them dead
    # relu(-1 - step(out)) is always dead: out is never reached, so even its inf/nan local derivatives pass nothing
    "unreached": lambda out: (-1.0 - out.step()).relu() + 0.0 * out.step(),
}


def _points(arity: int) -> list[tuple[float, ...]]:
    if arity == 1:
        return [(x,) for x in EDGES]
    if arity == 2:
        return list(itertools.product(PAIR_EDGES, repeat=2))
    return [(a, b, 1.5, -0.5) for a, b in itertools.product(PAIR_EDGES, repeat=2)]


@pytest.mark.parametrize("consumer", list(CONSUMERS))
@pytest.mark.parametrize(("case", "op", "arity"), _uses(), ids=[c[0] for c in _uses()])
def test_every_op_at_the_edges_matches_eager_through_the_python_program(case, op, arity, consumer) -> None:
    leaves = [Value(1.0) for _ in range(arity)]
    build = CONSUMERS[consumer]
    compiled = engine.compile(lambda: build(apply(op, *leaves)), leaves)
    for point in _points(arity):
        for leaf, x in zip(leaves, point):
            leaf.data = x
        out = build(apply(op, *leaves))
        expected = engine.grad(out, leaves)
        value, grads = compiled.value_and_grad()
        assert _same(value, out.data), f"{case} {consumer} at {point}: value {value!r}, eager {out.data!r}"
        for k, (g, e) in enumerate(zip(grads, expected)):
            assert _same(g, e), f"{case} {consumer} at {point}: d/dx{k} {g!r}, eager {e!r}"


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize(("case", "op", "arity"), _uses(), ids=[c[0] for c in _uses()])
def test_every_op_at_the_edges_matches_eager_batched(case, op, arity, backend) -> None:
    pytest.importorskip(backend)
    leaves = [Value(1.0) for _ in range(arity)]
    build = CONSUMERS["unreached"]

    def fn(scale):
        return build(apply(op, *[leaf * scale for leaf in leaves]))

    compiled = engine.compile(fn, leaves, backend=backend)
    scales = [1.0, 1.0]
    for point in _points(arity)[::2]:
        for leaf, x in zip(leaves, point):
            leaf.data = x
            leaf.grad = 0.0
        per_sample = [fn(s) for s in scales]
        loss = engine.sum(per_sample) / 2
        expected = engine.grad(loss, leaves)
        value = compiled.batch(scales)
        assert _same(value, loss.data), f"{case} at {point}: value {value!r}, eager {loss.data!r}"
        for k, (leaf, e) in enumerate(zip(leaves, expected)):
            assert _same(leaf.grad, e), f"{case} at {point}: d/dx{k} {leaf.grad!r}, eager {e!r}"
