"""cross_entropy and softmax under engine.compile: the log-sum-exp shift is a Value, so they trace and replay."""

import math

import pytest

import engine
import nn
from engine import Value
from nn import losses

ROWS = [[1.0, -2.0, 0.5], [1000.0, 0.0, -1000.0], [0.3, 0.3, 0.3], [-745.0, -746.0, -800.0]]


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_compiled_cross_entropy_equals_eager_value_and_gradient_for_every_target(backend):
    for target in range(3):
        offsets = [Value(0.0) for _ in range(3)]  # params added to the logits: their gradient is the logits'
        compiled = engine.compile(
            lambda z, target=target, offsets=offsets: losses.cross_entropy(
                [o + zi for o, zi in zip(offsets, z)], target
            ),
            offsets,
            backend=backend,
        )
        for row in ROWS:
            xs = [Value(v) for v in row]
            eager = losses.cross_entropy(xs, target)
            expected = engine.grad(eager, xs)
            value, grads = compiled.value_and_grad(row)
            assert math.isclose(value, eager.data, rel_tol=1e-12, abs_tol=1e-12)
            assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(grads, expected))
            for offset in offsets:
                offset.grad = 0.0
            batched = compiled.batch([row, row], reduce="mean")  # numpy: the vectorised replay
            assert math.isclose(batched, eager.data, rel_tol=1e-12, abs_tol=1e-12)
            assert all(math.isclose(o.grad, b, rel_tol=1e-12, abs_tol=1e-12) for o, b in zip(offsets, expected))


def test_compiled_softmax_probability_equals_eager():
    compiled = engine.compile(lambda z: nn.softmax(z)[1])
    for row in ROWS:
        assert math.isclose(compiled.value(row), nn.softmax(row)[1].data, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize(
    ("row", "target", "value"),
    [
        ([math.inf, 0.0], 1, math.inf),
        ([0.0, math.inf], 0, math.inf),
        ([-math.inf, 1.0], 1, 0.0),
        ([math.inf, 0.0], 0, None),
    ],
)
def test_cross_entropy_of_infinite_logits_is_what_ieee_gives_without_a_shift(row, target, value):
    out = losses.cross_entropy(row, target).data
    assert out == value if value is not None else math.isnan(out)  # None: inf - inf
