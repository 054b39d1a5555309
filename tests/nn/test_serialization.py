"""JSON save / load: bit-for-bit round trip, atomic writes, and every bad file rejected without changing the model."""

import json
import math
import os
import struct

import pytest

from nn import MLP, Layer, Neuron, Perceptron


def bits(model):
    return [struct.pack("<d", p.data) for p in model.parameters()]


@pytest.fixture
def model():
    return MLP(3, [4, 4, 1], activation="tanh", seed=0)


@pytest.fixture
def saved(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    return path


def test_save_then_load_reproduces_every_weight_bit_for_bit(model, tmp_path):
    model.layers[0].neurons[0].w[0].data = 0.1 + 0.2  # not a short decimal
    model.layers[0].neurons[0].b.data = -0.0
    model.layers[1].neurons[0].b.data = 5e-324  # the smallest subnormal
    model.layers[2].neurons[0].b.data = math.nan
    path = tmp_path / "m.json"
    model.save(path)
    loaded = MLP.load(path)
    assert bits(loaded) == bits(model)
    assert repr(loaded) == repr(model)
    x = [0.3, -0.1, 0.7]
    model.layers[2].neurons[0].b.data = loaded.layers[2].neurons[0].b.data = 0.5
    assert loaded(x).data == model(x).data


def test_the_file_is_json_with_a_format_version_and_no_pickle(saved):
    text = saved.read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["format"] == "chainrule.nn" and document["version"] == 1
    assert document["class"] == "MLP"
    assert document["config"] == {"nin": 3, "nouts": [4, 4, 1], "activation": "tanh", "output_activation": "linear"}
    assert len(document["state_dict"]) == 41


def test_load_weights_into_an_existing_model(model, saved):
    other = MLP(3, [4, 4, 1], activation="tanh", seed=99)
    other.load_weights(saved)
    assert bits(other) == bits(model)


@pytest.mark.parametrize("module", [Neuron(3, "sigmoid", rng=1), Layer(2, 3, "tanh", rng=2), Perceptron(2, seed=3)])
def test_every_module_class_round_trips(module, tmp_path):
    path = tmp_path / "m.json"
    module.save(path)
    loaded = type(module).load(path)
    assert repr(loaded) == repr(module) and bits(loaded) == bits(module)


def test_save_writes_through_a_temporary_file_and_os_replace(model, tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text("old contents")
    replaced = []
    real_replace = os.replace

    def spy(source, destination):
        with open(source, encoding="utf-8") as file:
            complete = json.load(file)["class"] == "MLP"  # the temporary is whole before it is renamed
        replaced.append((os.path.dirname(source), complete, os.fspath(destination)))
        return real_replace(source, destination)

    monkeypatch.setattr(os, "replace", spy)
    model.save(path)
    assert replaced == [(str(tmp_path), True, str(path))]
    assert json.loads(path.read_text())["class"] == "MLP"
    assert sorted(os.listdir(tmp_path)) == ["m.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(model, tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text("old contents")

    def broken_fsync(descriptor):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_text() == "old contents"
    assert os.listdir(tmp_path) == ["m.json"]


def edit(path, change):
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_a_missing_key_names_the_key_and_leaves_the_model_unchanged(model, saved):
    edit(saved, lambda d: d["state_dict"].pop("layers.1.neurons.2.w.3"))
    target = MLP(3, [4, 4, 1], activation="tanh", seed=7)
    before = bits(target)
    with pytest.raises(ValueError, match=r"missing keys: 'layers\.1\.neurons\.2\.w\.3'"):
        target.load_weights(saved)
    assert bits(target) == before
    with pytest.raises(ValueError, match="layers.1.neurons.2.w.3"):
        MLP.load(saved)


def test_an_extra_key_is_rejected_when_strict_and_ignored_otherwise(model, saved):
    edit(saved, lambda d: d["state_dict"].update({"layers.9.neurons.0.b": 1.0}))
    target = MLP(3, [4, 4, 1], activation="tanh", seed=7)
    before = bits(target)
    with pytest.raises(ValueError, match=r"unexpected keys: 'layers\.9\.neurons\.0\.b'"):
        target.load_weights(saved)
    assert bits(target) == before
    target.load_weights(saved, strict=False)
    assert bits(target) == bits(model)


def test_a_wrong_layer_size_names_the_shapes_and_leaves_the_model_unchanged(saved):
    target = MLP(3, [5, 4, 1], activation="tanh", seed=7)
    before = bits(target)
    with pytest.raises(ValueError, match=r"another shape.*\[4, 4, 1\].*\[5, 4, 1\]"):
        target.load_weights(saved)
    assert bits(target) == before
    state = json.loads(saved.read_text())["state_dict"]
    with pytest.raises(ValueError, match=r"missing keys: 'layers\.0\.neurons\.4\.w\.0'"):
        target.load_state_dict(state)
    assert bits(target) == before


def test_a_file_whose_config_and_weights_disagree_is_rejected(saved):
    edit(saved, lambda d: d["config"].update({"nouts": [3, 4, 1]}))
    with pytest.raises(ValueError, match=r"unexpected keys: 'layers\.0\.neurons\.3\.w\.0'"):
        MLP.load(saved)


@pytest.mark.parametrize("bad", ["0.5", None, [0.5], True, {"x": 1}])
def test_a_non_number_names_the_key_and_leaves_the_model_unchanged(saved, bad):
    edit(saved, lambda d: d["state_dict"].update({"layers.2.neurons.0.w.1": bad}))
    target = MLP(3, [4, 4, 1], activation="tanh", seed=7)
    before = bits(target)
    with pytest.raises(TypeError, match=r"state_dict\['layers\.2\.neurons\.0\.w\.1'\] must be a real number"):
        target.load_weights(saved)
    assert bits(target) == before


def test_truncated_json_names_the_problem_and_leaves_the_model_unchanged(saved):
    text = saved.read_text()
    saved.write_text(text[: len(text) // 2])
    target = MLP(3, [4, 4, 1], activation="tanh", seed=7)
    before = bits(target)
    with pytest.raises(ValueError, match="not valid JSON"):
        target.load_weights(saved)
    with pytest.raises(ValueError, match="not valid JSON"):
        MLP.load(saved)
    assert bits(target) == before


def test_other_json_a_future_version_or_another_class_are_rejected(saved, tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"weights": [1, 2]}')
    with pytest.raises(ValueError, match="not a chainrule model file"):
        MLP.load(other)
    edit(saved, lambda d: d.update({"version": 2}))
    with pytest.raises(ValueError, match="version 2"):
        MLP.load(saved)
    edit(saved, lambda d: d.update({"version": 1}))
    with pytest.raises(ValueError, match="holds a MLP, not a Layer"):
        Layer.load(saved)


def test_load_state_dict_rejects_a_non_dict():
    with pytest.raises(TypeError, match="state_dict must be a dict"):
        MLP(2, [1], seed=0).load_state_dict([("layers.0.neurons.0.b", 1.0)])


def test_a_callable_activation_saves_weights_without_config(tmp_path):
    def double(v):
        return v * 2

    model = MLP(2, [3, 1], activation=double, seed=0)
    path = tmp_path / "m.json"
    model.save(path)
    with pytest.raises(ValueError, match="load_weights"):
        MLP.load(path)
    target = MLP(2, [3, 1], activation=double, seed=1)
    target.load_weights(path)
    assert bits(target) == bits(model)


# --- files are written as open() would write them (issue 16 items 20-25) -------------------------------------------


def _unprivileged(task):
    """Run ``task()`` as a user without root's override of file permissions; returns its result (a str).

    As root (containers, CI), ``open()`` itself ignores a file's mode, so the task runs in a forked child that
    first becomes ``nobody``; otherwise it runs here.
    """
    if os.geteuid() != 0:
        return task()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        try:
            os.setgid(65534)
            os.setuid(65534)
            result = task()
        except BaseException as error:  # report anything, the parent asserts
            result = f"child failed: {error!r}"
        os.write(write_end, result.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        result = pipe.read().decode()
    os.waitpid(pid, 0)
    return result


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")
def test_save_refuses_a_read_only_file_with_a_permission_error_naming_it(tmp_path):
    import tempfile

    folder = tempfile.mkdtemp()  # outside pytest's 0700 folder, so that `nobody` can work in it
    os.chmod(folder, 0o777)
    path = os.path.join(folder, "model.json")

    def task():
        with open(path, "w") as file:
            file.write("old contents")
        os.chmod(path, 0o444)
        try:
            open(path, "w").close()
            return "open() could write the read-only file"
        except PermissionError:
            pass
        try:
            MLP(2, [1], seed=0).save(path)
        except PermissionError as error:
            with open(path) as file:
                return f"PermissionError|{error}|{file.read()}|{sorted(os.listdir(folder))}"
        return "saved"

    try:
        outcome = _unprivileged(task)
    finally:
        for name in os.listdir(folder):
            os.unlink(os.path.join(folder, name))
        os.rmdir(folder)
    assert outcome.startswith("PermissionError|"), outcome  # "saved": the read-only file was replaced
    kind, message, contents, listing = outcome.split("|")
    assert path in message
    assert contents == "old contents"
    assert listing == "['model.json']"


def test_a_new_file_honours_the_umask_and_an_existing_file_keeps_its_mode(model, tmp_path):
    old_umask = os.umask(0o027)
    try:
        model.save(tmp_path / "new.json")
        existing = tmp_path / "existing.json"
        existing.write_text("{}")
        os.chmod(existing, 0o644)
        model.save(existing)
    finally:
        os.umask(old_umask)
    assert os.stat(tmp_path / "new.json").st_mode & 0o777 == 0o640  # 0o666 & ~0o027, as open() makes it
    assert os.stat(existing).st_mode & 0o777 == 0o644
    assert bits(MLP.load(existing)) == bits(model)


def test_save_to_a_symlink_writes_the_target_and_keeps_the_link(model, tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.json"
    target.write_text("old contents")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert bits(MLP.load(target)) == bits(model)
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "real" / "later.json")
    model.save(dangling)  # open() would create the link's target
    assert dangling.is_symlink() and bits(MLP.load(tmp_path / "real" / "later.json")) == bits(model)


@pytest.mark.parametrize("length", [242, 250, 255])
def test_save_and_load_a_file_name_of_up_to_255_characters(model, tmp_path, length):
    path = tmp_path / ("m" * (length - 5) + ".json")
    model.save(path)
    assert bits(MLP.load(path)) == bits(model)
    assert os.listdir(tmp_path) == [path.name]


def test_save_and_load_a_bytes_path(model, tmp_path):
    path = os.fsencode(tmp_path / "model.json")
    model.save(path)
    assert bits(MLP.load(path)) == bits(model)
    target = MLP(3, [4, 4, 1], activation="tanh", seed=1)
    target.load_weights(path)
    assert bits(target) == bits(model)


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize(("key", "other"), [("class", '"Layer"'), ("state_dict", "{}"), ("config", "null")])
def test_a_file_with_a_duplicated_key_is_refused_naming_the_key(saved, key, other, where):
    text = json.dumps(json.loads(saved.read_text()))
    assert text.startswith("{") and text.endswith("}") and text.count(f'"{key}":') == 1
    duplicate = f'"{key}": {other}'
    # "before": the file's own entry comes last, so a last-one-wins reader loads the model silently (the issue's
    # case); "after": the other value comes last
    text = "{" + duplicate + ", " + text[1:] if where == "before" else text[:-1] + ", " + duplicate + "}"
    saved.write_text(text)
    with pytest.raises(ValueError, match=f"has the key '{key}' twice"):
        MLP.load(saved)


def test_a_duplicated_weight_is_refused_naming_it(saved):
    text = saved.read_text()
    name = '"layers.0.neurons.0.w.0"'
    assert text.count(name) == 1
    saved.write_text(text.replace(name + ":", name + ": 5.0, " + name + ":"))
    with pytest.raises(ValueError, match=r"has the key 'layers\.0\.neurons\.0\.w\.0' twice"):
        MLP.load(saved)


def test_a_save_removes_stale_temporaries_of_its_own_target_and_nothing_else(model, tmp_path):
    import time

    hour_ago = time.time() - 3600
    stale = [".model.json.abcd1234.tmp", ".model.json.q9_x0zzz.tmp"]  # ours (the second as mkstemp named them)
    kept = [
        ".other.json.abcd1234.tmp",  # another target's
        ".model.json.abcd1234.tmp.keep",  # not our pattern
        "model.json.abcd1234.tmp",  # not hidden: not ours
    ]
    for name in stale + kept:
        (tmp_path / name).write_text("half a model")
        os.utime(tmp_path / name, (hour_ago, hour_ago))
    fresh = ".model.json.0123beef.tmp"  # made after this process started: maybe a save in progress elsewhere
    (tmp_path / fresh).write_text("being written")
    model.save(tmp_path / "model.json")
    assert sorted(os.listdir(tmp_path)) == sorted(["model.json", fresh, *kept])


def test_a_long_names_stale_temporary_is_removed_too(model, tmp_path, monkeypatch):
    import time

    path = tmp_path / ("m" * 245 + ".json")
    model.save(path)
    left_behind = []

    def killed(source, destination):
        raise KeyboardInterrupt  # the save stops before its rename, as when killed

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", killed)
        patch.setattr(os, "unlink", left_behind.append)  # and its clean-up never runs
        with pytest.raises(KeyboardInterrupt):
            model.save(path)
    assert len(left_behind) == 1 and os.path.exists(left_behind[0])
    os.utime(left_behind[0], (time.time() - 3600,) * 2)  # made by an earlier process
    model.save(path)
    assert os.listdir(tmp_path) == [path.name]
