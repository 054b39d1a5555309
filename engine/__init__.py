"""chainrule's engine: scalar ``Value`` nodes, reverse-mode gradients, gradient checks and graph drawing."""

from engine._mode import enable_grad, is_grad_enabled, no_grad
from engine.anomaly import AnomalyError, detect_anomaly
from engine.compile import compile  # noqa: A004 - engine.compile is the public name (SPEC)
from engine.drawing import draw_dot, render
from engine.explain import explain
from engine.explore import explore
from engine.gradcheck import GradcheckError, gradcheck, gradgradcheck
from engine.steps import backward_steps
from engine.value import Value, dot, grad, sum, zero_grad

__all__ = [
    "AnomalyError",
    "GradcheckError",
    "Value",
    "backward_steps",
    "compile",
    "detect_anomaly",
    "dot",
    "draw_dot",
    "enable_grad",
    "explain",
    "explore",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "render",
    "sum",
    "zero_grad",
]
