"""Bad arguments and hostile model files: TypeError / ValueError naming the argument (or file, or key), short."""

import json
import math

import pytest

import nn.module
from engine import Value
from nn import MLP, SGD, Adam, Layer, Neuron, Perceptron, init, losses

NAN = math.nan


def _document(model):
    return {
        "format": "chainrule.nn",
        "version": 1,
        "class": type(model).__name__,
        "config": model._config(),
        "state_dict": model.state_dict(),
    }


@pytest.fixture
def document():
    return _document(MLP(2, [3, 1], seed=0))


def _write_text(tmp_path, text, name="m.json"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- modules --------------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["rleu", None, 3])
def test_a_bad_activation_is_refused_even_when_no_hidden_layer_uses_it(activation):
    with pytest.raises((TypeError, ValueError), match="^activation must be"):
        MLP(2, [1], activation=activation)


@pytest.mark.parametrize("output_activation", ["rleu", None, 3])
def test_a_bad_output_activation_is_refused_naming_output_activation(output_activation):
    with pytest.raises((TypeError, ValueError), match="^output_activation must be"):
        MLP(2, [4, 1], output_activation=output_activation)


def test_a_bad_init_is_refused_by_every_module_before_drawing_weights():
    for build in (lambda: MLP(2, [1], init="glorot!"), lambda: Layer(2, 2, init=None), lambda: Neuron(2, init=5)):
        with pytest.raises((TypeError, ValueError), match="^init must be"):
            build()


def test_a_string_rng_is_refused_naming_rng_not_seed():
    for build in (lambda: Neuron(2, rng="seed"), lambda: Layer(2, 2, rng="seed")):
        with pytest.raises(TypeError, match="^rng must be an int, a random.Random or None, got str"):
            build()
    with pytest.raises(TypeError, match="^seed must be"):
        MLP(2, [1], seed="seed")


def test_a_string_input_is_refused_naming_its_position():
    with pytest.raises(TypeError, match="^MLP input 1 must be a real number or a Value, got str: 'b'"):
        MLP(2, [1], seed=0)([1.0, "b"])
    with pytest.raises(TypeError, match="^Layer input 0 must be"):
        Layer(2, 2, rng=0)([None, 1.0])
    with pytest.raises(TypeError, match="^Neuron input 0 must be"):
        Neuron(2, rng=0)(["a", 1.0])


def test_good_inputs_still_give_the_hand_computed_output():
    neuron = Neuron(2, activation="linear", rng=0)
    neuron.w[0].data, neuron.w[1].data, neuron.b.data = 0.5, -2.0, 0.25
    assert neuron([2, True]).data == 0.5 * 2 - 2.0 * 1 + 0.25


# --- perceptron -----------------------------------------------------------------------------------


def test_perceptron_predict_and_update_name_a_bad_input():
    with pytest.raises(TypeError, match="^Perceptron input 0 must be"):
        Perceptron(2, seed=0).predict(["a", "b"])
    with pytest.raises(TypeError, match="^Perceptron input 1 must be"):
        Perceptron(2, seed=0).update([1.0, "b"], 1)


@pytest.mark.parametrize("epochs, error", [(-1, ValueError), ("9", TypeError), (2.0, TypeError), (None, TypeError)])
def test_perceptron_fit_refuses_epochs_that_are_not_a_non_negative_int(epochs, error):
    with pytest.raises(error, match="^epochs must be an int >= 0"):
        Perceptron(2, seed=0).fit([[1.0, 2.0]], [1], epochs=epochs)


def test_perceptron_fit_with_zero_epochs_runs_nothing():
    perceptron = Perceptron(2, seed=0)
    before = [p.data for p in perceptron.parameters()]
    assert perceptron.fit([[1.0, 2.0]], [0], epochs=0) == []
    assert [p.data for p in perceptron.parameters()] == before


