"""A lower bound for ANY pure-Python scalar graph: the workloads on a bare tape, with none of a library's duties.

Every op appends its node to one module-level list (the tape), so backward needs no walk and no sort: it runs the
tape newest first. Nodes are slotted objects with a children tuple and a local-gradients tuple, as in chainrule, and
a neuron is one fused dot node plus one relu node. It has no checks, no ``create_graph``, no anomaly mode, no thread
safety and no creation serials, and it is only right when everything recorded since the last backward belongs to
the graph being differentiated: true of these workloads, not of a library. Where even this misses a target, no
design that records a Python object per op meets it on this interpreter.
"""

from __future__ import annotations

from operator import mul

from benchmarks import scalar
from benchmarks.workloads import L2_ALPHA

NAME = "tape"
_TAPE: list[TapeValue] = []  # every node recorded since the last backward, oldest first
_new = object.__new__


def _node(data: float, children: tuple, local_grads: tuple) -> TapeValue:
    node = _new(TapeValue)
    node.data = data
    node.grad = 0.0
    node.children = children
    node.local_grads = local_grads
    _TAPE.append(node)
    return node


class TapeValue:
    """A scalar node: the ops the workloads use, each with its local derivatives."""

    __slots__ = ("data", "grad", "children", "local_grads")

    def __init__(self, data: float) -> None:
        self.data = float(data)
        self.grad = 0.0
        self.children = self.local_grads = ()

    def __add__(self, other: TapeValue | float) -> TapeValue:
        if type(other) is TapeValue:
            return _node(self.data + other.data, (self, other), (1.0, 1.0))
        return _node(self.data + other, (self,), (1.0,))

    __radd__ = __add__

    def __mul__(self, other: TapeValue | float) -> TapeValue:
        if type(other) is TapeValue:
            return _node(self.data * other.data, (self, other), (other.data, self.data))
        return _node(self.data * other, (self,), (other,))

    __rmul__ = __mul__

    def __rsub__(self, other: float) -> TapeValue:
        return _node(other - self.data, (self,), (-1.0,))  # other - self

    def relu(self) -> TapeValue:
        if self.data <= 0.0:
            return _node(0.0, (self,), (0.0,))
        return _node(self.data, (self,), (1.0,))

    def backward(self) -> None:
        """The chain rule over the tape, newest node first; then the tape is emptied."""
        self.grad = 1.0
        for node in reversed(_TAPE):
            upstream = node.grad
            if upstream == 0.0:
                continue
            children = node.children
            if len(children) == 1:  # a zip costs more than the arithmetic
                children[0].grad += node.local_grads[0] * upstream
            else:
                for child, local in zip(children, node.local_grads):
                    child.grad += local * upstream
        _TAPE.clear()


def _sum(values: list[TapeValue]) -> TapeValue:
    return _node(sum([v.data for v in values]), tuple(values), (1.0,) * len(values))


class TapeMLP:
    """MLP(nin, nouts): relu hidden layers, a linear output, parameters in micrograd's order."""

    def __init__(self, nin: int, nouts: list[int]) -> None:
        sizes = [nin, *nouts]
        self.layers = [
            [([TapeValue(0.0) for _ in range(sizes[i])], TapeValue(0.0)) for _ in range(sizes[i + 1])]
            for i in range(len(nouts))
        ]

    def parameters(self) -> list[TapeValue]:
        return [p for layer in self.layers for w, b in layer for p in (*w, b)]

    def __call__(self, x: list[TapeValue]) -> TapeValue:
        last = len(self.layers) - 1
        for index, layer in enumerate(self.layers):
            x = tuple(x)
            x_data = [v.data for v in x]
            outs = []
            for w, b in layer:
                w_data = [v.data for v in w]
                # one dot node: b + Σ wᵢxᵢ, d/dwᵢ = xᵢ, d/dxᵢ = wᵢ, d/db = 1
                outs.append(_node(sum(map(mul, w_data, x_data), b.data), (*w, *x, b), (*x_data, *w_data, 1.0)))
            x = outs if index == last else [out.relu() for out in outs]
        return x[0]


def _l2(parameters: list[TapeValue]) -> TapeValue:
    data = [p.data for p in parameters]  # one node Σ pᵢ·pᵢ, as nn.losses.l2
    return _node(sum(map(mul, data, data)), (*parameters, *parameters), (*data, *data))


def _loss(model: TapeMLP, inputs: list[list[TapeValue]], ys: list[float], parameters: list[TapeValue]) -> TapeValue:
    scores = [model(x) for x in inputs]
    data_loss = _sum([(1.0 - y * score).relu() for y, score in zip(ys, scores)]) * (1.0 / len(ys))
    return data_loss + L2_ALPHA * _l2(parameters)


LIBRARY = scalar.Library(
    name="tape MLP",
    value=TapeValue,
    mlp=TapeMLP,
    loss=_loss,
    zero_grad=scalar.zero_grads,
    children=lambda node: node.children,
)
MlpStep, WideSum, deep_chain, memory = scalar.bind(LIBRARY)


def variant() -> str:
    """What the bound is."""
    return "a bare tape: no walk, no sort, no checks (a lower bound for any Python-object graph)"
