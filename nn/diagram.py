"""``draw_network``: a model drawn as columns of neurons, each weight an edge coloured by sign, sized by magnitude."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.render import _new_digraph
from engine.value import Value

if TYPE_CHECKING:
    import graphviz

POSITIVE_COLOUR = "#1f77b4"  # blue: a weight > 0 (excites)
NEGATIVE_COLOUR = "#d62728"  # red: a weight < 0 (inhibits)
INPUT_COLOUR = "#cfe2ff"  # the input column, as the leaves of draw_dot
MIN_PENWIDTH, MAX_PENWIDTH = 0.4, 5.0  # the smallest weight's edge, the largest weight's edge
MIN_OPACITY = 0x50  # the smallest weight's edge is faint, never invisible
DEFAULT_MAX_EDGES = 5000  # one edge per weight; past this the drawing is a grey blur and layout is slow


def draw_network(
    model: Any, rankdir: str = "LR", show_weights: bool = False, max_edges: int = DEFAULT_MAX_EDGES
) -> graphviz.Digraph:
    """A diagram of ``model`` (an ``nn.MLP``, a ``Layer`` or a ``Neuron``) as a ``graphviz.Digraph``.

    One column per layer, after a column of inputs; one node per neuron showing its activation and bias; one
    edge per weight, blue when positive and red when negative, wider and darker the larger ``|w|`` is
    (relative to the largest weight of the model).

    - ``rankdir``: ``"LR"`` (inputs on the left) or ``"TB"`` (inputs on top).
    - ``show_weights``: write each weight's value on its edge.
    - ``max_edges``: past this many weights, raise ValueError instead of drawing.

    Render it with ``engine.render(diagram, path)``; in Jupyter it shows inline.
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
    largest = max((abs(w.data) for neurons in layers for neuron in neurons for w in neuron.w), default=0.0)

    graph = _new_digraph(
        graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "ranksep": "1.2", "nodesep": "0.25",
                    "splines": "line"},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "shape": "circle", "fixedsize": "true",
                   "width": "0.75", "style": "filled", "fillcolor": "white"},
        edge_attr={"arrowhead": "none"},
    )
    previous = [f"x{k}" for k in range(len(layers[0][0].w))]
    with graph.subgraph(name="cluster_input") as column:
        column.attr(label="input", rank="same", style="dashed", color="lightgrey")
        for k, ident in enumerate(previous):
            column.node(ident, label=f"x{k + 1}", fillcolor=INPUT_COLOUR)
    for i, neurons in enumerate(layers):
        current = [f"layer{i}_neuron{j}" for j in range(len(neurons))]
        with graph.subgraph(name=f"cluster_layer{i}") as column:
            column.attr(label=f"layer {i + 1}", rank="same", style="dashed", color="lightgrey")
            for ident, neuron in zip(current, neurons):
                column.node(ident, label=f"{_activation_name(neuron)}\\nb {neuron.b.data:.2g}")
        for ident, neuron in zip(current, neurons):
            for source, w in zip(previous, neuron.w):
                graph.edge(source, ident, **_edge_style(w.data, largest, show_weights))
        previous = current
    return graph


def _edge_style(w: float, largest: float, show_weights: bool) -> dict[str, str]:
    """Colour for the sign, width and opacity for |w| relative to the largest weight."""
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
        layers = [getattr(layer, "neurons", None) for layer in model.layers]
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
