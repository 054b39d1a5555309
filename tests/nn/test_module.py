"""Module, Neuron, Layer and MLP: parameters, names, reprs, forward shapes and graph structure."""

import contextlib
import math
import random
import signal
import threading

import pytest

import nn
from engine import Value
from nn import MLP, Layer, Neuron


def test_mlp_3_4_4_1_has_41_parameters():
    # (3*4 + 4) + (4*4 + 4) + (4*1 + 1) = 16 + 20 + 5
    assert len(MLP(3, [4, 4, 1], seed=0).parameters()) == 41


def test_parameter_names_are_unique_stable_and_dotted():
    model = MLP(3, [4, 4, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert len(names) == len(set(names)) == 41
    assert names == [name for name, _ in MLP(3, [4, 4, 1], seed=5).named_parameters()]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.w.2",
        "layers.0.neurons.0.b",
    ]
    assert "layers.0.neurons.3.w.1" in names
    assert names[-1] == "layers.2.neurons.0.b"


def test_parameters_follow_micrograd_order_layer_by_layer_neuron_by_neuron_weights_then_bias():
    model = MLP(2, [3, 1], seed=1)
    expected = [p for layer in model.layers for n in layer.neurons for p in (*n.w, n.b)]
    assert all(a is b for a, b in zip(model.parameters(), expected))
    assert all(a is b for a, (_, b) in zip(model.parameters(), model.named_parameters()))
    layer = model.layers[0]
    assert all(a is b for a, (_, b) in zip(layer.parameters(), layer.named_parameters()))
    neuron = layer.neurons[0]
    assert [name for name, _ in neuron.named_parameters()] == ["w.0", "w.1", "b"]


def test_a_user_module_finds_its_parameters_by_walking_attributes():
    class Pair(nn.Module):
        def __init__(self):
            self.scale = Value(2.0)
            self.blocks = [Neuron(2, "linear", rng=0), Neuron(2, "linear", rng=1)]
            self._cache = Value(9.0)  # private: not a parameter

        def __call__(self, x):
            return self.scale * self.blocks[0](x)

    names = [name for name, _ in Pair().named_parameters()]
    assert names == [
        "scale",
        "blocks.0.w.0",
        "blocks.0.w.1",
        "blocks.0.b",
        "blocks.1.w.0",
        "blocks.1.w.1",
        "blocks.1.b",
    ]


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [3, 1], seed=0)
    model([1.0, -2.0]).backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 and type(p.grad) is float for p in model.parameters())


def test_reprs_read_like_constructor_calls_nested_for_mlp():
    assert repr(Neuron(3, "tanh", rng=0)) == "Neuron(nin=3, activation='tanh')"
    assert repr(Layer(3, 4, rng=0)) == "Layer(nin=3, nout=4, activation='relu')"
    assert repr(MLP(3, [4, 4, 1], seed=0)) == (
        "MLP(nin=3, nouts=[4, 4, 1], activation='relu', output_activation='linear', layers=[\n"
        "    Layer(nin=3, nout=4, activation='relu'),\n"
        "    Layer(nin=4, nout=4, activation='relu'),\n"
        "    Layer(nin=4, nout=1, activation='linear'),\n"
        "])"
    )


def test_repr_of_a_callable_activation_names_the_function():
    def swish(v):
        return v * v.sigmoid()

    assert "activation=" in repr(Neuron(2, swish, rng=0)) and "swish" in repr(Neuron(2, swish, rng=0))


def test_neuron_forward_is_one_dot_node_and_one_activation_node():
    neuron = Neuron(3, "tanh", rng=0)
    out = neuron([1.0, 2.0, 3.0])
    assert out.op == "tanh" and len(out.children) == 1
    summation = out.children[0]
    assert summation.op == "dot"
    assert summation.children[:3] == tuple(neuron.w) and summation.children[-1] is neuron.b
    assert all(child.is_leaf for child in summation.children)
    expected = math.tanh(sum(w.data * x for w, x in zip(neuron.w, [1.0, 2.0, 3.0])) + neuron.b.data)
    assert out.data == pytest.approx(expected, abs=1e-15)


def test_linear_neuron_adds_no_activation_node():
    neuron = Neuron(2, "linear", rng=0)
    assert neuron([1.0, 2.0]).op == "dot"


