"""Kill during save: SIGKILL a process that keeps saving a model; the file is always a complete old or new model."""

import mmap
import os
import random
import signal
import struct
import sys
import time

import pytest
from _reliability import bits

import nn.serialization
from nn import MLP

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork and SIGKILL (POSIX)")

KILLS = 50  # cheap enough (a fork, not a new interpreter) to run in full everywhere
IDLE, WRITING, REPLACING, REPLACED = 0, 1, 2, 3  # where the child is, in the shared flag's first byte
PHASES = {
    IDLE: "between saves",
    WRITING: "writing the temporary file",
    REPLACING: "in os.replace",
    REPLACED: "after os.replace, before save returned",
}


def _saver(path: str, models: list[MLP], shared: mmap.mmap) -> None:
    """Child: save the two models in turn forever, publishing the phase and the number of saves."""
    real_replace = os.replace

    def replace(source, destination):
        shared[0] = REPLACING
        real_replace(source, destination)
        shared[0] = REPLACED

    nn.serialization.os.replace = replace  # this process only: nn.serialization's os is the os module
    deadline = time.monotonic() + 60  # never outlive a parent that died
    saves = 0
    while time.monotonic() < deadline:
        shared[0] = WRITING
        models[saves % 2].save(path)
        shared[0] = IDLE
        saves += 1
        shared[8:16] = struct.pack("q", saves)


def _fork_saver(path: str, models: list[MLP], shared: mmap.mmap) -> int:
    pid = os.fork()
    if pid == 0:  # the child never returns into pytest
        code = 0
        try:
            _saver(path, models, shared)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return pid


def _saves(shared: mmap.mmap) -> int:
    return struct.unpack("q", shared[8:16])[0]


def test_a_model_file_survives_50_sigkills_at_random_moments_as_the_complete_old_or_new_model(tmp_path):
    models = [MLP(2, [16, 16, 1], seed=1), MLP(2, [16, 16, 1], seed=2)]
    expected = [bits(model.state_dict()) for model in models]
    assert expected[0] != expected[1]
    path = str(tmp_path / "model.json")
    models[0].save(path)

    # How long one save takes here, so that the kill moments spread over several saves.
    started = time.perf_counter()
    for model in models * 5:
        model.save(path)
    save_seconds = (time.perf_counter() - started) / 10

    rng = random.Random(8)
    shared = mmap.mmap(-1, 16)  # anonymous and MAP_SHARED: the forked child writes, we read
    phases = dict.fromkeys(PHASES, 0)
    found = [0, 0]
    leftovers = 0
    total_saves = 0
    for _ in range(KILLS):
        shared[:] = bytes(16)
        pid = _fork_saver(path, models, shared)
        try:
            while _saves(shared) == 0:  # the child is running its loop
                time.sleep(0.0005)
            time.sleep(rng.uniform(0.0, 3 * save_seconds))
        finally:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        phases[shared[0]] += 1
        total_saves += _saves(shared)

        loaded = MLP.load(path)  # raises on a partial or corrupt file
        state = bits(loaded.state_dict())
        assert state in expected, "the file on disk is neither the old nor the new model"
        found[expected.index(state)] += 1
        for name in os.listdir(tmp_path):  # a killed save leaves its temporary file behind; count, then tidy
            if name != "model.json":
                leftovers += 1
                os.unlink(tmp_path / name)

    during_write = phases[WRITING] + phases[REPLACING]
    print(
        f"\nkill during save: {KILLS} SIGKILLs, {total_saves} completed saves, one save ~{save_seconds * 1e3:.2f} ms; "
        + ", ".join(f"{count} {PHASES[phase]}" for phase, count in phases.items())
        + f"; file held model A {found[0]}x, model B {found[1]}x; {leftovers} temporary files left behind",
        file=sys.stderr,
    )
    assert sum(phases.values()) == KILLS
    assert during_write >= KILLS // 5  # the kills really land mid-save, not only between saves
    assert min(found) > 0  # both the old and the new model were seen on disk
