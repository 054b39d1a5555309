"""Hostile state files: malformed and adversarial JSON either loads correctly or is refused clearly, fast,
leaving the model unchanged; loading never executes code."""

import ast
import json
import os
import pathlib
import subprocess
import sys
import time

import pytest
from _reliability import bits, count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
import nn
from nn import MLP

SECOND = 1.0  # every hostile file is loaded or refused within this
PACKAGES = [pathlib.Path(engine.__file__).parent, pathlib.Path(nn.__file__).parent]

_ORIGINAL = MLP(2, [3, 1], seed=0)
DOCUMENT = {
    "format": "chainrule.nn",
    "version": 1,
    "class": "MLP",
    "config": _ORIGINAL._config(),
    "state_dict": _ORIGINAL.state_dict(),
}
KEYS = list(DOCUMENT["state_dict"])

# Bounds of the property test: nesting far past json's recursion limit, integers past its 4300-digit limit,
# and integers too big for a float (each once an escaping error, now a ValueError naming the file or key).
MAX_DEPTH = 100_000
MAX_DIGITS = 6_000
TOO_BIG_FOR_A_FLOAT: list[int] = [10**400, -(10**400), 2**1024]

# JSON values of every type, with NaN / Infinity literals, huge and tiny numbers, and a little nesting.
_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.sampled_from([10**300, -(10**300), *TOO_BIG_FOR_A_FLOAT]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, 5e-324, -0.0]),
    st.text(max_size=20),
)
json_values = st.recursive(
    _leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
# Layer sizes and other config values, kept small enough to build (huge sizes have their own test below).
config_values = st.one_of(
    json_values,
    st.integers(-3, 5),
    st.lists(st.integers(-3, 5), max_size=4),
    st.sampled_from(["relu", "tanh", "linear", "he", "__import__('os')"]),
)
_MUTATIONS = [
    "top field replaced",
    "top field deleted",
    "top field added",
    "weight replaced",
    "weight deleted",
    "weight added",
    "weight renamed",
    "config field replaced",
    "config field deleted",
    "config field added",
    "truncated",
    "number token",
    "deep nesting",
    "not an object",
]


def _mutate(draw) -> tuple[str, str]:
    """(file text, the field or key it attacks) for one hostile variation of a valid model file."""
    document = json.loads(json.dumps(DOCUMENT))
    kind = draw(st.sampled_from(_MUTATIONS))
    state, config = document["state_dict"], document["config"]
    if kind == "top field replaced":
        subject = draw(st.sampled_from(sorted(document)))
        document[subject] = draw(json_values)
    elif kind == "top field deleted":
        subject = draw(st.sampled_from(sorted(document)))
        del document[subject]
    elif kind == "top field added":
        subject = draw(st.text(max_size=10).filter(lambda key: key not in document))
        document[subject] = draw(json_values)
    elif kind == "weight replaced":
        subject = draw(st.sampled_from(KEYS))
        state[subject] = draw(json_values)
    elif kind == "weight deleted":
        subject = draw(st.sampled_from(KEYS))
        del state[subject]
    elif kind == "weight added":
        subject = draw(st.text(max_size=30).filter(lambda key: key not in state))
        state[subject] = draw(json_values)
    elif kind == "weight renamed":
        subject = draw(st.sampled_from(KEYS))
        state[subject + draw(st.sampled_from([".0", " ", "x", ".w.9"]))] = state.pop(subject)
    elif kind == "config field replaced":
        subject = draw(st.sampled_from(sorted(config)))
        config[subject] = draw(config_values)
    elif kind == "config field deleted":
        subject = draw(st.sampled_from(sorted(config)))
        del config[subject]
    elif kind == "config field added":
        subject = draw(st.sampled_from(["seed", "init", "evil", "nouts2", "__class__"]))
        config[subject] = draw(config_values)
    elif kind == "not an object":
        subject = "format"
        document = draw(json_values.filter(lambda value: not isinstance(value, dict)))
    text = json.dumps(document, indent=1)
    if kind == "truncated":
        subject = "JSON"
        text = text[: draw(st.integers(0, len(text) - 1))]
    elif kind == "number token":  # raw JSON a serializer would never write
        subject = draw(st.sampled_from(KEYS))
        token = draw(
            st.sampled_from(["NaN", "-Infinity", "1e999", "-1e-999", "0x10", "1_0", "+1", ".5", "01"])
            | st.integers(1, MAX_DIGITS).map(lambda digits: "9" * digits)
        )
        text = text.replace(
            json.dumps(subject) + ": " + repr(DOCUMENT["state_dict"][subject]), json.dumps(subject) + ": " + token
        )
    elif kind == "deep nesting":
        subject = draw(st.sampled_from(KEYS))
        depth = draw(st.integers(1, MAX_DEPTH))
        text = text.replace(
            json.dumps(subject) + ": " + repr(DOCUMENT["state_dict"][subject]),
            json.dumps(subject) + ": " + "[" * depth + "1" + "]" * depth,
        )
    return text, subject


def _expected_state(text: str) -> dict[str, str] | None:
    """The weights a correct load must produce, as hex bits (None when the text is not a JSON object)."""
    try:
        document = json.loads(text)
        state = document["state_dict"]
        return {key: float.hex(float(state[key])) for key in KEYS}
    except Exception:
        return None


def _load_or_refuse(action, path: pathlib.Path, subject: str):
    """Run ``action``; return (result, error); the error must be the documented type with a clear message."""
    started = time.perf_counter()
    try:
        result, error = action(), None
    except (TypeError, ValueError) as raised:
        result, error = None, raised
    elapsed = time.perf_counter() - started
    assert elapsed < SECOND, f"took {elapsed:.2f} s"
    if error is not None:
        message = str(error)
        assert message and len(message) < 5_000, message  # drawn values are < 5,000 characters; huge ones below
        assert str(path) in message or "state_dict" in message or repr(subject) in message, (
            f"the message names neither the file, the state_dict nor {subject!r}: {message}"
        )
    return result, error


EXAMPLES = count(settings.default.max_examples, 2_000)  # hostile files per run: the Hypothesis profile's, or 2,000


@settings(
    max_examples=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_a_hostile_model_file_loads_correctly_or_is_refused_clearly_within_a_second(data, tmp_path):
    text, subject = _mutate(data.draw)
    path = tmp_path / "hostile.json"
    path.write_text(text, encoding="utf-8")
    expected = _expected_state(text)

    loaded, error = _load_or_refuse(lambda: MLP.load(path), path, subject)
    if error is None:
        assert expected is not None and bits(loaded.state_dict()) == expected

    target = MLP(2, [3, 1], seed=5)
    before = bits(target.state_dict())
    _, error = _load_or_refuse(lambda: target.load_weights(path), path, subject)
    if error is None:
        assert expected is not None and bits(target.state_dict()) == expected
    else:
        assert bits(target.state_dict()) == before  # a refused file changes nothing


state_dicts = st.one_of(
    json_values,
    st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=20), json_values, max_size=12),
    st.fixed_dictionaries({key: json_values for key in KEYS}),
    st.fixed_dictionaries({key: st.floats(allow_nan=True, allow_infinity=True) for key in KEYS}),
    st.dictionaries(st.integers() | st.none() | st.tuples(st.integers()), st.floats(), max_size=3),
)


