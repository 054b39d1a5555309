"""Forward mode: ``jvp`` (a directional derivative in one sweep), ``jacobian`` and ``hessian``.

NB: unlike JAX's ``jvp``, which carries a tangent beside every value and records nothing, this runs ``f`` once on
Values and then pushes tangents through the recorded graph, inputs to output: each node's tangent is
Σ local derivative × the child's tangent, with the local derivatives the op rules recorded on the forward pass. The
arithmetic is forward-mode accumulation (one sweep per direction, no reverse pass), and every op, primitives
included, gets it from its one registry entry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from engine._mode import enable_grad
from engine.value import Number, Value, _as_float, _children_first, _tuple_of, grad


def _leaves(primals: Sequence[Value | Number], what: str) -> list[Value]:
    """A fresh leaf per input (a Value gives its data): derivatives never touch the caller's nodes."""
    primals = _tuple_of(primals, what)
    return [Value(p._data if isinstance(p, Value) else _as_float(p, f"{what}[{i}]")) for i, p in enumerate(primals)]


def _outputs(result: Any) -> tuple[list[Any], bool]:
    """``f``'s result as a list of outputs, and whether it was a single one."""
    if isinstance(result, Value) or not hasattr(result, "__iter__"):
        return [result], True
    return list(result), False


def _forward_order(roots: Sequence[Any]) -> list[Value]:
    """Every node reachable from ``roots`` (Values among them), each after all of its children: the order tangents
    flow in."""
    return _children_first([root for root in roots if isinstance(root, Value)])


def _push_tangents(order: list[Value], seeds: dict[Value, float]) -> dict[Value, float]:
    """The tangent of every node that depends on a seeded leaf: ṫ(node) = Σ local_i · ṫ(child_i), children first.
    Nodes that depend on no seed are left out (their tangent is 0), so a constant's nan slope adds nothing."""
    tangents = dict(seeds)
    for node in order:
        total = None
        for child, local in zip(node._children, node._local_grads):
            tangent = tangents.get(child)
            if tangent is not None:
                total = local * tangent if total is None else total + local * tangent
        if total is not None:
            tangents[node] = float(total)
    return tangents


def _run(f: Callable[..., Any], xs: list[Value]) -> tuple[list[Any], bool, list[Value]]:
    if not callable(f):
        raise TypeError(f"f must be a function of Values, got {type(f).__name__}")
    with enable_grad():  # the sweep needs the graph, also inside no_grad
        outputs, single = _outputs(f(*xs))
    for index, out in enumerate(outputs):
        if not isinstance(out, (Value, int, float)):
            raise TypeError(f"f must return a Value or a sequence of Values, got {type(out).__name__} at {index}")
    return outputs, single, _forward_order(outputs)


def _data(out: Value | Number) -> float:
    return out._data if isinstance(out, Value) else float(out)


def jvp(f: Callable[..., Any], primals: Sequence[Value | Number], tangents: Sequence[Number]) -> tuple[Any, Any]:
    """``(f(*primals), J·tangents)``: the value and the derivative of ``f`` in the direction ``tangents``.

    ``f`` takes one Value per primal and returns a Value (both results are floats) or a sequence of Values (both
    are lists of floats). ``primals``: numbers or Values (their data is used; their ``.grad`` is not touched).
    ``tangents``: one number per primal.
    """
    xs = _leaves(primals, "primals")
    directions = [_as_float(t, f"tangents[{i}]") for i, t in enumerate(_tuple_of(tangents, "tangents"))]
    if len(directions) != len(xs):
        raise ValueError(f"jvp needs one tangent per primal, got {len(xs)} primals and {len(directions)} tangents")
    outputs, single, order = _run(f, xs)
    pushed = _push_tangents(order, {x: t for x, t in zip(xs, directions)})
    values = [_data(out) for out in outputs]
    derivatives = [pushed.get(out, 0.0) if isinstance(out, Value) else 0.0 for out in outputs]
    return (values[0], derivatives[0]) if single else (values, derivatives)


def jacobian(f: Callable[..., Any], inputs: Sequence[Value | Number]) -> list[list[float]]:
    """The Jacobian of ``f`` at ``inputs``, one row per output, one column per input: ``J[i][j]`` = d out_i / d x_j.

    ``f`` returns a Value (one row) or a sequence of Values. Forward mode: one tangent sweep per input, through a
    graph recorded once.
    """
    xs = _leaves(inputs, "inputs")
    outputs, _, order = _run(f, xs)
    columns = []
    for x in xs:
        pushed = _push_tangents(order, {x: 1.0})
        columns.append([pushed.get(out, 0.0) if isinstance(out, Value) else 0.0 for out in outputs])
    return [[column[i] for column in columns] for i in range(len(outputs))]


def hessian(f: Callable[..., Value], inputs: Sequence[Value | Number]) -> list[list[float]]:
    """The Hessian of a scalar ``f`` at ``inputs``: ``H[i][j]`` = d² f / dx_i dx_j, a list of rows.

    Forward over reverse: the gradient from ``grad(..., create_graph=True)``, then one tangent sweep per input
    through the gradient's graph."""
    xs = _leaves(inputs, "inputs")
    outputs, single, _ = _run(f, xs)
    if not single:
        raise TypeError(
            f"hessian needs f to return one Value (a scalar), got {len(outputs)} outputs; "
            "use jacobian for a vector function"
        )
    with enable_grad():
        gradient = grad(outputs[0], xs, create_graph=True)
    return jacobian_of_values(gradient, xs)


def jacobian_of_values(outputs: Sequence[Value], xs: Sequence[Value]) -> list[list[float]]:
    """d outputs[i] / d xs[j] for Values already computed from the leaves ``xs``, by forward sweeps."""
    order = _forward_order(outputs)
    columns = [_push_tangents(order, {x: 1.0}) for x in xs]
    return [[pushed.get(out, 0.0) for pushed in columns] for out in outputs]
