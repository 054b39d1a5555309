"""Value construction, operators, n-ary nodes, graph structure, comparisons and grad modes."""

import fractions
import threading

import pytest

import engine
from engine import Value, enable_grad, no_grad


@pytest.mark.parametrize(
    "bad, type_name", [("a", "str"), (None, "NoneType"), (1 + 2j, "complex"), (Value(1), "Value"), ([1.0], "list")]
)
def test_value_rejects_non_real_data_naming_its_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


def test_value_stores_any_real_number_as_float_and_grad_starts_at_float_zero():
    numpy = pytest.importorskip("numpy")
    for data in [3, 2.5, True, fractions.Fraction(1, 4), numpy.float32(1.5), numpy.int64(7)]:
        v = Value(data)
        assert type(v.data) is float and v.data == float(data)
        assert type(v.grad) is float and v.grad == 0.0


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


def test_repr_shows_data_grad_and_label():
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0.0)"
    v = Value(0.5, label="x")
    v.grad = -1.25
    assert repr(v) == "Value(data=0.5, grad=-1.25, label='x')"


def test_operators_work_with_numbers_on_either_side():
    x = Value(3.0)
    cases = {
        "x + 2": (x + 2, 5.0),
        "2 + x": (2 + x, 5.0),
        "x - 2": (x - 2, 1.0),
        "2 - x": (2 - x, -1.0),
        "x * 2": (x * 2, 6.0),
        "2 * x": (2 * x, 6.0),
        "x / 2": (x / 2, 1.5),
        "6 / x": (6 / x, 2.0),
        "x ** 2": (x**2, 9.0),
        "2 ** x": (2**x, 8.0),
        "x ** x": (x**x, 27.0),
        "-x": (-x, -3.0),
    }
    for name, (result, expected) in cases.items():
        assert isinstance(result, Value), name
        assert result.data == expected, name


def test_in_place_operators_rebind_to_a_new_node():
    x = Value(1.0)
    y = x
    y += 2
    y *= x
    assert y is not x and y.data == 3.0 and x.data == 1.0


def test_unsupported_operand_raises_type_error_naming_both_types():
    with pytest.raises(TypeError, match="Value.*str"):
        Value(1.0) + "a"
    with pytest.raises(TypeError, match="NoneType.*Value|Value.*NoneType"):
        None * Value(1.0)
    with pytest.raises(TypeError, match="Value.*str"):
        Value(2.0) ** "x"


def test_x_times_x_keeps_two_child_edges_in_order():
    x, y = Value(2.0), Value(3.0)
    assert (x * x).children == (x, x)
    assert (y - x).children == (y, x)
    two_minus_x = (2 - x).children  # a number becomes a constant leaf, in its place
    assert two_minus_x[1] is x and two_minus_x[0].is_leaf and two_minus_x[0].data == 2.0


def test_sum_and_dot_are_single_n_ary_nodes():
    ws = [Value(float(i)) for i in range(5)]
    xs = [Value(float(i + 1)) for i in range(5)]
    b = Value(0.5)
    total = engine.sum(xs)
    assert total.children == tuple(xs) and total.data == 15.0
    neuron = engine.dot(ws, xs, start=b)
    assert neuron.children == (*ws, *xs, b)
    assert neuron.data == sum(w.data * x.data for w, x in zip(ws, xs)) + 0.5
    assert all(child.is_leaf for child in neuron.children)


def test_sum_and_dot_accept_numbers_and_start():
    x = Value(2.0)
    assert engine.sum([x, 3, 4.5], start=1).data == 10.5
    assert engine.dot([2, x], [x, 3.0], start=1.0).data == 11.0
    assert engine.sum([]).data == 0.0


def test_dot_with_mismatched_lengths_names_both_lengths():
    with pytest.raises(ValueError, match=r"3 weights \(ws\) and 2 inputs \(xs\)"):
        engine.dot([1, 2, 3], [1, 2])


def test_dot_of_generators_keeps_every_input_and_its_derivative():
    # regression: the fast path read a generator's data, then recorded a node without the inputs it had used up
    ws, xs, b = [Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)], Value(0.5)
    node = engine.dot(iter(ws), (x for x in xs), start=b)
    assert node.children == (*ws, *xs, b) and node.data == 1 * 3 + 2 * 4 + 0.5
    node.backward()
    assert [v.grad for v in (*ws, *xs, b)] == [3.0, 4.0, 1.0, 2.0, 1.0]  # d/dw = x, d/dx = w, d/db = 1 (by hand)


