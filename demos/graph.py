"""Looking at the graph: a neuron's computational graph with its data and gradients, and a network diagram.

Run::

    python -m demos.graph [--quick] [--out DIR]

It builds micrograd's two-input neuron o = tanh(x1*w1 + x2*w2 + b), runs ``o.backward()``, and draws the graph
(one box per Value: label | data | grad; one oval per op; inputs blue, parameters amber, output green), then
draws an MLP as columns of neurons with each weight an edge (blue positive, red negative, wider when larger).
It prints the two SVG paths it wrote (default folder ``demos/out``), e.g.::

    wrote demos/out/graph.svg
    wrote demos/out/network.svg

Rendering uses the Graphviz ``dot`` program if installed, else the in-process renderer
(``pip install 'chainrule[render]'``). The README's picture is ``python -m demos.graph --out docs``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from demos._common import parse_args
from engine import Value, draw_dot, render
from nn import MLP
from nn.diagram import draw_network

SEED = 0  # fixes the network's initial weights
NETWORK = (2, [4, 4, 1])  # nin, nouts of the MLP in the network diagram
QUICK_NETWORK = (2, [3, 1])  # the smaller network of --quick
BIAS_SPREAD = 0.5  # biases start at 0; drawn from U(-0.5, 0.5) here so the diagram shows them


def neuron_graph(out: Path) -> tuple[Value, Path]:
    """micrograd's neuron, after backward(), drawn to ``out/graph.svg``; returns the output Value and the path."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")  # chosen so that n = atanh(1/√2) and o = 1/√2
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    path = render(draw_dot(o, names={"w1": w1, "w2": w2, "b": b}), out / "graph.svg")
    return o, path


def network_diagram(out: Path, sizes: tuple[int, list[int]]) -> tuple[MLP, Path]:
    """A seeded MLP drawn to ``out/network.svg``; returns the model and the path."""
    nin, nouts = sizes
    model = MLP(nin, nouts, activation="tanh", seed=SEED)
    rng = random.Random(SEED)
    for layer in model.layers:
        for neuron in layer.neurons:
            neuron.b.data = rng.uniform(-BIAS_SPREAD, BIAS_SPREAD)
    return model, render(draw_network(model), out / "network.svg")


def main(argv: Sequence[str] | None = None) -> dict:
    """Write both pictures and return ``{"neuron": o, "model": MLP, "paths": [graph.svg, network.svg]}``."""
    args = parse_args(__doc__, argv)
    args.out.mkdir(parents=True, exist_ok=True)
    o, graph_path = neuron_graph(args.out)
    model, network_path = network_diagram(args.out, QUICK_NETWORK if args.quick else NETWORK)
    for path in (graph_path, network_path):
        print(f"wrote {path}")
    return {"neuron": o, "model": model, "paths": [graph_path, network_path]}


if __name__ == "__main__":
    main()
