"""Seeing the chain rule: ``explain`` writes d(root)/d(wrt) as a sum over paths of products of local derivatives,
with numbers and labels. It reads the graph (``children``, ``local_grads``) and writes nothing to it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

from engine.drawing import Names, _names_by_value, format_number, node_ids
from engine.steps import backward_steps
from engine.value import Value, _reverse_topological_order, grad, reachable

DIGITS = 6  # significant digits of the numbers in the text (the totals are printed in full)
NAME_LENGTH = 24  # an unlabeled node is named by its expression (x1·w1) up to this length, else by its id (v7)


@dataclass(frozen=True)
class ChainPath:
    """One path from the root down to ``wrt``: ``nodes`` from the root to ``wrt``, ``local_grads[i]`` =
    d(nodes[i])/d(nodes[i+1]) and ``product`` their product (1.0 for the empty path when ``wrt`` is the root)."""

    nodes: tuple[Value, ...]
    local_grads: tuple[float, ...]
    product: float


@dataclass(frozen=True)
class NodeSum:
    """The delta rule at one node: d(root)/d(node) as the sum over its parents of
    ``parent_gradient * local_grad`` (``terms``: one ``(parent, parent_gradient, local_grad)`` per edge)."""

    node: Value
    terms: tuple[tuple[Value, float, float], ...]
    gradient: float


class Explanation:
    """What ``explain`` returns: print it (or show it in Jupyter). Attributes:

    - ``gradient``: d(root)/d(wrt) from ``engine.grad`` (the number the explanation adds up to);
    - ``path_count``: how many paths lead from ``wrt`` up to ``root`` (exact; repeated edges count separately);
    - ``paths``: the ``ChainPath`` list when ``path_count <= max_paths``, else None;
    - ``node_sums``: the per-node accumulation (``NodeSum``, in backward's order) when there are too many paths;
    - ``total``: the sum over ``paths`` (or the accumulated gradient of ``wrt``), equal to ``gradient`` up to
      rounding (the paths multiply out what backward factors, so they round differently).
    """

    def __init__(self, root: Value, wrt: Value, max_paths: int, names: dict[Value, str]) -> None:
        self.root, self.wrt, self.max_paths = root, wrt, max_paths
        order = _reverse_topological_order(root)
        self._name = _names(root, names)
        if wrt not in self._name:  # not in root's graph: no paths, gradient 0
            self._name[wrt] = names.get(wrt) or wrt.label or "wrt"
        reaches = _reaching(order, wrt)
        self.path_count = _count_paths(order, reaches, root, wrt)
        self.gradient = grad(root, [wrt])[0]
        self.paths: list[ChainPath] | None = None
        self.node_sums: list[NodeSum] | None = None
        if self.path_count <= max_paths:
            self.paths = _enumerate_paths(root, wrt, reaches)
            self.total = float(sum(path.product for path in self.paths))
        else:
            self.node_sums = _node_sums(root, reaches)
            self.total = self.node_sums[-1].gradient if self.node_sums else 0.0

    # --- text ---------------------------------------------------------------------------------------

    def _partial(self, top: Value, bottom: Value) -> str:
        return f"∂{_wrap(self._name[top])}/∂{_wrap(self._name[bottom])}"

    def _lines(self) -> tuple[str, list[tuple[str, str]], str]:
        """(header, [(formula, numbers)], footer): the pieces every format shows."""
        d = self._partial(self.root, self.wrt)
        rows = []
        if self.paths is not None:
            plural = "path" if self.path_count == 1 else "paths"
            header = (
                f"{d} is the sum over the {self.path_count} {plural} from {self._name[self.wrt]} to "
                f"{self._name[self.root]} of the product of the local derivatives along each path:"
            )
            for path in self.paths:
                if not path.local_grads:
                    rows.append((f"{d} (the root itself)", "1"))
                    continue
                formula = " · ".join(self._partial(a, b) for a, b in zip(path.nodes, path.nodes[1:]))
                numbers = " · ".join(map(_factor, path.local_grads))
                rows.append((formula, f"{numbers} = {_number(path.product)}"))
            summed = " + ".join(_signed(path.product, first=i == 0) for i, path in enumerate(self.paths)) or "0"
            footer = f"{d} = {summed} = {self.total!r}  (engine.grad: {self.gradient!r})"
        else:
            header = (
                f"{d}: {self.path_count} paths lead from {self._name[self.wrt]} to {self._name[self.root]}, "
                f"more than max_paths={self.max_paths}, so here is the per-node accumulation that backward "
                "does instead (the delta rule): each node's gradient is the sum over its parents of the "
                "parent's gradient times the local derivative, parents first."
            )
            for node_sum in self.node_sums or ():
                node = node_sum.node
                if not node_sum.terms:
                    rows.append((f"{self._partial(self.root, node)}", "1 (the root)"))
                    continue
                formula = " + ".join(
                    f"{self._partial(self.root, parent)} · {self._partial(parent, node)}"
                    for parent, _, _ in node_sum.terms
                )
                numbers = " + ".join(f"{_factor(g)} · {_factor(local)}" for _, g, local in node_sum.terms)
                rows.append(
                    (f"{self._partial(self.root, node)} = {formula}", f"{numbers} = {_number(node_sum.gradient)}")
                )
            footer = f"{d} = {self.total!r}  (engine.grad: {self.gradient!r})"
        return header, rows, footer

    def _where(self) -> list[str]:
        """``v7 = tanh(v3)`` for each node named by its id, so that the formulas can be read back."""
        shown = {node for path in self.paths or () for node in path.nodes}
        shown |= {node for s in self.node_sums or () for node in (s.node, *(t[0] for t in s.terms))}
        lines = []
        for node in sorted(shown, key=lambda n: int(self._name[n][1:]) if _is_id(self._name[n]) else -1):
            if _is_id(self._name[node]) and node.children:
                lines.append(f"{self._name[node]} = {_expression(node, self._name)}")
        return lines

    def __str__(self) -> str:
        header, rows, footer = self._lines()
        lines = [header]
        for formula, numbers in rows:
            lines += [f"  {formula}", f"      = {numbers}"]
        lines.append(footer)
        where = self._where()
        if where:
            lines.append("where " + "; ".join(where))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<Explanation of {self._partial(self.root, self.wrt)} = {self.gradient!r}: "
            f"{self.path_count} path{'s' if self.path_count != 1 else ''}>"
        )

    def _repr_markdown_(self) -> str:
        header, rows, footer = self._lines()
        lines = [header, "", "| | chain rule | numbers |", "|---|---|---|"]
        lines += [f"| {i} | `{formula}` | `{numbers}` |" for i, (formula, numbers) in enumerate(rows, start=1)]
        lines += ["", f"`{footer}`"]
        where = self._where()
        if where:
            lines += ["", "where " + "; ".join(f"`{line}`" for line in where)]
        return "\n".join(line.replace("|", "\\|") if line.startswith("`") else line for line in lines)

    def _repr_html_(self) -> str:
        header, rows, footer = self._lines()
        cells = "".join(
            f"<tr><td>{i}</td><td><code>{html.escape(formula)}</code></td><td><code>{html.escape(numbers)}"
            "</code></td></tr>"
            for i, (formula, numbers) in enumerate(rows, start=1)
        )
        where = self._where()
        where_html = f"<p>where <code>{html.escape('; '.join(where))}</code></p>" if where else ""
        return (
            f"<div class='chainrule-explain'><p>{html.escape(header)}</p><table><tr><th></th><th>chain rule</th>"
            f"<th>numbers</th></tr>{cells}</table><p><code>{html.escape(footer)}</code></p>{where_html}</div>"
        )


def explain(root: Value, wrt: Value, max_paths: int = 20, names: Names | None = None) -> Explanation:
    """d(root)/d(wrt) the way the seed articles derive it by hand: every path from ``wrt`` up to ``root`` as a
    product of local derivatives with their numbers, then the sum over paths next to ``engine.grad``'s value.

    - ``max_paths``: past this many paths (their count grows exponentially with depth), show the per-node
      accumulation instead (the delta rule: each node's gradient as the sum of its parents' contributions).
    - ``names``: as in ``draw_dot`` (e.g. ``dict(model.named_parameters())``); otherwise nodes are named by their
      labels, unlabeled nodes by their expression (``x1·w1``), or by their ``draw_dot`` id (``v7``) when that is
      long, with a ``where v7 = ...`` line.

    ``str()`` gives the text; in Jupyter it shows as a table (``_repr_html_`` / ``_repr_markdown_``). Nothing in the
    graph is written.
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain() root must be a Value, got {type(root).__name__}")
    if not isinstance(wrt, Value):
        raise TypeError(
            f"explain() wrt must be a Value (an input or parameter of root's graph), got {type(wrt).__name__}"
        )
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 0:
        raise ValueError(f"explain() max_paths must be an int >= 0, got {max_paths!r}")
    return Explanation(root, wrt, max_paths, _names_by_value(names))


# --- helpers --------------------------------------------------------------------------------------


def _reaching(order: list[Value], wrt: Value) -> set[Value]:
    """The nodes of ``order`` from which ``wrt`` can be reached (``wrt`` included): the only ones on a path."""
    reaches = set()
    for node in reversed(order):  # children before parents
        if node is wrt or any(child in reaches for child in node.children):
            reaches.add(node)
    return reaches


def _count_paths(order: list[Value], reaches: set[Value], root: Value, wrt: Value) -> int:
    """Paths from ``root`` to ``wrt``, one per sequence of edges (exact, a Python int)."""
    if wrt not in reaches:
        return 0
    count = {root: 1}
    for node in order:
        if node in reaches:
            for child in node.children:
                if child in reaches:
                    count[child] = count.get(child, 0) + count[node]
    return count[wrt]


def _enumerate_paths(root: Value, wrt: Value, reaches: set[Value]) -> list[ChainPath]:
    """Every path from ``root`` to ``wrt``, first children first, on an explicit stack."""
    if root not in reaches:
        return []
    paths = []
    stack: list[tuple[tuple[Value, ...], tuple[float, ...]]] = [((root,), ())]
    while stack:
        nodes, locals_ = stack.pop()
        node = nodes[-1]
        if node is wrt:
            paths.append(ChainPath(nodes, locals_, math.prod(locals_)))
            continue
        for child, local in reversed(list(zip(node.children, node.local_grads))):
            if child in reaches:
                stack.append((nodes + (child,), locals_ + (local,)))
    return paths


def _node_sums(root: Value, reaches: set[Value]) -> list[NodeSum]:
    """The accumulation of ``backward_steps``, node by node, for the nodes on a path to ``wrt``."""
    steps = backward_steps(root)
    terms: dict[Value, list[tuple[Value, float, float]]] = {}
    for step in steps:
        for edge in step.edges:
            if edge.child in reaches:
                terms.setdefault(edge.child, []).append((step.node, step.gradient, edge.local_grad))
    return [
        NodeSum(step.node, tuple(terms.get(step.node, ())), step.gradient) for step in steps if step.node in reaches
    ]


_INFIX = {"+": " + ", "-": " - ", "*": "·", "/": "/", "**": "**"}


def _expression(node: Value, name: dict[Value, str]) -> str:
    """``node`` as its op applied to its children's names: ``x1·w1``, ``tanh(n)``, ``x**2``, ``Σ(a, b, c)``, with
    parentheses only where precedence needs them."""
    op, args = node.op, [name[child] for child in node.children]
    if op in _INFIX and len(args) == 2:
        return _operand(args[0], op, right=False) + _INFIX[op] + _operand(args[1], op, right=True)
    if len(args) == 1 and (op.startswith("**") or op.startswith("/")):
        return _operand(args[0], op[:2] if op.startswith("**") else "/", right=False) + op
    if len(args) == 1 and op.endswith("**"):
        return op + _operand(args[0], "**", right=True)
    return f"{op}({', '.join(args)})"


def _operand(text: str, op: str, right: bool) -> str:
    """``text`` as an operand of the infix ``op``, in parentheses when it binds more loosely."""
    sums = " + " in text or " - " in text
    products = sums or "·" in text or "/" in text
    needs = {"+": False, "-": right and sums, "*": sums, "/": products if right else sums, "**": not _plain(text)}
    return f"({text})" if needs.get(op, True) and not _plain(text) else text


def _names(root: Value, names: dict[Value, str]) -> dict[Value, str]:
    """A display name for every node: ``names``, else the label, else a constant's number, else its expression
    (when short) or its ``draw_dot`` id. One loop, children before parents."""
    ids = node_ids(reachable(root))
    name: dict[Value, str] = {}
    for node in reversed(_reverse_topological_order(root)):
        if node in names:
            name[node] = names[node]
        elif node.label:
            name[node] = node.label
        elif not node.children:
            name[node] = _number(node.data)
        else:
            expression = _expression(node, name)
            name[node] = expression if len(expression) <= NAME_LENGTH else ids[node]
    return name


def _number(x: float) -> str:
    return format_number(x, digits=DIGITS)


def _factor(x: float) -> str:
    """A number as a factor of a product: negative ones in parentheses, 2 · (-3)."""
    text = _number(x)
    return f"({text})" if text.startswith("-") else text


def _is_id(name: str) -> bool:
    return name[:1] == "v" and name[1:].isdigit()


def _plain(name: str) -> bool:
    """A single word (``w1``, ``layers.0.b``), number or call (``tanh(n)``): no parentheses needed around it."""
    if name.replace("_", "").replace(".", "").isalnum() or _is_number(name):
        return True
    head, _, _ = name.partition("(")
    return bool(head) and head.isidentifier() and name.endswith(")") and _balanced(name[len(head) :])


def _balanced(text: str) -> bool:
    """``(...)`` whose first parenthesis closes at the very end."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index == len(text) - 1
    return False


def _wrap(name: str) -> str:
    """A name that is not a single word, number or call gets parentheses: ∂n/∂(x1·w1)."""
    return name if _plain(name) else f"({name})"


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("…"))
    except ValueError:
        return False
    return True


def _signed(x: float, first: bool) -> str:
    text = _number(x)
    return text if first or not text.startswith("-") else f"({text})"