def test_perceptron_fit_names_xs_or_ys_when_they_are_not_sequences():
    with pytest.raises(TypeError, match="xs must be a sequence"):
        Perceptron(2, seed=0).fit(None, [1])
    with pytest.raises(TypeError, match="ys must be a sequence"):
        Perceptron(2, seed=0).fit([[1.0, 2.0]], 5)


# --- optimizers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: SGD(None, lr=0.1), lambda: Adam(None), lambda: SGD(5, lr=0.1)])
def test_optimizers_name_params_that_are_not_iterable(make):
    with pytest.raises(TypeError, match="^params must be an iterable of Values"):
        make()


# --- losses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: losses.mse(None, None), TypeError, r"mse: predictions must be"),
        (lambda: losses.mse([Value(1.0)], ["1"]), TypeError, r"mse: targets\[0\] must be a real number or a Value"),
        (lambda: losses.mse([Value(1.0), "x"], [1.0, 2.0]), TypeError, r"mse: predictions\[1\] must be"),
        (lambda: losses.binary_cross_entropy(None, [1.0]), TypeError, r"binary_cross_entropy: probabilities must be"),
        (lambda: losses.bce_with_logits([], []), ValueError, r"bce_with_logits: logits is empty"),
        (lambda: losses.hinge([Value(1.0)], [1, -1]), ValueError, r"hinge: got 1 predictions \(score\) but 2 targets"),
        (lambda: losses.hinge(Value(1.0), 1, margin="1"), TypeError, r"hinge margin must be a real number"),
        (lambda: losses.hinge(Value(1.0), 1, margin=None), TypeError, r"hinge margin must be a real number"),
        (lambda: losses.hinge(Value(1.0), 1, margin=NAN), ValueError, r"hinge margin must be in"),
        (lambda: losses.l2(None), TypeError, r"l2: parameters must be"),
        (lambda: losses.l2(["a", "b"]), TypeError, r"l2: parameters\[0\] must be"),
        (lambda: losses.cross_entropy([1.0, 2.0], None), TypeError, r"cross_entropy target must be a class index"),
        (lambda: losses.cross_entropy(None, 0), TypeError, r"cross_entropy: logits must be"),
        (lambda: losses.cross_entropy([1.0, "x"], 0), TypeError, r"cross_entropy: logits\[1\] must be"),
        (lambda: losses.cross_entropy([[1.0], 2.0], [0, 0]), TypeError, r"cross_entropy: logits\[1\] must be"),
    ],
)
def test_a_loss_given_junk_names_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_losses_still_accept_numbers_and_values_mixed():
    # (1 - 0)² and (2.5 - 0.5)², averaged by hand: (1 + 4) / 2
    assert losses.mse([Value(1.0), 2.5], [0, Value(0.5)]).data == 2.5
    assert losses.l2([Value(3.0), 4.0]).data == 25.0


