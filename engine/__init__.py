"""chainrule's engine: scalar ``Value`` nodes, reverse-mode gradients, gradient checks and graph drawing.

>>> import engine
>>> from engine import Value
>>> x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.5, label="b")
>>> y = (w * x + b).tanh()  # a neuron: w·x + b, then tanh
>>> y.backward()  # the chain rule, once, from y back to every node
>>> round(y.data, 4), round(w.grad, 4), round(x.grad, 4)
(0.4621, 1.5729, -2.3593)
>>> [round(d, 4) for d in engine.grad(y, [w, x])]  # the same derivatives, without touching .grad
[1.5729, -2.3593]

Also here: ``no_grad`` / ``enable_grad``, ``grad(..., create_graph=True)`` for higher derivatives, ``jvp``,
``jacobian``, ``hessian``, ``compile`` (trace once, replay as generated code), ``gradcheck``, ``detect_anomaly``,
``draw_dot`` / ``render`` (the graph as a picture), ``explain`` (a derivative as a sum over paths), the op functions
(``engine.tanh(x)``...) and ``primitive`` (your own op). Property-testing helpers are in ``engine.testing`` (needs
Hypothesis). The API reference: ``make docs``.
"""

from typing import TYPE_CHECKING

from engine._mode import enable_grad, is_grad_enabled, no_grad
from engine.anomaly import AnomalyError, detect_anomaly
from engine.compiler import TracingError, compile  # noqa: A004 - engine.compile is the public name (SPEC)
from engine.drawing import draw_dot, render
from engine.explain import explain
from engine.explore import explore
from engine.forward import hessian, jacobian, jvp
from engine.functions import (
    abs,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    ceil,
    clamp,
    cos,
    cosh,
    exp,
    expm1,
    floor,
    log,
    log1p,
    log2,
    log10,
    maximum,
    minimum,
    relu,
    remainder,
    round,
    sigmoid,
    sin,
    sinh,
    sqrt,
    tan,
    tanh,
    where,
)
from engine.gradcheck import GradcheckError, gradcheck, gradgradcheck
from engine.primitive import primitive
from engine.steps import backward_steps
from engine.value import Value, dot, dots, grad, sum, zero_grad

__all__ = [
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atan2",
    "atanh",
    "ceil",
    "clamp",
    "cos",
    "cosh",
    "exp",
    "expm1",
    "floor",
    "log",
    "log1p",
    "log2",
    "log10",
    "maximum",
    "minimum",
    "relu",
    "remainder",
    "round",
    "sigmoid",
    "sin",
    "sinh",
    "sqrt",
    "tan",
    "tanh",
    "where",
    "AnomalyError",
    "GradcheckError",
    "Value",
    "backward_steps",
    "compile",
    "TracingError",
    "detect_anomaly",
    "dot",
    "dots",
    "draw_dot",
    "enable_grad",
    "explain",
    "explore",
    "grad",
    "hessian",
    "jacobian",
    "jvp",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "primitive",
    "render",
    "sum",
    "zero_grad",
]

if TYPE_CHECKING:
    __version__: str
else:

    def __getattr__(name: str) -> str:
        # ``engine.__version__`` from the package metadata, looked up on first use (see engine._version); defined
        # for the interpreter only, so that type checkers still reject a misspelled attribute of engine
        if name == "__version__":
            from engine._version import version

            return version()
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
