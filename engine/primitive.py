"""``@engine.primitive(name)``: a user's op, one rule registered beside the built-in ones in ``engine.ops``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from engine import ops
from engine.value import Number, Value, apply

Rule = Callable[..., tuple[Any, tuple[Any, ...]]]  # rule(num, *inputs) -> (out, local_grads)


def primitive(name: str, *, domains: Sequence[ops.Domain] = ()) -> Callable[[Rule], Callable[..., Value]]:
    """Decorator: register ``rule(num, *inputs) -> (out, local_grads)`` as the op ``name`` and return the function
    that applies it to Values (or plain numbers, which become constant leaves)::

        @engine.primitive("cube")
        def cube(num, x):
            return x * x * x, (3 * x * x,)  # the value, then d/dx: one local derivative per input, in order

    The rule gets the same number system ``num`` the built-in rules get (floats on the forward pass, Values for
    ``grad(..., create_graph=True)``, code for ``engine.compile``), so the op works with ``backward``, ``grad``,
    higher derivatives, ``detect_anomaly``, ``gradcheck``, ``draw_dot`` and ``compile`` with no second definition.
    Write it as the built-in rules are: ``num.where(cond, a, b)`` rather than ``if`` on an input, and the functions
    of ``num`` (``num.exp``, ``num.log``...) rather than ``math``. A new float function goes in with
    ``@engine.ops.float_form``; under ``create_graph`` it is differentiated as the registered op of the same name.

    ``name``: unique among registered ops (a clash raises ValueError). ``domains``: optional ``engine.ops.Domain``
    per input, where ``engine.testing`` may sample the op. A rule that returns a number of local derivatives other
    than its number of inputs raises ValueError naming the op. Check a new rule with ``engine.gradcheck`` and
    ``engine.gradgradcheck``.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"primitive() takes the op's name, a non-empty str, got {type(name).__name__}: {name!r}")

    def register(rule: Rule) -> Callable[..., Value]:
        if not callable(rule):
            raise TypeError(f"@primitive({name!r}) decorates a rule function, got {type(rule).__name__}")
        entry = ops.op(name, _checked(name, rule), domains=tuple(domains))

        @functools.wraps(rule)
        def apply_op(*inputs: Value | Number) -> Value:
            return apply(entry, *inputs)

        apply_op.op = entry  # type: ignore[attr-defined]
        return apply_op

    return register


def _checked(name: str, rule: Rule) -> Rule:
    """``rule`` with its result checked in every number system: a pair, one local derivative per input."""

    @functools.wraps(rule)
    def checked_rule(num: object, *inputs: object) -> tuple[Any, tuple[Any, ...]]:
        result = rule(num, *inputs)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise TypeError(f"primitive {name!r}: the rule must return (out, local_grads), got {result!r}")
        out, local_grads = result
        local_grads = tuple(local_grads) if isinstance(local_grads, (tuple, list)) else (local_grads,)
        if len(local_grads) != len(inputs):
            raise ValueError(
                f"primitive {name!r}: the rule returned {len(local_grads)} local derivative(s) for {len(inputs)} "
                "input(s); return one per input, in input order (a tuple, even for one input: (d,))"
            )
        return out, local_grads

    return checked_rule