# --- init -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: init.sample("uniform", -3, 2), ValueError, r"^count must be an int >= 0"),
        (lambda: init.sample("uniform", "3", 2), TypeError, r"^count must be an int >= 0"),
        (lambda: init.sample("he", 3, 0), ValueError, r"^fan_in must be an int >= 1"),
        (lambda: init.sample("xavier", 3, 2, fan_out=0), ValueError, r"^fan_out must be an int >= 1"),
        (lambda: init.he(0, 1, init.make_rng(0)), ValueError, r"^fan_in must be an int >= 1"),
        (lambda: init.xavier(-1, -1, init.make_rng(0)), ValueError, r"^fan_in must be an int >= 1"),
        (lambda: init.xavier(2, -1, init.make_rng(0)), ValueError, r"^fan_out must be an int >= 1"),
        (lambda: init.xavier("2", 1, init.make_rng(0)), TypeError, r"^fan_in must be an int >= 1, got str"),
    ],
)
def test_an_initializer_given_bad_sizes_names_them(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_sample_of_zero_weights_is_empty():
    assert init.sample("uniform", 0, 2) == []


# --- hostile model files --------------------------------------------------------------------------


def test_a_weight_too_big_for_a_float_names_the_key():
    model = MLP(2, [1], seed=0)
    state = {"layers.0.neurons.0.w.0": 10**400, "layers.0.neurons.0.w.1": 0.0, "layers.0.neurons.0.b": 0.0}
    with pytest.raises(ValueError, match=r"state_dict\['layers\.0\.neurons\.0\.w\.0'\] is too large for a float"):
        model.load_state_dict(state)


@pytest.mark.parametrize("token", ["[" * 100_000 + "]" * 100_000, "9" * 6000])
def test_json_too_deep_or_with_too_many_digits_is_refused_naming_the_file(token, tmp_path, document):
    text = json.dumps(document).replace(json.dumps(document["state_dict"]["layers.0.neurons.0.w.0"]), token, 1)
    path = _write_text(tmp_path, text)
    with pytest.raises(ValueError, match=f"^{path} is not valid JSON"):
        MLP.load(path)


def test_a_file_that_is_not_utf8_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00{garbage")
    with pytest.raises(ValueError, match=f"^{path} is not a text file in UTF-8"):
        MLP.load(path)


def test_a_tiny_file_asking_for_a_huge_model_is_refused_without_building_it(tmp_path, document, monkeypatch):
    document["config"]["nouts"] = [100_000, 100_000, 1]
    path = _write_text(tmp_path, json.dumps(document))

    def refuse_to_build(self, *args, **kwargs):
        raise AssertionError("MLP was built")

    monkeypatch.setattr(nn.module.MLP, "__init__", refuse_to_build)
    # (2 + 1)·100000 + (100000 + 1)·100000 + (100000 + 1)·1 parameters, by hand
    with pytest.raises(ValueError, match=r"has 10000500001 parameters but the state_dict has 13") as refused:
        MLP.load(path)
    assert "[100000, 100000, 1]" in str(refused.value)  # names the config that asked for it
    assert len(str(refused.value)) < 1000


def test_a_config_one_layer_too_small_names_the_unexpected_keys(tmp_path, document):
    document["config"]["nouts"] = [3]
    path = _write_text(tmp_path, json.dumps(document))
    with pytest.raises(ValueError, match=r"unexpected keys: 'layers\.1\.neurons\.0\.w\.0'"):
        MLP.load(path)


@pytest.mark.parametrize("field", ["a weight", "a key", "class", "version", "config", "format"])
def test_the_error_for_a_huge_bad_value_is_short(field, tmp_path, document):
    huge = "A" * 1_000_000
    if field == "a weight":
        document["state_dict"]["layers.0.neurons.0.w.0"] = huge
    elif field == "a key":
        document["state_dict"][huge] = 1.0
    elif field == "config":
        document["config"]["activation"] = huge
    else:
        document[field] = huge
    path = _write_text(tmp_path, json.dumps(document))
    with pytest.raises((TypeError, ValueError)) as raised:
        MLP.load(path)
    assert str(path) in str(raised.value) or "state_dict" in str(raised.value)
    assert len(str(raised.value)) < 1000


def test_a_huge_bad_value_given_to_load_state_dict_makes_a_short_message():
    state = MLP(2, [1], seed=0).state_dict()
    state["layers.0.neurons.0.w.0"] = [[[[[[[[["x" * 1_000_000]]]]]]]]]
    with pytest.raises(TypeError, match=r"state_dict\['layers\.0\.neurons\.0\.w\.0'\] must be a real number") as raised:
        MLP(2, [1], seed=0).load_state_dict(state)
    assert len(str(raised.value)) < 300


@pytest.mark.parametrize("path", [None, 3.5, ["m.json"]])
def test_save_and_load_name_a_path_that_is_not_a_path(path):
    with pytest.raises(TypeError, match="^path must be a str or an os.PathLike"):
        MLP(2, [1], seed=0).save(path)
    with pytest.raises(TypeError, match="^path must be a str or an os.PathLike"):
        MLP.load(path)
