"""Every op's local derivative against central differences, sampled over the op's domain (``engine.testing.OPS``)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

import engine.ops
from engine import Value
from engine.testing import OPS, assert_gradients_match, op_inputs


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_every_op_local_derivative_matches_central_differences(name, data):
    operands, constant, flip = data.draw(op_inputs(name), label="operands, constant, flip")
    spec = OPS[name]
    leaves = [Value(x) for x in operands]
    node = spec.build(leaves, constant, flip)
    assert node._operation.rule is getattr(engine.ops, spec.op).rule  # the spec builds the op it is named after
    # every operand is a child of this one node (a constant spelling adds a constant leaf), so backward of the
    # node is exactly its local derivatives
    assert node.children[: len(leaves)] == tuple(leaves) or node.children[-len(leaves) :] == tuple(leaves)
    assert_gradients_match(lambda *xs: spec.build(xs, constant, flip), operands, rtol=1e-5, atol=1e-7)
