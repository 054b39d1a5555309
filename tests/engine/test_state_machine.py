"""A graph grown step by step (new leaf, combine nodes, backward, zero grads), checked after every step against
an independent reference: forward-mode dual numbers written here with ``math``, never the engine."""

import math

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import engine
from engine import Value
from engine.testing import OPS, Domain


class Dual:
    """A number with a tangent: ``(primal, tangent)`` propagated by the rules of calculus."""

    __slots__ = ("primal", "tangent")

    def __init__(self, primal: float, tangent: float = 0.0) -> None:
        self.primal = primal
        self.tangent = tangent


def _unary(f, df):
    return lambda xs, c, flip: Dual(f(xs[0].primal), df(xs[0].primal) * xs[0].tangent)


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _pow(xs, c, flip):
    (x, dx), (y, dy) = (xs[0].primal, xs[0].tangent), (xs[1].primal, xs[1].tangent)
    return Dual(x**y, y * x ** (y - 1) * dx + x**y * math.log(x) * dy)


def _dot(xs, c, flip):
    n = len(xs) // 2
    ws, vs, bias = xs[:n], xs[n : 2 * n], xs[2 * n :]
    primal = math.fsum([w.primal * v.primal for w, v in zip(ws, vs)] + [b.primal for b in bias])
    tangent = math.fsum(
        [w.tangent * v.primal + w.primal * v.tangent for w, v in zip(ws, vs)] + [b.tangent for b in bias]
    )
    return Dual(primal, tangent)


def _atan2(xs, c, flip):
    (y, dy), (x, dx) = (xs[0].primal, xs[0].tangent), (xs[1].primal, xs[1].tangent)
    return Dual(math.atan2(y, x), (x * dy - y * dx) / (x * x + y * y))


def _mod(xs, c, flip):
    (x, dx), (y, dy) = (xs[0].primal, xs[0].tangent), (xs[1].primal, xs[1].tangent)
    quotient = math.floor((x - math.fmod(x, y)) / y + 0.5)  # x // y by way of C's fmod: exact for the domain
    return Dual(x - y * quotient, dx - quotient * dy)


def _extremum(pick, xs):
    a, b = xs
    if a.primal == b.primal:  # a tie: each side carries half, the average of the one-sided derivatives
        return Dual(a.primal, 0.5 * (a.tangent + b.tangent))
    return a if pick(a.primal, b.primal) == a.primal else b


def _clamp(xs, c, flip):
    lo, hi = (c, c + 1.0) if flip else (-c, c)
    x = xs[0]
    return x if lo <= x.primal <= hi else Dual(min(max(x.primal, lo), hi), 0.0)


