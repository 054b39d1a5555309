"""Every op's value and gradient against PyTorch float64 autograd, at negative, positive and large points."""

import math

import pytest

import engine
from engine import Value

torch = pytest.importorskip("torch")

REL = 1e-12

# name: (chainrule function of Values, torch function of tensors, points)
UNARY = {
    "neg": (lambda x: -x, lambda x: -x, [-3.5, 0.25, 1e6]),
    "exp": (lambda x: x.exp(), torch.exp, [-20.0, -1.5, 0.3, 2.0, 300.0]),
    "log": (lambda x: x.log(), torch.log, [1e-8, 0.3, 2.0, 1e6, 1e300]),
    "sqrt": (lambda x: x.sqrt(), torch.sqrt, [1e-8, 0.3, 2.0, 1e6]),
    "sin": (lambda x: x.sin(), torch.sin, [-7.0, -0.5, 0.3, 2.0, 1e4]),
    "cos": (lambda x: x.cos(), torch.cos, [-7.0, -0.5, 0.3, 2.0, 1e4]),
    "tanh": (lambda x: x.tanh(), torch.tanh, [-30.0, -0.5, 0.3, 2.0, 30.0]),
    "sigmoid": (lambda x: x.sigmoid(), torch.sigmoid, [-40.0, -0.5, 0.3, 2.0, 40.0]),
    "softplus": (lambda x: x.softplus(), lambda x: torch.logaddexp(x, torch.zeros_like(x)), [-40.0, -0.5, 0.3, 25.0]),
    "relu": (lambda x: x.relu(), torch.relu, [-3.0, -0.5, 0.3, 2.0, 1e6]),
    "leaky_relu": (lambda x: x.leaky_relu(), torch.nn.functional.leaky_relu, [-3.0, -0.5, 0.3, 1e6]),
    "leaky_relu(0.2)": (
        lambda x: x.leaky_relu(0.2),
        lambda x: torch.nn.functional.leaky_relu(x, 0.2),
        [-3.0, -0.5, 0.3, 1e6],
    ),
    "abs": (lambda x: x.abs(), torch.abs, [-3.0, -0.5, 0.3, 1e6]),
    "abs()": (lambda x: abs(x), torch.abs, [-3.0, 0.3]),
    "step": (lambda x: x.step(), lambda x: torch.heaviside(x.detach(), torch.ones_like(x)) + 0 * x, [-3.0, 0.3, 1e6]),
    "sign": (lambda x: x.sign(), torch.sign, [-3.0, -0.5, 0.3, 1e6]),
    "square": (lambda x: x**2, lambda x: x**2, [-3.0, 0.5, 1e6]),
    "cube": (lambda x: x**3, lambda x: x**3, [-3.0, 0.5, 1e3]),
    "x ** -1.5": (lambda x: x**-1.5, lambda x: x**-1.5, [0.1, 2.0, 1e6]),
    "x + 3": (lambda x: x + 3, lambda x: x + 3, [-3.0, 0.5, 1e6]),
    "3 + x": (lambda x: 3 + x, lambda x: 3 + x, [-3.0, 0.5, 1e6]),
    "x - 3": (lambda x: x - 3, lambda x: x - 3, [-3.0, 0.5, 1e6]),
    "3 - x": (lambda x: 3 - x, lambda x: 3 - x, [-3.0, 0.5, 1e6]),
    "x * -2.5": (lambda x: x * -2.5, lambda x: x * -2.5, [-3.0, 0.5, 1e6]),
    "-2.5 * x": (lambda x: -2.5 * x, lambda x: -2.5 * x, [-3.0, 0.5, 1e6]),
    "x / 7": (lambda x: x / 7, lambda x: x / 7, [-3.0, 0.5, 1e6]),
    "7 / x": (lambda x: 7 / x, lambda x: 7 / x, [-3.0, 0.5, 1e6]),
    "2 ** x": (lambda x: 2**x, lambda x: 2**x, [-3.0, 0.5, 100.0]),
    "0.5 ** x": (lambda x: 0.5**x, lambda x: 0.5**x, [-3.0, 0.5, 100.0]),
}

