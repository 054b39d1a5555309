"""Threads: four threads train their own models while a fifth runs inference under ``no_grad``."""

import sys
import threading
import time

import pytest
from _reliability import bits, count, moons, training_step

import engine
from engine import Value, no_grad
from nn import MLP, SGD

TRAINERS = 4
STEPS = count(reduced=60, full=500)  # training steps per thread
BATCH = 8


def _train_alone(seed: int, steps: int = STEPS) -> dict[str, float]:
    data = moons(64, seed=seed)
    model = MLP(2, [16, 16, 1], seed=seed)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(steps):
        start = (step * BATCH) % len(data)
        training_step(model, optimizer, data[start : start + BATCH])
    return model.state_dict()


@pytest.mark.slow
def test_models_trained_in_threads_equal_the_same_runs_alone_bit_for_bit_while_no_grad_inference_runs():
    inference_model = MLP(2, [16, 16, 1], seed=99)
    probes = [x for x, _ in moons(32, seed=99)]
    expected_outputs = [inference_model(x).data for x in probes]
    alone = {seed: _train_alone(seed) for seed in range(1, TRAINERS + 1)}

    results: dict[int, dict[str, float]] = {}
    intervals: dict[int, tuple[float, float]] = {}
    errors: list[BaseException] = []
    inference = {"calls": 0, "recorded": 0, "mismatches": 0, "grad_enabled_inside": 0}
    trainers_done = threading.Event()
    barrier = threading.Barrier(TRAINERS + 1)

    def trainer(seed: int) -> None:
        try:
            barrier.wait()
            started = time.perf_counter()
            results[seed] = _train_alone(seed)
            intervals[seed] = (started, time.perf_counter())
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    def inferrer() -> None:
        try:
            barrier.wait()
            while not trainers_done.is_set():
                for x, expected in zip(probes, expected_outputs):
                    with no_grad():  # entered and left on every call, while the trainers record
                        inference["grad_enabled_inside"] += engine.is_grad_enabled()
                        out = inference_model(x)
                    inference["calls"] += 1
                    inference["recorded"] += not out.is_leaf or out.children != () or out.op != ""
                    inference["mismatches"] += out.data != expected
        except BaseException as error:
            errors.append(error)

    previous_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, to interleave the trainers' ops finely
    try:
        threads = [threading.Thread(target=trainer, args=(seed,)) for seed in alone]
        reader = threading.Thread(target=inferrer)
        for thread in [*threads, reader]:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        trainers_done.set()
        reader.join(timeout=60)
    finally:
        sys.setswitchinterval(previous_interval)

    assert not errors, errors
    overlap = min(end for _, end in intervals.values()) - max(start for start, _ in intervals.values())
    print(
        f"\nthreads: {TRAINERS} x {STEPS} steps, all four running together for {overlap:.2f} s; "
        f"{inference['calls']} no_grad inferences alongside"
    )
    assert overlap > 0  # the four trainings really ran at the same time
    assert inference["calls"] >= len(probes)
    for seed in alone:
        assert bits(results[seed]) == bits(alone[seed]), f"thread {seed} differs from the same run alone"
    assert inference["recorded"] == 0  # no output of the no_grad thread carries a graph
    assert inference["grad_enabled_inside"] == 0
    assert inference["mismatches"] == 0
    assert engine.is_grad_enabled()  # the main thread's flag is untouched


def test_a_thread_inside_no_grad_does_not_stop_another_thread_from_recording():
    inside, leave = threading.Event(), threading.Event()

    def hold_no_grad() -> None:
        with no_grad():
            inside.set()
            leave.wait(timeout=30)

    holder = threading.Thread(target=hold_no_grad)
    holder.start()
    try:
        assert inside.wait(timeout=30)
        x = Value(2.0)
        y = x * x
        y.backward()
    finally:
        leave.set()
        holder.join()
    assert y.children == (x, x)
    assert x.grad == 4.0  # d(x²)/dx at 2, recorded and differentiated here while the other thread was in no_grad