@pytest.mark.parametrize(
    ("name", "reference"),
    [
        ("relu", lambda z: max(z, 0.0)),
        ("tanh", math.tanh),
        ("sigmoid", lambda z: 1 / (1 + math.exp(-z))),
        ("linear", lambda z: z),
        ("leaky_relu", lambda z: z if z > 0 else 0.01 * z),
        ("step", lambda z: 1.0 if z >= 0 else 0.0),
        ("sign", lambda z: 1.0 if z >= 0 else -1.0),
        ("softplus", lambda z: math.log1p(math.exp(z))),
    ],
)
def test_every_activation_name_applies_its_function(name, reference):
    for seed in range(4):
        neuron = Neuron(2, name, rng=seed)
        neuron.b.data = -0.3
        x = [0.7, -1.1]
        z = neuron.w[0].data * 0.7 + neuron.w[1].data * -1.1 - 0.3
        assert neuron(x).data == pytest.approx(reference(z), abs=1e-15)


def test_a_callable_activation_is_applied():
    neuron = Neuron(1, lambda v: v * 3, rng=0)
    assert neuron([2.0]).data == pytest.approx(3 * 2.0 * neuron.w[0].data)


def test_unknown_activation_or_init_names_the_choices():
    with pytest.raises(ValueError, match="activation must be one of"):
        Neuron(2, "swish")
    with pytest.raises(ValueError, match="init must be one of"):
        Neuron(2, init="glorot")
    with pytest.raises(TypeError, match="activation"):
        Neuron(2, 3)


def test_layer_always_returns_a_list_even_with_one_neuron():
    out = Layer(2, 1, rng=0)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)


def test_layer_neurons_share_the_same_input_leaves():
    layer = Layer(2, 3, rng=0)
    outs = layer([1.0, 2.0])
    inputs = [out.children[0].children[2:4] for out in outs]
    assert inputs[0][0] is inputs[1][0] is inputs[2][0]


def test_mlp_returns_a_value_for_one_output_and_a_list_otherwise():
    assert isinstance(MLP(2, [3, 1], seed=0)([1, 2]), Value)
    out = MLP(2, [3, 2], seed=0)([1, 2])
    assert isinstance(out, list) and len(out) == 2


def test_mlp_2_16_1_1_runs_and_backpropagates():
    # micrograd crashes here: its Layer returns a bare Value for one neuron and the next layer zips over it.
    model = MLP(2, [16, 1, 1], seed=1)  # seed 1: the one-neuron relu layer is alive at x
    x = [0.5, -1.5]
    out = model(x)
    assert isinstance(out, Value)
    out.backward()
    # the same network in plain floats: a = relu(W1 x + b1), h = relu(w2 . a + b2), out = w3 h + b3
    first, hidden, last = (layer.neurons for layer in model.layers)
    a = [max(0.0, n.w[0].data * x[0] + n.w[1].data * x[1] + n.b.data) for n in first]
    h = max(0.0, sum(w.data * ai for w, ai in zip(hidden[0].w, a)) + hidden[0].b.data)
    assert out.data == pytest.approx(last[0].w[0].data * h + last[0].b.data, abs=1e-12)
    assert h > 0
    assert last[0].w[0].grad == pytest.approx(h, abs=1e-12)  # d out / d w3 = h
    assert last[0].b.grad == 1.0


def test_inputs_may_be_numbers_values_ints_or_tuples():
    model = MLP(2, [3, 1], seed=0)
    expected = model([1.0, 2.0]).data
    assert model((1, 2)).data == expected
    assert model([Value(1.0), 2]).data == expected


def test_gradients_flow_to_value_inputs():
    model = MLP(2, [3, 1], activation="tanh", seed=0)
    x = [Value(0.3), Value(-0.2)]
    model(x).backward()
    eps = 1e-6
    for i in range(2):
        plus = [v.data for v in x]
        minus = [v.data for v in x]
        plus[i] += eps
        minus[i] -= eps
        numeric = (model(plus).data - model(minus).data) / (2 * eps)
        assert x[i].grad == pytest.approx(numeric, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("module", [Neuron(3, rng=0), Layer(3, 2, rng=0), MLP(3, [2, 1], seed=0)])
def test_wrong_input_length_names_expected_and_given(module):
    with pytest.raises(ValueError, match="expects 3 inputs, got 2"):
        module([1.0, 2.0])


def test_non_sequence_input_raises_type_error():
    with pytest.raises(TypeError, match="sequence"):
        MLP(2, [1], seed=0)(5.0)


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        ((0, [1]), ValueError, "nin"),
        ((2.5, [1]), TypeError, "nin"),
        ((2, []), TypeError, "nouts"),
        ((2, [3, 0]), ValueError, r"nouts\[1\]"),
        ((2, [True]), TypeError, r"nouts\[0\]"),
        ((2, 3), TypeError, "nouts"),
    ],
)
def test_bad_sizes_raise_naming_the_argument(args, error, message):
    with pytest.raises(error, match=message):
        MLP(*args)