def test_dots_makes_the_same_nodes_as_dot_row_by_row():
    rows = [[Value(0.5), Value(-1.5)], [Value(2.0), Value(0.25)], [Value(-3.0), Value(1.0)]]
    xs = [Value(1.5), Value(-2.0)]
    starts = [Value(0.1), 2.0, Value(-0.3)]  # a plain number takes the checked path: same node, a constant leaf
    nodes = engine.dots(rows, xs, starts)
    assert len(nodes) == 3
    for node, ws, start in zip(nodes, rows, starts):
        assert node.op == "dot" and node.children[:4] == (*ws, *xs)
        assert node.data == ws[0].data * 1.5 + ws[1].data * -2.0 + (start.data if isinstance(start, Value) else start)
    engine.sum(nodes).backward()
    assert [x.grad for x in xs] == [0.5 + 2.0 - 3.0, -1.5 + 0.25 + 1.0]  # Σ over rows of the weights, by hand
    assert [w.grad for w in rows[1]] == [1.5, -2.0]
    assert engine.dots([[1.0, 2.0]], [3.0, 4.0])[0].data == 11.0  # no starts: no bias


def test_dots_names_what_is_wrong():
    x = [Value(1.0), Value(2.0)]
    with pytest.raises(ValueError, match="one start per row, got 2 rows and 1 starts"):
        engine.dots([x, x], x, [Value(0.0)])
    with pytest.raises(ValueError, match=r"3 weights \(ws\) and 2 inputs \(xs\)"):
        engine.dots([x, [*x, Value(3.0)]], x, [Value(0.0), Value(0.0)])
    with pytest.raises(TypeError, match=r"ws\[1\] must be a Value or a real number, got str"):
        engine.dots([x, [Value(1.0), "2"]], x, [Value(0.0), Value(0.0)])
    with pytest.raises(TypeError, match="rows must be an iterable"):
        engine.dots(None, x)


def test_equality_and_hash_are_by_identity():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b, a}) == 2
    assert {a: 1}[a] == 1


def test_ordering_compares_data_and_float_gives_data():
    a, b = Value(1.0), Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a < 1.5 and 2.5 > b
    assert float(b) == 2.0
    assert sorted([b, a]) == [a, b]


def test_no_grad_results_are_leaves_and_enable_grad_reenables():
    x = Value(2.0)
    with no_grad():
        y = x * 3
        with enable_grad():
            z = x * 3
    assert y.is_leaf and y.data == 6.0
    assert z.children[0] is x and z.children[1].data == 3.0
    assert (x * 3).children[0] is x


def test_no_grad_works_as_a_decorator():
    @no_grad()
    def forward(v):
        return v.tanh() * 2

    assert forward(Value(0.5)).is_leaf
    assert not (Value(0.5).tanh() * 2).is_leaf


def test_grad_mode_is_per_thread():
    seen = {}

    def other_thread():
        seen["recorded"] = not (Value(1.0) * 2).is_leaf

    with no_grad():
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        assert (Value(1.0) * 2).is_leaf
    assert seen["recorded"] is True


def test_switch_blocks_are_per_thread_and_released_on_errors():
    from engine import detect_anomaly, is_grad_enabled

    with pytest.raises(RuntimeError), no_grad(), enable_grad(), detect_anomaly():
        raise RuntimeError("leaves the blocks")
    assert is_grad_enabled() and not (Value(1.0) * 2).is_leaf
    inside, release, recorded = threading.Event(), threading.Event(), {}

    def other_thread():
        with no_grad():
            recorded["other"] = (Value(1.0) * 2).is_leaf
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other_thread)
    worker.start()
    inside.wait(10)
    recorded["main"] = (Value(1.0) * 2).is_leaf  # another thread's no_grad is open: this one still records
    release.set()
    worker.join()
    assert recorded == {"other": True, "main": False}


def test_detach_returns_a_leaf_with_the_same_data():
    x = Value(2.0, label="x")
    y = (x * x).detach()
    assert y.is_leaf and y.data == 4.0
    (y * 3).backward()
    assert x.grad == 0.0 and y.grad == 3.0


def test_zero_grad_resets_every_node_of_the_graph():
    x, y = Value(2.0), Value(3.0)
    z = (x * y).tanh() + x
    z.backward()
    assert x.grad != 0 and y.grad != 0
    engine.zero_grad(z)
    assert x.grad == y.grad == z.grad == 0.0


def test_sum_and_dot_name_the_argument_that_is_not_a_sequence_of_numbers():
    with pytest.raises(TypeError, match="values must be an iterable"):
        engine.sum(None)
    with pytest.raises(TypeError, match=r"values\[1\] must be a Value or a real number, got str"):
        engine.sum([Value(1.0), "2"])
    with pytest.raises(TypeError, match=r"xs\[0\] must be a Value or a real number, got NoneType"):
        engine.dot([Value(1.0)], [None])
    with pytest.raises(TypeError, match="ws must be an iterable"):
        engine.dot(None, [1.0])


def test_zero_grad_and_grad_name_their_bad_arguments():
    with pytest.raises(TypeError, match="root must be a Value"):
        engine.zero_grad([Value(1.0)])
    with pytest.raises(TypeError, match="inputs must be an iterable"):
        engine.grad(Value(1.0).exp(), None)
