"""Hostile arguments: every public function and constructor of ``engine`` and ``nn``, given junk (None, strings,
NaN, negative sizes, empty lists, mismatched lengths), raises TypeError or ValueError naming the argument."""

import inspect
import math
import re
from collections.abc import Callable

import pytest

import engine
import nn
from engine import Value
from nn import MLP, SGD, Adam, AdamW, Layer, Neuron, Perceptron, data, init, losses, metrics
from nn.diagram import draw_network

NAN = math.nan


def _params() -> list[Value]:
    return MLP(2, [2, 1], seed=0).parameters()


def _testing():
    pytest.importorskip("hypothesis")
    import engine.testing

    return engine.testing


def _square(x: Value) -> Value:
    return x * x


# (target, junk description, call, words of which the message must contain one: the argument's name)
CASES: list[tuple[str, str, Callable[[], object], tuple[str, ...]]] = [
    # --- engine ---
    ("engine.Value", "None", lambda: Value(None), ("Value()", "data")),
    ("engine.Value", "a string", lambda: Value("1.5"), ("Value()", "data")),
    ("engine.Value", "a complex", lambda: Value(1 + 2j), ("Value()", "data")),
    ("engine.Value", "a list", lambda: Value([1.0]), ("Value()", "data")),
    ("engine.Value", "a Value", lambda: Value(Value(1.0)), ("Value()", "data")),
    ("engine.Value", "label None", lambda: Value(1.0, label=None), ("label",)),
    ("Value.backward", "gradient None", lambda: Value(1.0).exp().backward(None), ("gradient",)),
    ("Value.backward", "gradient a string", lambda: Value(1.0).exp().backward("1"), ("gradient",)),
    ("Value.leaky_relu", "slope None", lambda: Value(1.0).leaky_relu(None), ("slope",)),
    ("Value.leaky_relu", "slope a string", lambda: Value(1.0).leaky_relu("0.1"), ("slope",)),
    ("Value.__add__", "None", lambda: Value(1.0) + None, ("unsupported operand",)),
    ("Value.__mul__", "a string", lambda: "2" * Value(1.0), ("unsupported operand", "can't multiply")),
    ("Value.__pow__", "a list", lambda: Value(1.0) ** [2], ("unsupported operand",)),
    ("Value.__lt__", "None", lambda: Value(1.0) < None, ("comparison operand", "'<'")),
    ("engine.sum", "None", lambda: engine.sum(None), ("values",)),
    ("engine.sum", "a string term", lambda: engine.sum([Value(1.0), "2"]), ("values",)),
    ("engine.sum", "start a string", lambda: engine.sum([Value(1.0)], start="0"), ("start",)),
    ("engine.dot", "mismatched lengths", lambda: engine.dot([1.0, 2.0], [Value(1.0)]), ("ws", "weights")),
    ("engine.dot", "ws None", lambda: engine.dot(None, [Value(1.0)]), ("ws", "weights")),
    ("engine.dot", "xs None", lambda: engine.dot([Value(1.0)], None), ("xs", "inputs")),
    ("engine.dot", "start None", lambda: engine.dot([Value(1.0)], [2.0], start=None), ("start",)),
    ("engine.dots", "rows None", lambda: engine.dots(None, [Value(1.0)]), ("rows",)),
    ("engine.dots", "a row None", lambda: engine.dots([None], [Value(1.0)], [Value(0.0)]), ("ws",)),
    ("engine.dots", "xs None", lambda: engine.dots([[Value(1.0)]], None), ("xs",)),
    ("engine.dots", "starts a number", lambda: engine.dots([[Value(1.0)]], [Value(1.0)], 0.5), ("starts",)),
    ("engine.dots", "fewer starts", lambda: engine.dots([[1.0], [2.0]], [Value(1.0)], [Value(0.0)]), ("starts",)),
    ("engine.dots", "a start a string", lambda: engine.dots([[1.0]], [Value(1.0)], ["0"]), ("start",)),
    ("engine.dots", "a row too long", lambda: engine.dots([[1.0, 2.0]], [Value(1.0)], [Value(0.0)]), ("ws",)),
    ("engine.compile", "fn None", lambda: engine.compile(None), ("fn",)),
    ("engine.compile", "params None", lambda: engine.compile(lambda x: x, None), ("params",)),
    ("engine.compile", "params of numbers", lambda: engine.compile(lambda x: x, [1.0]), ("params",)),
    ("engine.compile", "backend jax", lambda: engine.compile(lambda x: x, backend="jax"), ("backend",)),
    ("engine.compile", "names a list", lambda: engine.compile(lambda x: x, names=["w"]), ("names",)),
    ("engine.compile", "device for python", lambda: engine.compile(lambda x: x, device="cpu"), ("device",)),
    ("engine.compile", "an argument a string", lambda: engine.compile(lambda x: x).value("1"), ("argument",)),
    (
        "engine.compile",
        "batch columns of two lengths",
        lambda: engine.compile(lambda x, y: x * y).batch([1.0, 2.0], [1.0]),
        ("columns",),
    ),
    ("engine.grad", "output None", lambda: engine.grad(None, []), ("output",)),
    ("engine.grad", "inputs None", lambda: engine.grad(Value(1.0).exp(), None), ("inputs",)),
    ("engine.grad", "inputs of numbers", lambda: engine.grad(Value(1.0).exp(), [1.0]), ("inputs",)),
    ("engine.zero_grad", "None", lambda: engine.zero_grad(None), ("root",)),
    ("engine.zero_grad", "a list of Values", lambda: engine.zero_grad([Value(1.0)]), ("root",)),
    ("engine.gradcheck", "f None", lambda: engine.gradcheck(None, [1.0]), ("f",)),
    ("engine.gradcheck", "inputs None", lambda: engine.gradcheck(_square, None), ("inputs",)),
    ("engine.gradcheck", "inputs of strings", lambda: engine.gradcheck(_square, ["1"]), ("inputs",)),
    ("engine.gradcheck", "empty inputs", lambda: engine.gradcheck(_square, []), ("inputs",)),
    ("engine.gradcheck", "eps 0", lambda: engine.gradcheck(_square, [1.0], eps=0.0), ("eps",)),
    ("engine.gradcheck", "eps NaN", lambda: engine.gradcheck(_square, [1.0], eps=NAN), ("eps",)),
    ("engine.gradcheck", "eps a string", lambda: engine.gradcheck(_square, [1.0], eps="1e-6"), ("eps",)),
    ("engine.gradcheck", "atol negative", lambda: engine.gradcheck(_square, [1.0], atol=-1.0), ("atol",)),
    ("engine.gradcheck", "rtol NaN", lambda: engine.gradcheck(_square, [1.0], rtol=NAN), ("rtol",)),
    ("engine.gradgradcheck", "f None", lambda: engine.gradgradcheck(None, [1.0]), ("f",)),
    ("engine.gradgradcheck", "inputs None", lambda: engine.gradgradcheck(_square, None), ("inputs",)),
    ("engine.gradgradcheck", "eps 0", lambda: engine.gradgradcheck(_square, [1.0], eps=0.0), ("eps",)),
    ("engine.draw_dot", "root None", lambda: engine.draw_dot(None), ("root",)),
    ("engine.draw_dot", "rankdir junk", lambda: engine.draw_dot(Value(1.0).exp(), rankdir="XY"), ("rankdir",)),
    ("engine.draw_dot", "max_nodes negative", lambda: engine.draw_dot(Value(1.0).exp(), max_nodes=-1), ("max_nodes",)),
    ("engine.draw_dot", "names a number", lambda: engine.draw_dot(Value(1.0).exp(), names=5), ("names",)),
    ("engine.render", "graph None", lambda: engine.render(None), ("graph",)),
    ("engine.render", "format junk", lambda: engine.render(Value(1.0).exp(), format="exe"), ("format",)),
    (
        "engine.render",
        "format and extension disagree",
        lambda: engine.render(Value(1.0).exp(), "graph.png", format="svg"),
        ("format",),
    ),
    ("engine.backward_steps", "root None", lambda: engine.backward_steps(None), ("root",)),
    ("engine.explain", "root None", lambda: engine.explain(None, Value(1.0)), ("root",)),
    (
        "engine.explain",
        "max_paths negative",
        lambda: engine.explain(Value(1.0).exp(), Value(1.0), max_paths=-1),
        ("max_paths",),
    ),
    ("engine.explore", "root None", lambda: engine.explore(None), ("root",)),
    ("engine.explore", "path None", lambda: engine.explore(Value(1.0).exp(), path=None), ("path",)),
    ("engine.testing.floats_for", "unknown op", lambda: _testing().floats_for("NOPE"), ("name",)),
    (
        "engine.testing.expressions",
        "max_inputs negative",
        lambda: _testing().expressions(max_inputs=-1),
        ("max_inputs",),
    ),
    ("engine.testing.expressions", "max_ops None", lambda: _testing().expressions(max_ops=None), ("max_ops",)),
    ("engine.testing.assert_gradients_match", "f None", lambda: _testing().assert_gradients_match(None, [1.0]), ("f",)),
    # --- nn modules ---
    ("nn.MLP", "nin None", lambda: MLP(None, [1]), ("nin",)),
    ("nn.MLP", "nin NaN", lambda: MLP(NAN, [1]), ("nin",)),
    ("nn.MLP", "nin negative", lambda: MLP(-2, [1]), ("nin",)),
    ("nn.MLP", "nouts None", lambda: MLP(2, None), ("nouts",)),
    ("nn.MLP", "nouts empty", lambda: MLP(2, []), ("nouts",)),
    ("nn.MLP", "nouts a string", lambda: MLP(2, "16"), ("nouts",)),
    ("nn.MLP", "nouts negative", lambda: MLP(2, [4, -1]), ("nouts",)),
    ("nn.MLP", "activation junk", lambda: MLP(2, [1], activation="rleu"), ("activation",)),
    ("nn.MLP", "activation None", lambda: MLP(2, [1], activation=None), ("activation",)),
    ("nn.MLP", "output_activation a number", lambda: MLP(2, [1], output_activation=3), ("activation",)),
    ("nn.MLP", "init junk", lambda: MLP(2, [1], init="glorot!"), ("init",)),
    ("nn.MLP", "seed a string", lambda: MLP(2, [1], seed="1"), ("seed",)),
    ("nn.MLP", "seed NaN", lambda: MLP(2, [1], seed=NAN), ("seed",)),
    ("MLP.__call__", "None", lambda: MLP(2, [1], seed=0)(None), ("input",)),
    ("MLP.__call__", "too few inputs", lambda: MLP(2, [1], seed=0)([1.0]), ("input",)),
    ("MLP.__call__", "empty list", lambda: MLP(2, [1], seed=0)([]), ("input",)),
    ("MLP.__call__", "strings", lambda: MLP(2, [1], seed=0)(["1", "2"]), ("input",)),
    ("nn.Layer", "nin a string", lambda: Layer("2", 3), ("nin",)),
    ("nn.Layer", "nout zero", lambda: Layer(2, 0), ("nout",)),
    ("nn.Layer", "activation None", lambda: Layer(2, 2, activation=None), ("activation",)),
    ("Layer.__call__", "mismatched length", lambda: Layer(2, 2, rng=0)([1.0, 2.0, 3.0]), ("input",)),
    ("nn.Neuron", "nin negative", lambda: Neuron(-1), ("nin",)),
    ("nn.Neuron", "rng a string", lambda: Neuron(2, rng="seed"), ("rng",)),
    ("nn.Neuron", "init None", lambda: Neuron(2, init=None), ("init",)),
    ("Neuron.__call__", "None", lambda: Neuron(2, rng=0)(None), ("input",)),
    ("nn.Perceptron", "nin zero", lambda: Perceptron(0), ("nin",)),
    ("nn.Perceptron", "lr negative", lambda: Perceptron(2, lr=-1.0), ("lr",)),
    ("nn.Perceptron", "lr NaN", lambda: Perceptron(2, lr=NAN), ("lr",)),
    ("Perceptron.update", "label 5", lambda: Perceptron(2, seed=0).update([1.0, 2.0], 5), ("y", "label")),
    ("Perceptron.update", "x None", lambda: Perceptron(2, seed=0).update(None, 1), ("input", "x")),
    ("Perceptron.fit", "mismatched lengths", lambda: Perceptron(2, seed=0).fit([[1.0, 2.0]], []), ("ys", "labels")),
    ("Perceptron.fit", "epochs negative", lambda: Perceptron(2, seed=0).fit([[1.0, 2.0]], [1], epochs=-1), ("epochs",)),
    (
        "Perceptron.fit",
        "epochs a string",
        lambda: Perceptron(2, seed=0).fit([[1.0, 2.0]], [1], epochs="9"),
        ("epochs",),
    ),
    ("Perceptron.predict", "strings", lambda: Perceptron(2, seed=0).predict(["a", "b"]), ("input", "x")),
    ("Module.load_state_dict", "None", lambda: MLP(2, [1]).load_state_dict(None), ("state_dict",)),
    ("Module.load_state_dict", "a list", lambda: MLP(2, [1]).load_state_dict([1.0, 2.0, 3.0]), ("state_dict",)),
    ("Module.load_state_dict", "empty dict", lambda: MLP(2, [1]).load_state_dict({}), ("state_dict", "missing")),
    ("Module.save", "path None", lambda: MLP(2, [1]).save(None), ("path",)),
    ("Module.save", "path a number", lambda: MLP(2, [1]).save(3.5), ("path",)),
    ("Module.load", "path None", lambda: MLP.load(None), ("path",)),
    ("Module.load_weights", "path None", lambda: MLP(2, [1]).load_weights(None), ("path",)),
    ("nn.draw_network", "model None", lambda: draw_network(None), ("model",)),
    ("nn.draw_network", "rankdir junk", lambda: draw_network(MLP(2, [1]), rankdir="XY"), ("rankdir",)),
    ("nn.draw_network", "max_edges negative", lambda: draw_network(MLP(2, [1]), max_edges=-1), ("max_edges",)),
    # --- optimizers ---
    ("nn.SGD", "params None", lambda: SGD(None, lr=0.1), ("params",)),
    ("nn.SGD", "params empty", lambda: SGD([], lr=0.1), ("params",)),
    ("nn.SGD", "params of numbers", lambda: SGD([1.0, 2.0], lr=0.1), ("params",)),
    ("nn.SGD", "lr None", lambda: SGD(_params(), lr=None), ("lr",)),
    ("nn.SGD", "lr a string", lambda: SGD(_params(), lr="0.1"), ("lr",)),
    ("nn.SGD", "lr NaN", lambda: SGD(_params(), lr=NAN), ("lr",)),
    ("nn.SGD", "lr negative", lambda: SGD(_params(), lr=-0.1), ("lr",)),
    ("nn.SGD", "momentum negative", lambda: SGD(_params(), lr=0.1, momentum=-0.9), ("momentum",)),
    ("nn.SGD", "nesterov without momentum", lambda: SGD(_params(), lr=0.1, nesterov=True), ("nesterov",)),
    ("nn.SGD", "weight_decay NaN", lambda: SGD(_params(), lr=0.1, weight_decay=NAN), ("weight_decay",)),
    ("nn.Adam", "params None", lambda: Adam(None), ("params",)),
    ("nn.Adam", "lr NaN", lambda: Adam(_params(), lr=NAN), ("lr",)),
    ("nn.Adam", "betas None", lambda: Adam(_params(), betas=None), ("betas",)),
    ("nn.Adam", "betas of length 3", lambda: Adam(_params(), betas=(0.9, 0.9, 0.9)), ("betas",)),
    ("nn.Adam", "betas above 1", lambda: Adam(_params(), betas=(1.5, 0.999)), ("betas",)),
    ("nn.Adam", "betas strings", lambda: Adam(_params(), betas=("a", "b")), ("betas",)),
    ("nn.Adam", "eps negative", lambda: Adam(_params(), eps=-1e-8), ("eps",)),
    ("nn.AdamW", "weight_decay a string", lambda: AdamW(_params(), weight_decay="0.01"), ("weight_decay",)),
    ("nn.AdamW", "lr negative", lambda: AdamW(_params(), lr=-1.0), ("lr",)),
    # --- losses ---
    ("nn.losses.mse", "None", lambda: losses.mse(None, None), ("predictions",)),
    ("nn.losses.mse", "empty lists", lambda: losses.mse([], []), ("predictions", "prediction")),
    ("nn.losses.mse", "mismatched lengths", lambda: losses.mse([Value(1.0)], [1.0, 2.0]), ("targets",)),
    ("nn.losses.mse", "a string target", lambda: losses.mse([Value(1.0)], ["1"]), ("targets",)),
    (
        "nn.losses.mse",
        "a single prediction, a list of targets",
        lambda: losses.mse(Value(1.0), [1.0, 2.0]),
        ("target",),
    ),
    (
        "nn.losses.binary_cross_entropy",
        "mismatched lengths",
        lambda: losses.binary_cross_entropy([Value(0.5)], []),
        ("targets",),
    ),
    ("nn.losses.binary_cross_entropy", "None", lambda: losses.binary_cross_entropy(None, [1.0]), ("probabilities",)),
    ("nn.losses.bce_with_logits", "empty lists", lambda: losses.bce_with_logits([], []), ("logits", "prediction")),
    ("nn.losses.bce_with_logits", "a string target", lambda: losses.bce_with_logits(Value(0.5), "1"), ("target",)),
    ("nn.losses.cross_entropy", "target out of range", lambda: losses.cross_entropy([1.0, 2.0], 5), ("target",)),
    ("nn.losses.cross_entropy", "target negative", lambda: losses.cross_entropy([1.0, 2.0], -1), ("target",)),
    ("nn.losses.cross_entropy", "target None", lambda: losses.cross_entropy([1.0, 2.0], None), ("target",)),
    ("nn.losses.cross_entropy", "target a float", lambda: losses.cross_entropy([1.0, 2.0], 1.5), ("target",)),
    ("nn.losses.cross_entropy", "empty logits", lambda: losses.cross_entropy([], 0), ("logits",)),
    (
        "nn.losses.cross_entropy",
        "mismatched batch",
        lambda: losses.cross_entropy([[1.0, 2.0]], [0, 1]),
        ("target", "logits"),
    ),
    ("nn.losses.hinge", "mismatched lengths", lambda: losses.hinge([Value(1.0)], [1, -1]), ("y", "target")),
    ("nn.losses.hinge", "margin a string", lambda: losses.hinge(Value(1.0), 1, margin="1"), ("margin",)),
    ("nn.losses.hinge", "margin None", lambda: losses.hinge(Value(1.0), 1, margin=None), ("margin",)),
    ("nn.losses.l2", "None", lambda: losses.l2(None), ("parameters",)),
    ("nn.losses.l2", "strings", lambda: losses.l2(["a", "b"]), ("parameters",)),
    (
        "nn.losses.cross_entropy",
        "reduction unknown",
        lambda: losses.cross_entropy([1.0], 0, reduction="avg"),
        ("reduction",),
    ),
    ("nn.losses.softmax", "None", lambda: losses.softmax(None), ("logits",)),
    ("nn.losses.softmax", "a string score", lambda: losses.softmax([1.0, "2"]), ("logits",)),
    ("nn.softmax", "empty logits", lambda: nn.softmax([]), ("logits",)),
    # --- data, metrics, optimizer state ---
    ("nn.data.moons", "n_points a string", lambda: data.moons("100"), ("n_points",)),
    ("nn.data.moons", "noise negative", lambda: data.moons(10, noise=-0.1), ("noise",)),
    ("nn.data.moons", "seed a string", lambda: data.moons(10, seed="1"), ("seed",)),
    ("nn.data.yinyang", "n_points a string", lambda: data.yinyang("100"), ("n_points",)),
    ("nn.data.yinyang", "seed a string", lambda: data.yinyang(10, seed="1"), ("seed",)),
    ("nn.data.yinyang", "r_small too tiny to sample", lambda: data.yinyang(10, r_small=1e-9), ("r_small",)),
    ("nn.data.yinyang", "r_big huge", lambda: data.yinyang(10, r_big=1e308), ("r_big",)),
    ("nn.minibatches", "batch_size zero", lambda: list(nn.minibatches([1, 2], 0)), ("batch_size",)),
    ("nn.minibatches", "data None", lambda: list(nn.minibatches(None, 2)), ("data",)),
    ("nn.minibatches", "rng a string", lambda: list(nn.minibatches([1, 2], 1, rng="x")), ("rng",)),
    ("nn.data.minibatches", "data a set", lambda: list(data.minibatches({1, 2}, 1)), ("data",)),
    ("nn.accuracy", "mismatched lengths", lambda: nn.accuracy([1.0], [1, -1]), ("targets", "predictions")),
    ("nn.metrics.accuracy", "float class targets", lambda: metrics.accuracy([[1.0, 0.0]], [0.0]), ("targets",)),
    ("Optimizer.load_state_dict", "None", lambda: SGD(_params(), lr=0.1).load_state_dict(None), ("state_dict",)),
    (
        "Optimizer.load_state_dict",
        "another class's",
        lambda: SGD(_params(), lr=0.1).load_state_dict(Adam(_params()).state_dict()),
        ("state_dict",),
    ),
    # --- init ---
    ("nn.init.resolve", "None", lambda: init.resolve(None), ("init",)),
    ("nn.init.resolve", "unknown name", lambda: init.resolve("orthogonal"), ("init",)),
    ("nn.init.make_rng", "a string", lambda: init.make_rng("1"), ("seed",)),
    ("nn.init.make_rng", "NaN", lambda: init.make_rng(NAN), ("seed",)),
    ("nn.init.sample", "count negative", lambda: init.sample("uniform", -3, 2), ("count",)),
    ("nn.init.sample", "count a string", lambda: init.sample("uniform", "3", 2), ("count",)),
    ("nn.init.sample", "fan_in zero", lambda: init.sample("he", 3, 0), ("fan_in",)),
    ("nn.init.he", "fan_in zero", lambda: init.he(0, 1, init.make_rng(0)), ("fan_in",)),
    ("nn.init.xavier", "fans negative", lambda: init.xavier(-1, -1, init.make_rng(0)), ("fan_in", "fan_out")),
    ("nn.init.xavier", "fan_in a string", lambda: init.xavier("2", 1, init.make_rng(0)), ("fan_in",)),
    # --- engine: the op set as functions, primitive, forward mode ---
    *[
        (f"engine.{name}", "None", lambda name=name: getattr(engine, name)(None), ("x",))
        for name in (
            "abs acos acosh asin asinh atan atanh ceil clamp cos cosh exp expm1 floor log log1p log2 log10 relu round "
            "sigmoid sin sinh sqrt tan tanh"
        ).split()
    ],
    ("engine.atan2", "y a string", lambda: engine.atan2("1", 1.0), ("y",)),
    ("engine.remainder", "y None", lambda: engine.remainder(1.0, None), ("y",)),
    ("engine.maximum", "b a list", lambda: engine.maximum(1.0, [2.0]), ("b",)),
    ("engine.minimum", "a None", lambda: engine.minimum(None, 2.0), ("a",)),
    ("engine.clamp", "lo a string", lambda: engine.clamp(1.0, "0"), ("lo",)),
    ("engine.where", "condition a string", lambda: engine.where("yes", 1.0, 2.0), ("condition",)),
    ("engine.primitive", "name None", lambda: engine.primitive(None), ("name",)),
    ("engine.jvp", "f None", lambda: engine.jvp(None, [1.0], [1.0]), ("f",)),
    ("engine.jvp", "tangents too few", lambda: engine.jvp(_square, [1.0], []), ("tangent",)),
    ("engine.jvp", "primals a string", lambda: engine.jvp(_square, ["1"], [1.0]), ("primals",)),
    ("engine.jacobian", "inputs None", lambda: engine.jacobian(_square, None), ("inputs",)),
    ("engine.hessian", "f returns a list", lambda: engine.hessian(lambda x: [x, x], [1.0]), ("f",)),
]