def test_hidden_and_output_activations_are_applied_per_layer():
    model = MLP(2, [3, 2], activation="tanh", output_activation="sigmoid", seed=0)
    assert [layer.activation for layer in model.layers] == ["tanh", "sigmoid"]
    assert all(out.op == "sigmoid" for out in model([1.0, 2.0]))


def test_global_random_makes_micrograd_weights_when_no_seed_is_given():
    micrograd_nn = pytest.importorskip("micrograd.nn", reason="compares with micrograd: pip install 'chainrule[bench]'")
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    assert ours([0.5, -0.25]).data == pytest.approx(theirs([0.5, -0.25]).data, abs=1e-12)


# --- parameters are found by one walk (issue 16 items 12 and 18) -------------------------------------------------


class ScaledMLP(MLP):
    """A subclass that adds a trainable output scale."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scale = Value(1.0)

    def __call__(self, x):
        return super().__call__(x) * self.scale


def test_a_value_a_subclass_adds_is_trained_and_zeroed_like_every_other_parameter():
    model = ScaledMLP(2, [3, 1], seed=0)
    assert model.parameters() == [p for _, p in model.named_parameters()]
    assert model.parameters()[-1] is model.scale
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    (model([1.0, -2.0]) - 5.0).__pow__(2).backward()
    assert model.scale.grad != 0.0
    optimizer.step()
    assert model.scale.data != 1.0
    model.zero_grad()
    assert model.scale.grad == 0.0


@contextlib.contextmanager
def _fails_instead_of_looping_forever(seconds: float):
    """Turn an endless walk into a test failure after ``seconds`` (SIGALRM, main thread, POSIX).

    Not a timing assertion: the walks below take milliseconds; on e8345a2 they never ended (and their stack
    grew by tens of MB a second), and without this the whole suite hung.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        pytest.skip("needs SIGALRM in the main thread to stop an endless walk")

    def stop(signum, frame):
        raise AssertionError(f"still walking after {seconds:.0f} s: the walk loops over the cycle")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("cycle", ["back reference", "list holding itself"])
def test_a_back_reference_or_a_list_holding_itself_is_walked_once(cycle):
    model = MLP(2, [3, 1], seed=0)
    expected = [name for name, _ in model.named_parameters()]
    if cycle == "back reference":
        model.layers[0].owner = model  # child -> parent
    else:
        loop = [model.layers[1]]
        loop.append(loop)
        model.extra = loop
    with _fails_instead_of_looping_forever(10.0):
        assert [name for name, _ in model.named_parameters()] == expected
        assert len(model.parameters()) == len(expected)
        assert list(model.state_dict()) == expected


def test_a_module_with_a_back_reference_saves_and_loads(tmp_path):
    model = MLP(2, [3, 1], seed=0)
    model.layers[0].owner = model
    model.save(tmp_path / "m.json")
    assert MLP.load(tmp_path / "m.json").state_dict() == MLP(2, [3, 1], seed=0).state_dict()


# --- micrograd's nonlin spelling (issue 17) ------------------------------------------------------------------------


def test_nonlin_true_is_relu_and_false_is_linear_for_neuron_layer_and_mlp():
    x = [1.5, -0.5]
    assert Neuron(2, nonlin=True, rng=0).activation == "relu"
    linear = Neuron(2, nonlin=False, rng=0)
    z = sum(w.data * xi for w, xi in zip(linear.w, x)) + linear.b.data
    assert linear(x).data == pytest.approx(z, abs=1e-15)
    negative = Neuron(2, nonlin=True, rng=0)
    for w in negative.w:
        w.data = -1.0
    assert negative([1.0, 1.0]).data == 0.0  # relu(-2)
    assert all(n.activation == "linear" for n in Layer(2, 3, nonlin=False, rng=0).neurons)
    model = MLP(2, [4, 1], nonlin=False, seed=0)
    assert [layer.activation for layer in model.layers] == ["linear", "linear"]


def test_nonlin_and_activation_together_are_refused():
    with pytest.raises(ValueError, match="nonlin or activation, not both"):
        Neuron(2, activation="tanh", nonlin=True)
    with pytest.raises(TypeError, match="nonlin must be True"):
        Layer(2, 2, nonlin="yes")
