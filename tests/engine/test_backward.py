"""Reverse-mode semantics: paths summed, accumulation, deep graphs, grad() purity, higher derivatives."""

import gc
import math
import sys
import threading

import pytest

import engine
from engine import Value


def test_reused_node_gets_the_sum_over_both_paths():
    a = Value(3.0)
    b = a + a
    c = b * b
    c.backward()
    # c = (2a)^2, dc/da = 8a
    assert a.grad == 8 * 3.0
    assert b.grad == 2 * b.data


def test_backward_twice_doubles_leaf_gradients_exactly():
    x = Value(2.0)
    y = 3 * x * x  # dy/dx = 6x = 12
    y.backward()
    assert x.grad == 12.0
    y.backward()
    assert x.grad == 24.0  # micrograd gives 36 here: it re-accumulates interior nodes too


def test_interior_nodes_hold_this_pass_and_leaves_accumulate():
    x = Value(1.5)
    h = x * x
    y = h * 2
    y.backward()
    y.backward()
    assert h.grad == 2.0  # interior: this pass only
    assert x.grad == 2 * (2 * 2 * 1.5)  # leaf: both passes


def test_backward_scales_by_the_upstream_gradient():
    x = Value(2.0)
    (x * x).backward(gradient=0.5)
    assert x.grad == 2.0


def test_million_op_chain_backpropagates_under_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 1000  # the default: the walk must not need more
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0 and y.data == 1_000_001.0


def test_grad_leaves_every_dot_grad_untouched():
    x, y = Value(2.0), Value(-1.0)
    x.grad, y.grad = 7.0, -3.0
    z = (x * y).sin() + x.exp()
    dx, dy = engine.grad(z, [x, y])
    assert (x.grad, y.grad, z.grad) == (7.0, -3.0, 0.0)
    assert math.isclose(dx, math.cos(-2.0) * -1.0 + math.exp(2.0), rel_tol=1e-15)
    assert math.isclose(dy, math.cos(-2.0) * 2.0, rel_tol=1e-15)


def test_grad_of_an_input_not_in_the_graph_is_zero():
    x, unused = Value(2.0), Value(5.0)
    assert engine.grad(x * x, [x, unused]) == [4.0, 0.0]


def test_second_derivative_of_cube_is_six_x():
    for point in [-2.0, 0.5, 3.0]:
        x = Value(point)
        (first,) = engine.grad(x**3, [x], create_graph=True)
        (second,) = engine.grad(first, [x], create_graph=True)
        (third,) = engine.grad(second, [x])
        assert first.data == 3 * point**2
        assert second.data == 6 * point
        assert third == 6.0


def test_third_derivative_of_sin_is_minus_cos():
    for point in [-1.0, 0.3, 2.5]:
        x = Value(point)
        derivative = x.sin()
        for _ in range(3):
            (derivative,) = engine.grad(derivative, [x], create_graph=True)
        assert math.isclose(derivative.data, -math.cos(point), rel_tol=1e-15)


def test_hessian_of_x2y_plus_y3_is_exact():
    # f = x²y + y³: H = [[2y, 2x], [2x, 6y]]
    x, y = Value(1.5), Value(-2.0)
    fx, fy = engine.grad(x**2 * y + y**3, [x, y], create_graph=True)
    hessian = [engine.grad(fx, [x, y]), engine.grad(fy, [x, y])]
    assert hessian == [[2 * -2.0, 2 * 1.5], [2 * 1.5, 6 * -2.0]]


def test_hessian_vector_product_through_create_graph():
    # f = x²y + y³, v = (1, 2): Hv = [2y + 4x, 2x + 12y]
    x, y = Value(1.5), Value(-2.0)
    fx, fy = engine.grad(x**2 * y + y**3, [x, y], create_graph=True)
    hv = engine.grad(fx * 1.0 + fy * 2.0, [x, y])
    assert hv == [2 * -2.0 + 4 * 1.5, 2 * 1.5 + 12 * -2.0]