@settings(max_examples=EXAMPLES)
@given(state_dict=state_dicts, strict=st.booleans())
def test_load_state_dict_with_a_hostile_dict_loads_correctly_or_raises_and_changes_nothing(state_dict, strict):
    target = MLP(2, [3, 1], seed=5)
    before = bits(target.state_dict())
    started = time.perf_counter()
    try:
        target.load_state_dict(state_dict, strict=strict)
    except (TypeError, ValueError) as error:
        assert str(error)
        assert bits(target.state_dict()) == before
    else:
        for key, value in bits(target.state_dict()).items():
            expected = float.hex(float(state_dict[key])) if key in state_dict else before[key]
            assert value == expected
    assert time.perf_counter() - started < SECOND


# --- named adversarial files ----------------------------------------------------------------------


def _write(path: pathlib.Path, document: dict) -> pathlib.Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_a_weight_too_big_for_a_float_is_refused_with_an_error_naming_the_key(tmp_path):
    document = json.loads(json.dumps(DOCUMENT))
    document["state_dict"][KEYS[0]] = 10**400
    path = _write(tmp_path / "huge.json", document)
    with pytest.raises((TypeError, ValueError), match=KEYS[0].replace(".", r"\.")):
        MLP.load(path)


def test_json_nested_100000_deep_is_refused_with_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "deep.json"
    text = json.dumps(DOCUMENT).replace(repr(DOCUMENT["state_dict"][KEYS[0]]), "[" * 100_000 + "]" * 100_000, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=str(path)):
        MLP.load(path)


def test_a_file_that_is_not_utf8_is_refused_with_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00{" + os.urandom(64))
    with pytest.raises(ValueError, match=str(path)):
        MLP.load(path)


def test_a_tiny_file_asking_for_ten_billion_weights_is_refused_before_building_the_model(tmp_path):
    document = json.loads(json.dumps(DOCUMENT))
    document["config"]["nouts"] = [100_000, 100_000, 1]
    path = _write(tmp_path / "bomb.json", document)
    # In a child with 1 GB of address space and a time limit: the unfixed loader would eat the machine.
    script = (
        "import resource, sys, time\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from nn import MLP\n"
        "started = time.perf_counter()\n"
        "try:\n"
        f"    MLP.load({str(path)!r})\n"
        "except (TypeError, ValueError) as error:\n"
        "    print('refused', round(time.perf_counter() - started, 3), error)\n"
        "except BaseException as error:\n"
        "    print('escaped', type(error).__name__, round(time.perf_counter() - started, 3))\n"
    )
    try:
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            timeout=10,
            cwd=pathlib.Path(nn.__file__).parent.parent,
        )
        output = result.stdout + result.stderr
    except subprocess.TimeoutExpired:
        output = "timed out after 10 s"
    assert output.startswith("refused"), output
    assert float(output.split()[1]) < SECOND, output