# op name -> dual-number rule (operands, constant, flip) -> Dual, from the textbook derivatives
DUAL_RULES = {
    "ADD": lambda xs, c, flip: Dual(xs[0].primal + xs[1].primal, xs[0].tangent + xs[1].tangent),
    "SUB": lambda xs, c, flip: Dual(xs[0].primal - xs[1].primal, xs[0].tangent - xs[1].tangent),
    "MUL": lambda xs, c, flip: Dual(
        xs[0].primal * xs[1].primal, xs[0].tangent * xs[1].primal + xs[0].primal * xs[1].tangent
    ),
    "DIV": lambda xs, c, flip: Dual(
        xs[0].primal / xs[1].primal,
        (xs[0].tangent * xs[1].primal - xs[0].primal * xs[1].tangent) / xs[1].primal ** 2,
    ),
    "NEG": lambda xs, c, flip: Dual(-xs[0].primal, -xs[0].tangent),
    "POW": _pow,
    "POW_CONSTANT": lambda xs, c, flip: Dual(xs[0].primal ** c, c * xs[0].primal ** (c - 1) * xs[0].tangent),
    "ADD_CONSTANT": lambda xs, c, flip: Dual(xs[0].primal + c, xs[0].tangent),
    "SUB_CONSTANT": lambda xs, c, flip: Dual(xs[0].primal - c, xs[0].tangent),
    "RSUB_CONSTANT": lambda xs, c, flip: Dual(c - xs[0].primal, -xs[0].tangent),
    "MUL_CONSTANT": lambda xs, c, flip: Dual(xs[0].primal * c, xs[0].tangent * c),
    "DIV_CONSTANT": lambda xs, c, flip: Dual(xs[0].primal / c, xs[0].tangent / c),
    "RDIV_CONSTANT": lambda xs, c, flip: Dual(c / xs[0].primal, -c / xs[0].primal ** 2 * xs[0].tangent),
    "RPOW_CONSTANT": lambda xs, c, flip: Dual(c ** xs[0].primal, c ** xs[0].primal * math.log(c) * xs[0].tangent),
    "EXP": _unary(math.exp, math.exp),
    "LOG": _unary(math.log, lambda x: 1.0 / x),
    "SQRT": _unary(math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    "SIN": _unary(math.sin, math.cos),
    "COS": _unary(math.cos, lambda x: -math.sin(x)),
    "TANH": _unary(math.tanh, lambda x: 1.0 / math.cosh(x) ** 2),
    "SIGMOID": _unary(_sigmoid, lambda x: _sigmoid(x) * _sigmoid(-x)),
    "SOFTPLUS": _unary(lambda x: math.log1p(math.exp(x)), _sigmoid),
    "RELU": _unary(lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0),
    "LEAKY_RELU": lambda xs, c, flip: Dual(
        xs[0].primal if xs[0].primal > 0 else c * xs[0].primal, xs[0].tangent * (1.0 if xs[0].primal > 0 else c)
    ),
    "ABS": _unary(abs, lambda x: math.copysign(1.0, x)),
    "STEP": _unary(lambda x: 1.0 if x >= 0 else 0.0, lambda x: 0.0),
    "SIGN": _unary(lambda x: 1.0 if x >= 0 else -1.0, lambda x: 0.0),
    "SUM": lambda xs, c, flip: Dual(math.fsum(x.primal for x in xs), math.fsum(x.tangent for x in xs)),
    "DOT": _dot,
    "TAN": _unary(math.tan, lambda x: 1.0 / math.cos(x) ** 2),
    "SINH": _unary(math.sinh, math.cosh),
    "COSH": _unary(math.cosh, math.sinh),
    "ASIN": _unary(math.asin, lambda x: 1.0 / math.sqrt(1.0 - x * x)),
    "ACOS": _unary(math.acos, lambda x: -1.0 / math.sqrt(1.0 - x * x)),
    "ATAN": _unary(math.atan, lambda x: 1.0 / (1.0 + x * x)),
    "ASINH": _unary(math.asinh, lambda x: 1.0 / math.hypot(x, 1.0)),
    "ACOSH": _unary(math.acosh, lambda x: 1.0 / math.sqrt(x * x - 1.0)),
    "ATANH": _unary(math.atanh, lambda x: 1.0 / (1.0 - x * x)),
    "LOG1P": _unary(math.log1p, lambda x: 1.0 / (1.0 + x)),
    "EXPM1": _unary(math.expm1, math.exp),
    "LOG2": _unary(math.log2, lambda x: 1.0 / (x * math.log(2.0))),
    "LOG10": _unary(math.log10, lambda x: 1.0 / (x * math.log(10.0))),
    "ATAN2": _atan2,
    "MOD": _mod,
    "FLOOR": _unary(lambda x: float(math.floor(x)), lambda x: 0.0),
    "CEIL": _unary(lambda x: float(math.ceil(x)), lambda x: 0.0),
    "ROUND": _unary(lambda x: float(round(x)), lambda x: 0.0),
    "MAXIMUM": lambda xs, c, flip: _extremum(max, xs),
    "MINIMUM": lambda xs, c, flip: _extremum(min, xs),
    "CLAMP": _clamp,
    "WHERE": lambda xs, c, flip: xs[1] if xs[0].primal != 0 else xs[2],
}

LEAVES = Domain(-3.0, 3.0)
UPSTREAM = Domain(-2.0, 2.0)


def _close(actual: float, expected: float, scale: float) -> bool:
    return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))


