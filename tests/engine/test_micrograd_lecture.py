"""The nn-zero-to-hero micrograd lecture, cell by cell, on chainrule's ``Value`` (only the import differs).

Expected values are the notebook's printed outputs. Where the lecture prints random numbers (the MLP it trains from
an unseeded init), the oracle is the lecture's own ``Value`` class, written out below as the video builds it, running
the same cells from the same seed.
"""

import math
import random

import pytest
from graphviz import Digraph

from engine import Value

# --- the lecture's helpers, as written in the notebook (they read _prev and _op) -----------------------------------


def trace(root):
    # builds a set of all nodes and edges in a graph
    nodes, edges = set(), set()

    def build(v):
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                build(child)

    build(root)
    return nodes, edges


def draw_dot(root):
    dot = Digraph(format="svg", graph_attr={"rankdir": "LR"})  # LR = left to right

    nodes, edges = trace(root)
    for n in nodes:
        uid = str(id(n))
        # for any value in the graph, create a rectangular ('record') node for it
        dot.node(name=uid, label="{ %s | data %.4f | grad %.4f }" % (n.label, n.data, n.grad), shape="record")  # noqa: UP031
        if n._op:
            # if this value is a result of some operation, create an op node for it
            dot.node(name=uid + n._op, label=n._op)
            # and connect this node to it
            dot.edge(uid + n._op, uid)

    for n1, n2 in edges:
        # connect n1 to the op node of n2
        dot.edge(str(id(n1)), str(id(n2)) + n2._op)

    return dot


# --- part 1: derivatives by nudging, then the expression graph of L ---------------------------------------------


def f(x):
    return 3 * x**2 - 4 * x + 5


def test_the_parabola_and_its_slope():
    assert f(3.0) == 20.0
    x = Value(3.0)
    y = f(x)
    y.backward()
    assert (y.data, x.grad) == (20.0, 14.0)  # the lecture's nudge gives 14.000003...
    x = Value(2 / 3)
    f(x).backward()
    assert abs(x.grad) < 1e-15  # the lecture's minimum: the slope vanishes at 2/3


def _graph_of_L():
    a = Value(2.0, label="a")
    b = Value(-3.0, label="b")
    c = Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    return a, b, c, e, d, f, L


def test_the_graph_of_L_and_the_lectures_own_draw_dot():
    a, b, c, e, d, f, L = _graph_of_L()
    assert L.data == -8.0
    assert d._prev == {e, c} and d._op == "+" and L._op == "*" and a._op == ""
    nodes, edges = trace(L)
    assert len(nodes) == 7 and len(edges) == 6
    source = draw_dot(L).source
    assert "{ L | data -8.0000 | grad 0.0000 }" in source
    assert f"{id(L)}*" in source and f"{id(d)}+" in source  # the op nodes, named uid + _op


def test_manual_gradients_then_one_step_of_gradient_ascent():
    a, b, c, e, d, f, L = _graph_of_L()
    L.backward()
    assert (L.grad, f.grad, d.grad, e.grad, c.grad, a.grad, b.grad) == (1.0, 4.0, -2.0, -2.0, -2.0, 6.0, -4.0)
    a.data += 0.01 * a.grad
    b.data += 0.01 * b.grad
    c.data += 0.01 * c.grad
    f.data += 0.01 * f.grad
    e = a * b
    d = e + c
    L = d * f
    assert math.isclose(L.data, -7.286496, rel_tol=1e-12)  # printed: -7.286496


# --- part 2: a neuron, backpropagated by hand, node by node, then automatically -----------------------------------


def _neuron():
    # inputs x1,x2
    x1 = Value(2.0, label="x1")
    x2 = Value(0.0, label="x2")
    # weights w1,w2
    w1 = Value(-3.0, label="w1")
    w2 = Value(1.0, label="w2")
    # bias of the neuron
    b = Value(6.8813735870195432, label="b")
    # x1*w1 + x2*w2 + b
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    return x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n


EXPECTED = {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0, "b": 0.5, "n": 0.5, "x1*w1": 0.5, "x2*w2": 0.5}


def _grads(nodes):
    return {node.label: node.grad for node in nodes if node.label in EXPECTED}


def test_neuron_gradients_set_by_hand_as_in_the_lecture():
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n = _neuron()
    o = n.tanh()
    # printed: Value(data=0.7071067811865476) from the lecture's (e^2x - 1)/(e^2x + 1); math.tanh is 1 ulp above
    assert math.isclose(o.data, 0.7071067811865476, rel_tol=2e-16)
    o.grad = 1.0
    n.grad = 1 - o.data**2  # do/dn = 1 - tanh(n)**2
    assert math.isclose(n.grad, 0.5, rel_tol=1e-15)


def test_calling_underscore_backward_node_by_node_matches_backward():
    nodes = _neuron()
    x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n = nodes
    o = n.tanh()
    o.label = "o"
    o.grad = 1.0
    o._backward()
    n._backward()
    b._backward()  # a leaf: nothing to do
    x1w1x2w2._backward()
    x2w2._backward()
    x1w1._backward()
    by_hand = _grads(nodes)
    assert all(math.isclose(by_hand[k], v, rel_tol=1e-15, abs_tol=1e-15) for k, v in EXPECTED.items()), by_hand

    fresh = _neuron()
    fresh[-1].tanh().backward()
    assert _grads(fresh) == by_hand