# Cases that fail today: open bugs (strict xfail: a fix turns them into failures to delete here). None open.
OPEN_BUGS: set[str] = set()


def _case_id(case: tuple) -> str:
    return f"{case[0]}-{case[1]}".replace(" ", "_")


def _params_with_marks() -> list:
    xfail = pytest.mark.xfail(strict=True, reason="open bug: wrong exception type, or the message does not name it")
    return [
        pytest.param(*case, id=_case_id(case), marks=[xfail] if _case_id(case) in OPEN_BUGS else []) for case in CASES
    ]


@pytest.mark.parametrize("target, junk, call, names", _params_with_marks())
def test_junk_argument_raises_type_or_value_error_naming_the_argument(target, junk, call, names):
    with pytest.raises((TypeError, ValueError)) as raised:
        call()
    message = str(raised.value)
    assert any(re.search(rf"(?<![a-z_]){re.escape(name)}", message, re.IGNORECASE) for name in names), (
        f"{target} given {junk}: {type(raised.value).__name__} does not name {' / '.join(names)}: {message}"
    )


# Public names that take no arguments or are not callables (nothing to feed junk to).
_NOTHING_TO_FEED = {
    "engine.no_grad",
    "engine.enable_grad",
    "engine.detect_anomaly",
    "engine.is_grad_enabled",
    "engine.AnomalyError",
    "engine.GradcheckError",
    "engine.TracingError",
    "nn.ACTIVATIONS",
    "nn.Module",
    "nn.Optimizer",
    "nn.init",
    "nn.losses",
    "nn.init.uniform",
    "nn.init.zeros",
    "nn.data",
    "nn.metrics",
}


def _public_api() -> set[str]:
    names = {f"engine.{name}" for name in engine.__all__} | {f"nn.{name}" for name in nn.__all__}
    for module in (losses, init, data, metrics):
        names |= {
            f"{module.__name__}.{name}"
            for name, obj in vars(module).items()
            if inspect.isfunction(obj) and obj.__module__ == module.__name__ and not name.startswith("_")
        }
    names.add("nn.draw_network")
    names |= {"engine.testing.floats_for", "engine.testing.expressions", "engine.testing.assert_gradients_match"}
    return names


def test_every_open_bug_names_a_case_in_the_table():
    assert OPEN_BUGS <= {_case_id(case) for case in CASES}


def test_every_public_function_and_constructor_is_fed_junk():
    covered = {case[0] for case in CASES}
    missing = sorted(_public_api() - covered - _NOTHING_TO_FEED)
    assert missing == []