def test_create_graph_works_through_n_ary_nodes_and_constant_ops():
    # f = tanh(w·x + b) * 2 / 3: second derivative in w0 by the closed form.
    w = [Value(0.3), Value(-0.2)]
    xs = [Value(1.5), Value(2.0)]
    b = Value(0.1)
    f = engine.dot(w, xs, start=b).tanh() * 2 / 3
    (dw0,) = engine.grad(f, [w[0]], create_graph=True)
    (d2w0,) = engine.grad(dw0, [w[0]])
    z = 0.3 * 1.5 + -0.2 * 2.0 + 0.1
    t = math.tanh(z)
    assert math.isclose(dw0.data, (1 - t * t) * 1.5 * 2 / 3, rel_tol=1e-14)
    assert math.isclose(d2w0, -2 * t * (1 - t * t) * 1.5**2 * 2 / 3, rel_tol=1e-14)


def test_create_graph_gradients_do_not_touch_dot_grad():
    x = Value(2.0)
    (first,) = engine.grad(x**3, [x], create_graph=True)
    assert x.grad == 0.0
    first.backward()
    assert x.grad == 12.0


def test_mixed_second_derivative_of_x_to_the_y_at_y_zero_is_one_over_x():
    # d²(x^y)/dx dy = x^(y-1) (1 + y ln x) = 1/x at y = 0; the zero that avoids 0 * inf applies only at x = 0.
    x, y = Value(2.0), Value(0.0)
    (dx,) = engine.grad(x**y, [x], create_graph=True)
    assert dx.data == 0.0
    assert engine.grad(dx, [y]) == [0.5]


def test_a_zero_gradient_still_carries_nan_from_an_infinite_local_derivative():
    # The backward pass skips nodes whose gradient is 0, but only when that adds exactly nothing:
    # 0 * inf is nan, as in PyTorch (log(x) at x = 0 has local derivative 1/0 = inf).
    x = Value(0.0)
    (x.log() * 0.0).backward()
    assert math.isnan(x.grad)


def test_a_node_reached_only_through_a_dead_relu_gets_zero_this_pass():
    x = Value(2.0)
    h = x * 3.0  # interior, shared by both roots
    alive = h * 5.0
    dead = (h - 100.0).relu() * 7.0  # relu is inactive: h gets gradient 0 through it
    alive.backward()
    assert h.grad == 5.0
    dead.backward()
    assert h.grad == 0.0  # this pass's value, not the previous pass's 5.0
    assert x.grad == 15.0  # the leaf accumulated 15 + 0


def test_dead_relus_pass_exact_zeros_to_every_input():
    xs = [Value(-1.0 - i) for i in range(5)]
    out = engine.sum(x.relu() * 2.0 for x in xs)
    assert engine.grad(out, xs) == [0.0] * 5


def test_backward_passes_in_threads_sharing_leaves_each_add_their_whole_gradient():
    # Each pass sums into scratch slots on the nodes; passes over shared leaves must not mix their sums.
    a, b = Value(1.0), Value(1.0)
    links, passes, threads = 300, 15, 4

    def build() -> Value:
        x = a
        for _ in range(links):
            x = x + a + b * 2  # d/da = links + 1, d/db = 2 * links: small integers, so every sum is exact
        return x

    roots = [build() for _ in range(threads)]
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, mid-pass
    try:
        workers = [threading.Thread(target=lambda r=r: [r.backward() for _ in range(passes)]) for r in roots]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(old_interval)
    assert a.grad == threads * passes * (links + 1)
    assert b.grad == threads * passes * 2 * links
    assert all(root.grad == 1.0 for root in roots)


def test_grad_with_create_graph_leaves_no_reference_cycles():
    # Value gradients refer back into the graph they came from; parked on its nodes they would make cycles.
    gc.collect()
    gc.disable()
    try:
        x = Value(1.5)
        y = x * x * x.sin()
        (dy,) = engine.grad(y, [x], create_graph=True)
        del x, y, dy
        assert gc.collect() == 0  # everything was freed by reference counting alone
    finally:
        gc.enable()


def test_a_create_graph_pass_stopped_by_detect_anomaly_leaves_no_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        tiny = Value(1e-300)
        t = tiny * 1e300 * 1e300  # finite forward; the gradient reaching tiny overflows to inf
        x = Value(2.0)
        y = t + x * x  # x * x is newer than t, so x gets its Value gradient (made from x) before the overflow
        with engine.detect_anomaly(), pytest.raises(engine.AnomalyError):
            engine.grad(y, [x, tiny], create_graph=True)
        del tiny, t, x, y
        assert gc.collect() == 0  # the half-summed Value gradients were dropped, not left in cycles
    finally:
        gc.enable()
