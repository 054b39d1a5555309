"""engine.explain (the chain rule as a sum over paths) and engine.backward_steps (backward, one node at a time)."""

import math
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import Value
from engine.testing import expressions


def _neuron():
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o, dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, n=n)


def _random_dag(rng, n_inputs=3, n_ops=6):
    """A small random DAG over + - * tanh sin, operands drawn from all earlier nodes (so nodes and edges repeat)."""
    nodes = [Value(rng.uniform(-1.5, 1.5), f"x{i}") for i in range(n_inputs)]
    for _ in range(n_ops):
        kind = rng.choice(["+", "-", "*", "tanh", "sin", "sum"])
        pick = lambda: rng.choice(nodes)  # noqa: E731
        if kind == "tanh":
            nodes.append(pick().tanh())
        elif kind == "sin":
            nodes.append(pick().sin())
        elif kind == "sum":
            nodes.append(engine.sum([pick() for _ in range(rng.randint(2, 4))]))
        else:
            a, b = pick(), pick()
            nodes.append(a + b if kind == "+" else a - b if kind == "-" else a * b)
    return nodes[-1], nodes[:n_inputs]


def _brute_force_paths(node, target):
    """Paths from node down to target, counted by plain recursion over children (small graphs only)."""
    if node is target:
        return 1
    return sum(_brute_force_paths(child, target) for child in node.children)


def _close(total, gradient, scale):
    """Equal up to rounding: the paths multiply out what backward factors, so the error scales with the terms."""
    return abs(total - gradient) <= 1e-12 * max(1.0, scale)


# --- explain --------------------------------------------------------------------------------------


def test_the_neuron_explains_dw1_as_one_path_with_its_numbers():
    o, nodes = _neuron()
    text = str(engine.explain(o, nodes["w1"]))
    lines = text.splitlines()
    assert lines[0].startswith("∂o/∂w1 is the sum over the 1 path from w1 to o")
    assert lines[1].strip() == "∂o/∂n · ∂n/∂(x1·w1 + x2·w2) · ∂(x1·w1 + x2·w2)/∂(x1·w1) · ∂(x1·w1)/∂w1"
    # tanh'(n) = 1 - o² = 0.5 (up to rounding), + passes 1, and ∂(x1·w1)/∂w1 = x1 = 2
    assert re.fullmatch(r"= 0\.5(…)? · 1 · 1 · 2 = 1(…)?", lines[2].strip())
    printed = float(re.search(r"= (\S+)  \(engine\.grad: (\S+)\)$", lines[3]).group(1))
    assert math.isclose(printed, 2 * (1 - math.tanh(nodes["n"].data) ** 2), rel_tol=1e-15)


def test_a_reused_node_has_one_path_per_edge_and_they_sum_to_the_gradient():
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    explanation = engine.explain(y, x)
    assert explanation.path_count == 2
    assert [path.local_grads for path in explanation.paths] == [(3.0,), (3.0,)]
    assert explanation.total == explanation.gradient == 6.0
    assert str(explanation).splitlines()[-1] == "∂y/∂x = 3 + 3 = 6.0  (engine.grad: 6.0)"


def test_names_replace_labels():
    o, nodes = _neuron()
    text = str(engine.explain(o, nodes["w1"], names={"layers.0.w.0": nodes["w1"]}))
    assert text.startswith("∂o/∂layers.0.w.0 is the sum")


def test_a_node_the_root_does_not_depend_on_has_no_paths_and_gradient_0():
    o, _ = _neuron()
    explanation = engine.explain(o, Value(1.0, "z"))
    assert explanation.path_count == 0 and explanation.total == 0.0 == explanation.gradient


