"""Every op of the registry has a row in each independent oracle: the PyTorch table of the random-expression test
and the dual-number table of the state machine. A new op without them fails here, not silently untested."""

import pytest

import engine.ops
from engine.testing import OPS
from tests.engine.test_state_machine import DUAL_RULES


def _registered_op_names() -> set[str]:
    """The built-in ops, by their names in ``engine.ops`` (a primitive a test registers has no such name)."""
    return {name for name, value in vars(engine.ops).items() if isinstance(value, engine.ops.Op)}


def test_every_registered_op_is_in_the_property_strategies():
    assert _registered_op_names() <= set(OPS)


def test_every_op_has_a_row_in_the_dual_number_table():
    missing = sorted(set(OPS) - set(DUAL_RULES))
    assert not missing, f"add these ops to DUAL_RULES in tests/engine/test_state_machine.py: {missing}"


def test_every_op_has_a_row_in_the_pytorch_table():
    pytest.importorskip("torch")
    from tests.engine.test_properties_torch import TORCH_OPS

    missing = sorted(set(OPS) - set(TORCH_OPS))
    assert not missing, f"add these ops to TORCH_OPS in tests/engine/test_properties_torch.py: {missing}"


def test_every_op_added_in_the_second_round_is_on_the_edge_grid():
    pytest.importorskip("torch")
    from tests.engine.test_ops_more import NEW_OPS

    second_round = {
        "TAN",
        "SINH",
        "COSH",
        "ASIN",
        "ACOS",
        "ATAN",
        "ASINH",
        "ACOSH",
        "ATANH",
        "LOG1P",
        "EXPM1",
        "LOG2",
        "LOG10",
        "ATAN2",
        "MOD",
        "FLOOR",
        "CEIL",
        "ROUND",
        "MAXIMUM",
        "MINIMUM",
        "CLAMP",
        "WHERE",
    }
    assert second_round <= NEW_OPS and NEW_OPS <= _registered_op_names()