def test_the_lectures_topological_sort_then_underscore_backward_in_reverse():
    nodes = _neuron()
    o = nodes[-1].tanh()
    topo = []
    visited = set()

    def build_topo(v):
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(o)
    assert len(topo) == 10 and topo[-1] is o
    o.grad = 1.0
    for node in reversed(topo):
        node._backward()
    assert all(math.isclose(_grads(nodes)[k], v, rel_tol=1e-15, abs_tol=1e-15) for k, v in EXPECTED.items())


def test_the_bug_the_lecture_fixes_a_node_used_twice_accumulates():
    a = Value(3.0, label="a")
    b = a + a
    b.label = "b"
    b.backward()
    assert a.grad == 2.0

    a = Value(-2.0, label="a")
    b = Value(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    f.backward()
    assert (a.grad, b.grad) == (-3.0, -8.0)


def test_numbers_on_either_side_and_the_ops_the_lecture_adds():
    a = Value(2.0)
    b = Value(4.0)
    assert (a + 1).data == 3.0 and (a * 2).data == 4.0 and (2 * a).data == 4.0
    assert a.exp().data == math.exp(2.0)
    assert (a / b).data == 0.5 and (a - b).data == -2.0 and (a**2)._op == "**2"


def test_tanh_broken_up_into_exp_gives_the_same_gradients():
    nodes = _neuron()
    n = nodes[-1]
    # ----
    e = (2 * n).exp()
    o = (e - 1) / (e + 1)
    # ----
    o.label = "o"
    o.backward()
    assert math.isclose(o.data, 0.7071067811865476, rel_tol=1e-15)
    grads = _grads(nodes)
    assert all(math.isclose(grads[k], v, rel_tol=1e-12, abs_tol=1e-15) for k, v in EXPECTED.items()), grads


def test_the_pytorch_cell_printed_values():
    # the lecture's torch.Tensor([6.8813735870195432]) is float32: its bias is 6.881373405456543, and these are the
    # numbers the notebook printed for it
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.881373405456543)
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    assert o.data == 0.7071066904050358
    assert (x2.grad, w2.grad) == (0.5000001283844369, 0.0)
    assert math.isclose(x1.grad, -1.5000003851533106, rel_tol=1e-15)
    assert math.isclose(w1.grad, 1.0000002567688737, rel_tol=1e-15)


# --- part 3: the lecture's Neuron / Layer / MLP and its training loop ----------------------------------------------


def lecture_nn(Value):  # noqa: N803 - the lecture's class name, bound to one implementation or the other
    """The lecture's nn cells, over a given Value class."""

    class Neuron:
        def __init__(self, nin):
            self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
            self.b = Value(random.uniform(-1, 1))

        def __call__(self, x):
            # w * x + b
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            out = act.tanh()
            return out

        def parameters(self):
            return self.w + [self.b]

    class Layer:
        def __init__(self, nin, nout):
            self.neurons = [Neuron(nin) for _ in range(nout)]

        def __call__(self, x):
            outs = [n(x) for n in self.neurons]
            return outs[0] if len(outs) == 1 else outs

        def parameters(self):
            return [p for neuron in self.neurons for p in neuron.parameters()]

    class MLP:
        def __init__(self, nin, nouts):
            sz = [nin] + nouts
            self.layers = [Layer(sz[i], sz[i + 1]) for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    return MLP


def train(Value, seed):  # noqa: N803
    """The lecture's training cell: 20 steps of gradient descent on four points; returns the printed losses."""
    random.seed(seed)
    MLP = lecture_nn(Value)  # noqa: N806
    n = MLP(3, [4, 4, 1])
    xs = [
        [2.0, 3.0, -1.0],
        [3.0, -1.0, 0.5],
        [0.5, 1.0, 1.0],
        [1.0, 1.0, -1.0],
    ]
    ys = [1.0, -1.0, -1.0, 1.0]  # desired targets
    losses = []
    for k in range(20):  # noqa: B007 - the lecture prints k
        # forward pass
        ypred = [n(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
        # backward pass
        for p in n.parameters():
            p.grad = 0.0
        loss.backward()
        # update
        for p in n.parameters():
            p.data += -0.1 * p.grad
        losses.append(loss.data)  # the lecture prints k, loss.data
    return losses, len(n.parameters())


class LectureValue:
    """The lecture's own Value, as the video builds it: the oracle for the cells whose outputs are random."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other):
        other = other if isinstance(other, LectureValue) else LectureValue(other)
        out = LectureValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, LectureValue) else LectureValue(other)
        out = LectureValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other):
        out = LectureValue(self.data**other, (self,), f"**{other}")

        def _backward():
            self.grad += other * (self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def tanh(self):
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = LectureValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def backward(self):
        topo = []
        visited = set()

        def build_topo(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build_topo(child)
                topo.append(v)

        build_topo(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()


@pytest.mark.parametrize("seed", [0, 1, 1337])
def test_the_training_loop_prints_the_same_losses_as_the_lectures_own_value(seed):
    ours, parameter_count = train(Value, seed)
    theirs, _ = train(LectureValue, seed)
    assert parameter_count == 41  # printed: len(n.parameters()) is 41
    assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(ours, theirs)), (ours, theirs)
    assert ours[-1] < ours[0] / 2  # and it learns, as in the video