class GrowingGraph(RuleBasedStateMachine):
    """Model: each node's recipe (leaf value, or op + operand indices + constant) and the ``.grad`` it should have."""

    @initialize(x=LEAVES.floats())
    def first_leaf(self, x):
        self.nodes: list[Value] = []
        self.recipes: list[tuple] = []  # ("leaf", value) or (op, operand indices, constant, flip)
        self.expected_grads: list[float] = []
        self.new_leaf(x)

    @rule(x=LEAVES.floats())
    def new_leaf(self, x):
        self._add(Value(x), ("leaf", x))

    @rule(name=st.sampled_from(sorted(OPS)), data=st.data())
    def combine(self, name, data):
        spec = OPS[name]
        count = 1
        if spec.nary:
            count = data.draw(st.integers(1, 3), label="terms")
            count = 2 * count + data.draw(st.integers(0, 1), label="bias") if name == "DOT" else count
        domains = spec.operands * count if spec.nary else spec.operands
        operands = []
        for domain in domains:
            index = self._pick(data, "operand")
            if self.nodes[index].data not in domain:  # move it into the domain by construction: a shift node
                shift = domain.shift_to(self.nodes[index].data, data.draw(domain.floats(), label="target"))
                index = self._add(self.nodes[index] + shift, ("ADD_CONSTANT", (index,), shift, False))
            operands.append(index)
        constant = data.draw(spec.constant.floats(), label="constant") if spec.constant is not None else None
        flip = data.draw(st.booleans(), label="flip")
        node = spec.build([self.nodes[i] for i in operands], constant, flip)
        self._add(node, (name, tuple(operands), constant, flip))

    @rule(data=st.data(), upstream=UPSTREAM.floats())
    def backward(self, data, upstream):
        root = self._pick(data, "root")
        self.nodes[root].backward(upstream)
        for index in self._reachable(root):
            derivative = self._reference_derivative(root, index)
            if self.recipes[index][0] == "leaf":
                self.expected_grads[index] += upstream * derivative
            else:
                self.expected_grads[index] = upstream * derivative

    @rule(data=st.data())
    def zero_grads(self, data):
        root = self._pick(data, "root")
        engine.zero_grad(self.nodes[root])
        for index in self._reachable(root):
            self.expected_grads[index] = 0.0

    @invariant()
    def every_value_matches_the_reference(self):
        for index, primal in enumerate(self._reference(seed=None)):
            assert _close(self.nodes[index].data, primal.primal, 1.0), (index, self.recipes[index])

    @invariant()
    def every_grad_matches_the_reference(self):
        for index, node in enumerate(self.nodes):
            assert _close(node.grad, self.expected_grads[index], self._scale), (
                f"node {index} {self.recipes[index]}: grad {node.grad!r}, reference {self.expected_grads[index]!r}"
            )

    # --- the model, independent of the engine ---------------------------------------------------

    def _pick(self, data, label):
        # counted from the newest node: Hypothesis favours small integers, so graphs grow deep, not wide
        return len(self.nodes) - 1 - data.draw(st.integers(0, len(self.nodes) - 1), label=f"{label} (from newest)")

    def _add(self, node, recipe):
        self.nodes.append(node)
        self.recipes.append(recipe)
        self.expected_grads.append(0.0)
        return len(self.nodes) - 1

    def _reachable(self, root):
        seen, stack = {root}, [root]
        while stack:
            recipe = self.recipes[stack.pop()]
            for child in recipe[1] if recipe[0] != "leaf" else ():
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen

    def _reference(self, seed):
        """Every node as a Dual, with tangent 1 on node ``seed`` (held fixed as an input) and 0 elsewhere."""
        duals = []
        for index, recipe in enumerate(self.recipes):
            if recipe[0] == "leaf":
                dual = Dual(recipe[1])
            else:
                name, operands, constant, flip = recipe
                dual = DUAL_RULES[name]([duals[i] for i in operands], constant, flip)
            if index == seed:
                dual = Dual(dual.primal, 1.0)
            duals.append(dual)
        return duals

    def _reference_derivative(self, root, index):
        """d(root)/d(node index): forward mode seeded at that node."""
        return self._reference(seed=index)[root].tangent

    @property
    def _scale(self):
        # gradients summed over many paths lose absolute precision in proportion to their size
        return max([1.0] + [abs(g) for g in self.expected_grads])


test_growing_graph_matches_forward_mode_dual_numbers = GrowingGraph.TestCase
