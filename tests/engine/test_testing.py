"""``engine.testing`` itself: its domains hold, its graphs cover every op and reuse nodes, its helper can fail."""

import importlib
import math
import sys

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st

import engine.ops
from engine import GradcheckError, Value
from engine.testing import OPS, Expression, assert_gradients_match, expressions, floats_for, op_inputs

FIND = settings(database=None, max_examples=2000, phases=[Phase.generate])  # any example will do: no shrinking


def test_the_table_has_an_entry_for_every_op_of_the_engine():
    engine_ops = {name for name, value in vars(engine.ops).items() if isinstance(value, engine.ops.Op)}
    assert {spec.op for spec in OPS.values()} == engine_ops  # every op is sampled, under its own name too
    assert engine_ops <= set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
@given(data=st.data())
def test_op_inputs_lie_in_the_domains_of_the_table(name, data):
    operands, constant, flip = data.draw(op_inputs(name))
    spec = OPS[name]
    domains = spec.operands * len(operands) if spec.nary else spec.operands
    assert len(operands) == len(domains)
    assert all(x in domain for x, domain in zip(operands, domains))
    assert (constant is None) == (spec.constant is None)
    assert constant is None or constant in spec.constant


@given(expressions())
def test_every_operand_of_a_random_expression_lies_in_its_op_domain(expression: Expression):
    nodes = [Value(p) for p in expression.points]
    closing_sum = expression.steps[-1] if expression.steps[-1].op == "SUM" else None
    for step in expression.steps:
        spec = OPS[step.op]
        operands = [nodes[i] for i in step.operands]
        domains = spec.operands * len(operands) if spec.nary else spec.operands
        # a fitting shift moves any value; the sum closing over unused nodes takes whatever they hold
        if not step.fit and step is not closing_sum:
            assert all(x.data in domain for x, domain in zip(operands, domains)), step
        nodes.append(spec.build(operands, step.constant, step.flip))
    assert all(math.isfinite(node.data) for node in nodes)


@pytest.mark.parametrize("name", sorted(OPS))
def test_random_expressions_reach_every_op(name):
    expression = find(expressions(), lambda e: name in e.ops, settings=FIND)
    assert name in expression.ops


def test_random_expressions_reuse_nodes():
    def reuses(e: Expression) -> bool:
        operands = [i for step in e.steps for i in step.operands]
        return len(operands) > len(set(operands))

    assert reuses(find(expressions(), reuses, settings=FIND))


def test_random_expressions_put_constants_on_either_side():
    left = find(expressions(ops=["ADD_CONSTANT", "MUL_CONSTANT"]), lambda e: e.steps[0].flip, settings=FIND)
    assert left.steps[0].flip
    x = Value(2.0)
    assert OPS["MUL_CONSTANT"].build([x], 3.0, True).data == 6.0  # 3.0 * x goes through __rmul__


def test_assert_gradients_match_passes_a_correct_gradient():
    assert_gradients_match(lambda x, y: x * y.sin(), [1.5, -0.5])


def test_assert_gradients_match_fails_a_function_whose_backward_is_wrong_and_names_the_input():
    def forgets_the_graph_of_y(x: Value, y: Value) -> Value:
        return x * Value(y.data) ** 2

    with pytest.raises(GradcheckError, match="input 1 at inputs=\\[2.0, 3.0\\]"):
        assert_gradients_match(forgets_the_graph_of_y, [2.0, 3.0])


def test_assert_gradients_match_notices_a_one_percent_error():
    def slightly_wrong_exp(x: Value) -> Value:
        return x.exp() * 1.01 - Value(x.data).exp() * 0.01  # same value as exp, derivative 1.01 exp

    with pytest.raises(GradcheckError):
        assert_gradients_match(slightly_wrong_exp, [0.5])