BINARY = {
    "x + y": (lambda x, y: x + y, [(-3.0, 2.0), (0.5, 1e6)]),
    "x - y": (lambda x, y: x - y, [(-3.0, 2.0), (0.5, 1e6)]),
    "x * y": (lambda x, y: x * y, [(-3.0, 2.0), (0.5, -1e6)]),
    "x / y": (lambda x, y: x / y, [(-3.0, 2.0), (0.5, -1e6), (1e6, 3e-3)]),
    "x ** y": (lambda x, y: x**y, [(0.5, 2.5), (3.0, -1.5), (1.5, 40.0)]),
}


def _close(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=REL, abs_tol=0.0)


def _torch_value_and_grads(f, points):
    xs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in points]
    out = f(*xs)
    grads = torch.autograd.grad(out, xs, allow_unused=True)
    return out.item(), [0.0 if g is None else g.item() for g in grads]


def _ours(f, points):
    xs = [Value(p) for p in points]
    out = f(*xs)
    out.backward()
    return out.data, [x.grad for x in xs]


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_op_value_and_gradient_equal_pytorch(name):
    ours_f, torch_f, points = UNARY[name]
    for p in points:
        value, (gradient,) = _ours(ours_f, [p])
        t_value, (t_gradient,) = _torch_value_and_grads(torch_f, [p])
        assert _close(value, t_value), f"{name}({p}) = {value}, torch {t_value}"
        assert _close(gradient, t_gradient), f"d {name}({p}) = {gradient}, torch {t_gradient}"


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_op_value_and_gradients_equal_pytorch(name):
    f, points = BINARY[name]
    for p in points:
        value, grads = _ours(f, list(p))
        t_value, t_grads = _torch_value_and_grads(f, list(p))
        assert _close(value, t_value), f"{name} at {p} = {value}, torch {t_value}"
        for i, (g, tg) in enumerate(zip(grads, t_grads)):
            assert _close(g, tg), f"d({name})/d input {i} at {p} = {g}, torch {tg}"


def test_sum_and_dot_nodes_equal_pytorch():
    ws, xs, b = [0.5, -1.25, 3.0, 1e3], [2.0, 0.75, 0.4, 1e-3], 0.125
    w_vals, x_vals, b_val = [Value(w) for w in ws], [Value(x) for x in xs], Value(b)
    out = engine.dot(w_vals, x_vals, start=b_val).tanh() + engine.sum(x_vals, start=b_val) * 0.5
    out.backward()
    tw, tx, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (ws, xs, b))
    t_out = (torch.dot(tw, tx) + tb).tanh() + (tx.sum() + tb) * 0.5
    t_out.backward()
    assert _close(out.data, t_out.item())
    for ours, theirs in [(w_vals, tw), (x_vals, tx)]:
        for v, g in zip(ours, theirs.grad.tolist()):
            assert _close(v.grad, g)
    assert _close(b_val.grad, tb.grad.item())


def test_second_derivatives_equal_pytorch():
    def f(x, y):  # the same code runs on Values and on tensors
        return (x * y).tanh() + x.exp() / y + (x**2 * y).sin()

    points = [0.3, 1.7]
    xs = [Value(p) for p in points]
    first = engine.grad(f(*xs), xs, create_graph=True)
    hessian = [engine.grad(g, xs) for g in first]
    txs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in points]
    t_first = torch.autograd.grad(f(*txs), txs, create_graph=True)
    t_hessian = [[h.item() for h in torch.autograd.grad(g, txs, retain_graph=True)] for g in t_first]
    for row, t_row in zip(hessian, t_hessian):
        for h, th in zip(row, t_row):
            assert math.isclose(h, th, rel_tol=1e-11)