@settings(max_examples=200, deadline=None)
@given(expressions(max_inputs=3, max_ops=8))
def test_explain_totals_equal_grad_on_random_expression_dags(expression):
    inputs = [Value(p) for p in expression.points]
    root = expression(*inputs)
    for x, gradient in zip(inputs, engine.grad(root, inputs)):
        explanation = engine.explain(root, x, max_paths=50)
        footer = next(line for line in str(explanation).splitlines() if "  (engine.grad: " in line)
        printed = float(footer.split("  (engine.grad")[0].rsplit("= ", 1)[1])
        assert printed == explanation.total
        if explanation.paths is not None:
            scale = sum(abs(path.product) for path in explanation.paths)
            assert _close(explanation.total, gradient, scale), (explanation.total, gradient)
        else:
            assert explanation.total == gradient


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_path_counts_equal_brute_force_enumeration_on_small_dags(seed):
    root, inputs = _random_dag(random.Random(seed))
    for x in inputs:
        expected = _brute_force_paths(root, x)
        explanation = engine.explain(root, x, max_paths=10**6)
        assert explanation.path_count == expected == len(explanation.paths)
        assert _close(
            explanation.total, engine.grad(root, [x])[0], sum(abs(path.product) for path in explanation.paths)
        )


def test_past_max_paths_it_counts_the_paths_and_shows_the_per_node_accumulation():
    x = Value(0.5, "x")
    y = x
    for _ in range(12):  # each layer doubles the paths: 2**12
        y = y * y
    y.label = "y"
    explanation = engine.explain(y, x, max_paths=20)
    assert explanation.path_count == 2**12 and explanation.paths is None
    text = str(explanation)
    assert "4096 paths lead from x to y, more than max_paths=20" in text
    assert explanation.total == engine.grad(y, [x])[0]
    for node_sum in explanation.node_sums:  # each node's gradient is the sum of its parents' contributions
        if node_sum.terms:
            assert node_sum.gradient == math.fsum(g * local for _, g, local in node_sum.terms) or math.isclose(
                node_sum.gradient, sum(g * local for _, g, local in node_sum.terms), rel_tol=1e-15
            )


def test_jupyter_shows_a_table_in_markdown_and_html():
    o, nodes = _neuron()
    explanation = engine.explain(o, nodes["w1"])
    markdown, page = explanation._repr_markdown_(), explanation._repr_html_()
    assert "| 1 | `∂o/∂n · ∂n/∂(x1·w1 + x2·w2)" in markdown
    assert "<table>" in page and "∂o/∂n · ∂n/∂(x1·w1 + x2·w2)" in page


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(root=1.0), TypeError, "root must be a Value"),
        (dict(wrt=2.0), TypeError, "wrt must be a Value"),
        (dict(max_paths=-1), ValueError, "max_paths must be an int >= 0"),
        (dict(max_paths=True), ValueError, "max_paths"),
        (dict(names=5), TypeError, "names"),
    ],
)
def test_bad_arguments_raise_an_error_naming_the_argument(kwargs, error, words):
    o, nodes = _neuron()
    kwargs = {"root": o, "wrt": nodes["w1"], **kwargs}
    with pytest.raises(error, match=words):
        engine.explain(**kwargs)


# --- backward_steps -------------------------------------------------------------------------------


def test_x_times_x_is_two_steps_with_two_edge_updates():
    x = Value(3.0, "x")
    y = x * x
    steps = engine.backward_steps(y)
    assert [(s.number, s.node, s.gradient) for s in steps] == [(1, y, 1.0), (2, x, 6.0)]
    assert [(e.child, e.local_grad, e.contribution, e.total) for e in steps[0].edges] == [
        (x, 3.0, 3.0, 3.0),
        (x, 3.0, 3.0, 6.0),
    ]
    assert steps[1].edges == ()


@settings(max_examples=200, deadline=None)
@given(expressions(max_inputs=3, max_ops=8))
def test_the_last_step_equals_backward_on_random_expression_dags(expression):
    inputs = [Value(p) for p in expression.points]
    root = expression(*inputs)
    steps = engine.backward_steps(root)
    root.backward()
    assert len(steps) == len({step.node for step in steps})
    for step in steps:  # every node's gradient at its own step is final
        assert step.gradient == step.node.grad or (math.isnan(step.gradient) and math.isnan(step.node.grad))


def test_backward_steps_writes_no_grad():
    o, nodes = _neuron()
    engine.backward_steps(o)
    assert all(node.grad == 0.0 for node in [o, *nodes.values()])
