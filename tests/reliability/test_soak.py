"""Soak: thousands of moons training steps with memory flat and every graph freed by reference counting alone."""

import collections
import gc
import time
import tracemalloc

import pytest
from _reliability import FULL, count, moons, training_step

from engine import Value
from nn import MLP, SGD

STEPS = count(reduced=400, full=5_000)  # training steps measured after the warm-up
WARM_UP = 50  # steps before the baseline: lets free lists and caches reach their working size
BATCH = 8  # points per step (the demo uses all 100; 8 keeps 5,000 steps to a few minutes)
SAMPLE_EVERY = 50  # steps between memory samples
LIMIT = 1_000_000  # bytes of growth allowed after the warm-up


def _live_values() -> int:
    return sum(1 for obj in gc.get_objects() if type(obj) is Value)


@pytest.mark.slow
def test_moons_training_keeps_memory_flat_and_frees_every_graph_without_the_cycle_collector():
    data = moons(100, seed=0)
    model = MLP(2, [16, 16, 1], seed=1337)
    total = WARM_UP + STEPS
    optimizer = SGD(model.parameters(), lr=lambda t: 1.0 - 0.9 * t / total)  # micrograd's decay, 1.0 -> 0.1
    batches = [data[i : i + BATCH] for i in range(0, len(data), BATCH)]
    gc.collect()
    values_before = _live_values()
    first_losses = []
    last_losses = collections.deque([0.0] * 20, maxlen=20)  # fixed size: the test itself must not grow
    gc.disable()
    started = time.perf_counter()
    try:
        for step in range(WARM_UP):
            first_losses.append(training_step(model, optimizer, batches[step % len(batches)]))
        tracemalloc.start()
        samples = [0] * (STEPS // SAMPLE_EVERY + 1)  # allocated before the baseline, like everything the loop keeps
        baseline, _ = tracemalloc.get_traced_memory()
        for step in range(WARM_UP, total):
            last_losses.append(training_step(model, optimizer, batches[step % len(batches)]))
            if step % SAMPLE_EVERY == 0:
                samples[(step - WARM_UP) // SAMPLE_EVERY] = tracemalloc.get_traced_memory()[0] - baseline
        end, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        values_after = _live_values()  # still with the cycle collector off: only refcounting has run
    finally:
        gc.enable()
    found = gc.collect()
    elapsed = time.perf_counter() - started
    growth = end - baseline
    print(
        f"\nsoak: {total} steps (batch {BATCH}, full={FULL}) in {elapsed:.1f} s; growth after warm-up {growth} B, "
        f"largest sample {max(samples)} B, peak above baseline {peak - baseline} B; gc.collect() found {found}"
    )
    assert peak - baseline > 50_000  # each step really built (and dropped) a graph of some size ...
    assert growth < LIMIT and max(samples) < LIMIT  # ... yet nothing accumulates
    assert values_after == values_before  # every node of every graph is gone: only the parameters remain
    assert found == 0  # nothing was left in a reference cycle for the collector
    first, last = sum(first_losses[:20]) / 20, sum(last_losses) / 20
    assert last < first  # it really trained