def test_a_6000_digit_weight_is_refused_with_a_value_error_naming_the_file(tmp_path):
    path = tmp_path / "digits.json"
    text = json.dumps(DOCUMENT).replace(repr(DOCUMENT["state_dict"][KEYS[0]]), "9" * 6000, 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=str(path)):
        MLP.load(path)


@pytest.mark.parametrize("field", ["a weight", "class", "version", "config"])
def test_the_error_for_a_huge_bad_value_is_short(field, tmp_path):
    huge = "A" * 10_000_000
    if field == "a weight":
        document = {**DOCUMENT, "state_dict": {**DOCUMENT["state_dict"], KEYS[0]: huge}}
    elif field == "config":
        document = {**DOCUMENT, "config": {**DOCUMENT["config"], "activation": huge}}
    else:
        document = {**DOCUMENT, field: huge}
    path = _write(tmp_path / "long.json", document)
    with pytest.raises((TypeError, ValueError)) as raised:
        MLP.load(path)
    assert len(str(raised.value)) < 2_000


@pytest.mark.slow
def test_a_100_megabyte_file_is_refused_clearly_and_the_time_is_measured(tmp_path):
    path = tmp_path / "big.json"
    # A valid model file plus one extra 100 MB key: the loader must read it (or refuse it by size) and say no.
    head = json.dumps({**DOCUMENT, "state_dict": {**DOCUMENT["state_dict"]}})[:-2]
    with open(path, "w", encoding="utf-8") as file:
        file.write(head + ', "padding": "')
        chunk = "A" * (1 << 20)
        for _ in range(100):
            file.write(chunk)
        file.write('"}}')
    size = path.stat().st_size
    target = MLP(2, [3, 1], seed=5)
    before = bits(target.state_dict())
    started = time.perf_counter()
    with pytest.raises(ValueError) as refused:
        target.load_weights(path)
    elapsed = time.perf_counter() - started
    print(f"\n100 MB file ({size} bytes): refused in {elapsed:.2f} s: {str(refused.value)[:160]}")
    assert bits(target.state_dict()) == before
    assert "padding" in str(refused.value) or str(path) in str(refused.value)
    assert elapsed < 10 * SECOND


# --- loading never executes code ------------------------------------------------------------------

_FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "joblib", "yaml"}
_FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
# engine.compile's whole job is to compile and exec the code it generates from a traced graph; that code is made
# of identifiers it sanitises (labels, names=), float reprs and its own templates, and it reads no file.
_GENERATES_CODE = {"compiler.py"}


def _reads_only_package_metadata(node: ast.ImportFrom) -> bool:
    names = tuple(alias.name for alias in node.names)
    return (node.module, names) in {("importlib", ("metadata",)), ("importlib.metadata", ("version",))}


def test_no_module_of_engine_or_nn_imports_pickle_or_calls_eval():
    sources = [
        file for package in PACKAGES for file in sorted(package.glob("*.py")) if file.name not in _GENERATES_CODE
    ]
    assert len(sources) >= 10
    offences = []
    for source in sources:
        tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and _reads_only_package_metadata(node):
                continue  # engine.__version__: importlib.metadata reads the installed version, imports nothing
            elif isinstance(node, ast.ImportFrom):
                names = [(node.module or "").split(".")[0]]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                names = [node.func.id] if node.func.id in _FORBIDDEN_CALLS else []
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                names = (
                    [node.func.attr]
                    if node.func.attr in {"import_module", "loads"}
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in {"importlib", "pickle", "marshal"}
                    else []
                )
            else:
                continue
            offences += [
                f"{source.name}:{node.lineno} {name}"
                for name in names
                if name in _FORBIDDEN_MODULES | _FORBIDDEN_CALLS | {"importlib", "import_module"}
            ]
    assert offences == []


def test_a_file_whose_strings_are_python_code_runs_none_of_it(tmp_path):
    canary = tmp_path / "pwned"
    code = f"__import__('pathlib').Path({str(canary)!r}).touch()"
    attempts = [
        {**DOCUMENT, "class": code},
        {**DOCUMENT, "config": {**DOCUMENT["config"], "activation": code}},
        {**DOCUMENT, "config": {**DOCUMENT["config"], "init": code}},
        {**DOCUMENT, "config": {**DOCUMENT["config"], code: 1}},
        {**DOCUMENT, "state_dict": {**DOCUMENT["state_dict"], KEYS[0]: code}},
        {**DOCUMENT, "state_dict": {**DOCUMENT["state_dict"], code: 1.0}},
        {**DOCUMENT, "version": code},
    ]
    for index, document in enumerate(attempts):
        path = _write(tmp_path / f"attempt{index}.json", document)
        with pytest.raises((TypeError, ValueError)):
            MLP.load(path)
        target = MLP(2, [3, 1])
        try:  # load_weights may accept a file whose "class" it does not check, but must run nothing either way
            target.load_weights(path)
        except (TypeError, ValueError):
            pass
    assert not canary.exists()