def test_bad_arguments_name_what_was_wrong():
    with pytest.raises(ValueError, match="name must be one of"):
        floats_for("LOGARITHM")
    with pytest.raises(ValueError, match="steps must hold"):
        assert_gradients_match(lambda x: x, [1.0], steps=())
    with pytest.raises(ValueError, match="max_ops must be >= 1"):
        expressions(max_ops=0)
    with pytest.raises(TypeError, match="max_inputs must be an int"):
        expressions(max_inputs=None)
    with pytest.raises(TypeError, match="f must be a function"):
        assert_gradients_match(None, [1.0])


def test_importing_without_hypothesis_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "engine.testing")
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[test\]'"):
        importlib.import_module("engine.testing")


# --- the README example ("property-testing your own functions"), as written there ----------------------


def geometric_mean(a: Value, b: Value) -> Value:
    return (a * b).sqrt()


@given(a=floats_for("LOG"), b=floats_for("LOG"))  # log's domain: floats(1e-3, 1e3), away from the pole
def test_geometric_mean_gradient_matches_finite_differences(a, b):
    assert_gradients_match(geometric_mean, [a, b])


@given(expressions(max_inputs=3, max_ops=6))  # random DAGs over every op, valid by construction
def test_random_expression_gradient_matches_finite_differences(expression):
    assert_gradients_match(expression, expression.points)


def broken_square(x: Value) -> Value:
    return Value(x.data**2)  # forgets the graph, so its gradient is 0


def test_the_readme_broken_square_is_caught():
    with pytest.raises(AssertionError, match="disagrees with central differences"):
        assert_gradients_match(broken_square, [3.0])


# --- issue 16 item 32: the oracle near log's pole, where the engine is right and differences are not ------------

_SHIFT, _OFFSET = 2.001953125, 6.239  # log(x0 + 2^1 + 2^-9) = -6.2383... at x0 = -2: the outer log is near its pole


def _log_log(x0: Value) -> Value:
    return ((x0 + _SHIFT).log() + _OFFSET).log()


def _d_log_log(x0: Value) -> Value:
    with engine.enable_grad():  # the oracle evaluates under no_grad; the first derivative needs a graph
        return engine.grad(_log_log(x0), [x0], create_graph=True)[0]


def test_the_engine_gets_the_second_derivative_near_logs_pole_right():
    x0 = Value(-2.0)
    t = 2.0**-9  # x0 + 2.001953125, exact in binary
    u = math.log(t) + _OFFSET
    by_hand = -(1.0 + u) / (t * t * u * u)  # d2/dx2 log(log(x + a) + c) = -(1 + u) / ((x + a)^2 u^2)
    assert engine.grad(_d_log_log(x0), [x0])[0] == pytest.approx(by_hand, rel=1e-13)


def test_the_oracle_rejects_instead_of_failing_where_central_differences_are_ill_conditioned():
    # the case: log(log(x0 + 2.001953125) + 6.239...) at x0 = -2; differences of the first derivative
    # disagree with one another across step sizes, so the oracle must reject the example (with a note), not fail it
    from hypothesis import HealthCheck, Phase, Verbosity
    from hypothesis.errors import Unsatisfiable

    @settings(
        database=None,
        max_examples=5,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(st.just(-2.0))
    def second_derivative_property(x0):
        assert_gradients_match(_d_log_log, [x0])

    with pytest.raises(Unsatisfiable):  # every example rejected; an oracle failure would raise GradcheckError
        second_derivative_property()


def test_outside_a_hypothesis_test_the_oracle_rejects_with_unsatisfied_assumption():
    from hypothesis.errors import UnsatisfiedAssumption

    with pytest.raises(UnsatisfiedAssumption):  # as the docstring says, not InvalidArgument from note()
        assert_gradients_match(_d_log_log, [-2.0])


def test_the_oracle_still_fails_a_one_percent_error_in_that_second_derivative_away_from_the_pole():
    def one_percent_off(x0: Value) -> Value:
        d = _d_log_log(x0)
        return d * 1.01 - Value(d.data) * 0.01  # the same value as d, with 1.01 times its derivative

    assert_gradients_match(_d_log_log, [0.0])  # the right one passes there
    with pytest.raises(GradcheckError, match="input 0 at inputs=\\[0.0\\]"):
        assert_gradients_match(one_percent_off, [0.0])
