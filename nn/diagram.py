"""``draw_network``: a model drawn as columns of neurons, each weight an edge coloured by sign, sized by magnitude."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from engine import Value
from engine.drawing import new_digraph

if TYPE_CHECKING:
    import graphviz

POSITIVE_COLOUR = "#1f77b4"  # blue: a weight > 0 (excites)
NEGATIVE_COLOUR = "#d62728"  # red: a weight < 0 (inhibits)
NON_FINITE_COLOUR = "#000000"  # black and dashed: a weight that is inf or nan (training diverged)
INPUT_COLOUR = "#cfe2ff"  # the input column, as the leaves of draw_dot
MIN_PENWIDTH, MAX_PENWIDTH = 0.4, 5.0  # the smallest weight's edge, the largest weight's edge
MIN_OPACITY = 0x50  # the smallest weight's edge is faint, never invisible
DEFAULT_MAX_EDGES = 5000  # one edge per weight; past this the drawing is a grey blur and layout is slow
COLUMN_SPACING, ROW_SPACING = 2.0, 1.0  # inches between layers, and between neurons of a layer


def draw_network(
    model: Any, rankdir: str = "LR", show_weights: bool = False, max_edges: int = DEFAULT_MAX_EDGES
) -> graphviz.Digraph:
    """A diagram of ``model`` (an ``nn.MLP``, a ``Layer`` or a ``Neuron``) as a ``graphviz.Digraph``.

    One column per layer, after a column of inputs, each headed by its name; one node per neuron showing its
    activation and bias, the first neuron on top; one edge per weight, blue when positive and red when negative,
    wider and darker the larger ``|w|`` is (relative to the largest finite weight of the model). A weight that is
    inf or nan is drawn as a black dashed edge labelled with its value. A legend under the columns says so.

    - ``rankdir``: ``"LR"`` (inputs on the left) or ``"TB"`` (inputs on top).
    - ``show_weights``: write each weight's value on its edge.
    - ``max_edges``: past this many weights, raise ValueError instead of drawing.

    Every node's position is fixed in the DOT source (Graphviz's ``neato`` layout with pinned positions), so the
    ``dot`` program and the in-process renderer draw the same picture. Render it with
    ``engine.render(diagram, path)``; in Jupyter it shows inline.
    """
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw_network() rankdir must be 'LR' or 'TB', got {rankdir!r}")
    if isinstance(max_edges, bool) or not isinstance(max_edges, int) or max_edges < 1:
        raise ValueError(f"draw_network() max_edges must be a positive int, got {max_edges!r}")
    layers = _layers_of(model)
    n_edges = sum(len(neuron.w) for neurons in layers for neuron in neurons)
    if n_edges > max_edges:
        raise ValueError(
            f"draw_network(): the model has {n_edges} weights, more than max_edges={max_edges}; "
            f"raise it with draw_network(model, max_edges={n_edges}) (layout will be slow), or draw a smaller model."
        )
    weights = [w.data for neurons in layers for neuron in neurons for w in neuron.w]
    largest = max((abs(w) for w in weights if math.isfinite(w)), default=0.0)

    graph = new_digraph(
        graph_attr={
            "layout": "neato",
            "fontname": "Helvetica",
            "splines": "line",
            "fontsize": "10",
            "label": _legend(any(not math.isfinite(w) for w in weights)),
            "labelloc": "b",
        },
        node_attr={
            "fontname": "Helvetica",
            "fontsize": "10",
            "shape": "circle",
            "fixedsize": "true",
            "width": "0.75",
            "style": "filled",
            "fillcolor": "white",
        },
        edge_attr={"arrowhead": "none", "fontname": "Helvetica"},
    )
    columns = [[f"x{k}" for k in range(len(layers[0][0].w))]]
    columns += [[f"layer{i}_neuron{j}" for j in range(len(neurons))] for i, neurons in enumerate(layers)]
    tallest = max(map(len, columns))

    def place(column: int, row: float) -> str:
        along, across = column * COLUMN_SPACING, ((tallest - 1) / 2 - row) * ROW_SPACING  # row 0 on top
        x, y = (along, across) if rankdir == "LR" else (-across, -along)
        return f"{x:g},{y:g}!"

    for column, heading in enumerate(["input"] + [f"layer {i + 1}" for i in range(len(layers))]):
        graph.node(
            f"heading{column}", label=heading, shape="plaintext", fixedsize="false", style="", pos=place(column, -0.8)
        )
    for k, ident in enumerate(columns[0]):
        graph.node(ident, label=f"x{k + 1}", fillcolor=INPUT_COLOUR, pos=place(0, k + (tallest - len(columns[0])) / 2))
    for i, neurons in enumerate(layers):
        current, previous = columns[i + 1], columns[i]
        offset = (tallest - len(current)) / 2
        for j, (ident, neuron) in enumerate(zip(current, neurons)):
            graph.node(ident, label=f"{_activation_name(neuron)}\\nb {neuron.b.data:.2g}", pos=place(i + 1, j + offset))
        for ident, neuron in zip(current, neurons):
            for source, w in zip(previous, neuron.w):
                graph.edge(source, ident, **_edge_style(w.data, largest, show_weights))
    return graph


def _legend(has_non_finite: bool) -> str:
    legend = "blue: w > 0   red: w < 0   width and darkness: |w|"
    return legend + ("   black dashed: w is inf or nan" if has_non_finite else "")


def _edge_style(w: float, largest: float, show_weights: bool) -> dict[str, str]:
    """Colour for the sign, width and opacity for |w| relative to the largest finite weight; inf and nan
    are black, dashed and labelled, since they have no place on that scale."""
    if not math.isfinite(w):
        return {
            "color": NON_FINITE_COLOUR,
            "style": "dashed",
            "penwidth": f"{MAX_PENWIDTH / 2:.2f}",
            "label": repr(w),
            "fontsize": "8",
            "tooltip": f"w = {w!r}",
        }
    size = abs(w) / largest if largest > 0 else 0.0
    opacity = round(MIN_OPACITY + (0xFF - MIN_OPACITY) * size)
    style = {
        "color": f"{POSITIVE_COLOUR if w >= 0 else NEGATIVE_COLOUR}{opacity:02x}",
        "penwidth": f"{MIN_PENWIDTH + (MAX_PENWIDTH - MIN_PENWIDTH) * size:.2f}",
        "tooltip": f"w = {w:.4g}",
    }
    if show_weights:
        style["label"] = f"{w:.2g}"
        style["fontsize"] = "8"
    return style


def _layers_of(model: Any) -> list[list[Any]]:
    """The model as a list of layers, each a list of neurons with ``.w`` (list of Values) and ``.b`` (a Value)."""
    if hasattr(model, "layers"):
        layers: list[Any] = [getattr(layer, "neurons", None) for layer in model.layers]
    elif hasattr(model, "neurons"):
        layers = [model.neurons]
    elif hasattr(model, "w") and hasattr(model, "b"):
        layers = [[model]]
    else:
        raise TypeError(
            f"draw_network() needs a model with .layers[i].neurons[j].w and .b (an nn.MLP, Layer or Neuron), "
            f"got {type(model).__name__}"
        )
    if not layers:
        raise ValueError("draw_network() model has no layers")
    nin = None
    for i, neurons in enumerate(layers):
        if not neurons:
            raise ValueError(f"draw_network() model layer {i} has no neurons")
        for j, neuron in enumerate(neurons):
            w, b = getattr(neuron, "w", None), getattr(neuron, "b", None)
            if not isinstance(b, Value) or not isinstance(w, list | tuple) or not all(isinstance(v, Value) for v in w):
                raise TypeError(f"draw_network() layer {i} neuron {j} needs .w (a list of Values) and .b (a Value)")
            if nin is None:
                nin = len(w)
            if len(w) != nin:
                raise ValueError(
                    f"draw_network() layer {i} neuron {j} has {len(w)} weights but its layer's inputs number {nin}"
                )
        nin = len(neurons)
    return layers


def _activation_name(neuron: Any) -> str:
    activation = getattr(neuron, "activation", "")
    if isinstance(activation, str):
        return activation
    return getattr(activation, "__name__", type(activation).__name__)
