"""``backward_steps``: what ``backward()`` does, one node at a time, as records (read by ``draw_dot(step=k)`` and
``explore``). It reads the graph and writes nothing to it."""

from __future__ import annotations

from dataclasses import dataclass

from engine.value import Value, _as_float, _reverse_topological_order


@dataclass(frozen=True)
class Edge:
    """One child's update in a backward step: ``contribution = local_grad * (the parent's gradient)``, added into
    the child's running ``total``."""

    child: Value
    local_grad: float
    contribution: float
    total: float


@dataclass(frozen=True)
class BackwardStep:
    """What backward does at one node: ``gradient`` = d(root)/d(node) is complete (every parent came before), and
    it is passed to each child through ``edges`` (one per child, in input order, repeats kept; none for a leaf).
    ``number`` counts from 1."""

    number: int
    node: Value
    gradient: float
    edges: tuple[Edge, ...]


def backward_steps(root: Value, gradient: float = 1.0) -> list[BackwardStep]:
    """One ``BackwardStep`` per node reachable from ``root``, in the order ``backward()`` visits them (parents
    before children), seeded with ``gradient``.

    After the last step every node's gradient equals what ``root.backward(gradient)`` computes for this pass.
    (``backward()`` skips the arithmetic below a node whose gradient is 0; the steps list those zero
    contributions, which change no total.) Nothing in the graph is written. ``draw_dot(root, step=k)`` draws the
    state after step ``k``; ``engine.explore`` steps through them in a browser.
    """
    if not isinstance(root, Value):
        raise TypeError(f"backward_steps() root must be a Value, got {type(root).__name__}")
    seed = _as_float(gradient, "backward_steps() gradient")
    totals: dict[Value, float] = {root: seed}
    steps = []
    for number, node in enumerate(_reverse_topological_order(root), start=1):
        upstream = totals[node]
        edges = []
        for child, local in zip(node.children, node.local_grads):
            contribution = local * upstream
            previous = totals.get(child)
            totals[child] = total = contribution if previous is None else previous + contribution
            edges.append(Edge(child, local, contribution, total))
        steps.append(BackwardStep(number, node, upstream, tuple(edges)))
    return steps
