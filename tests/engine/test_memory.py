"""Graphs hold no reference cycles: reference counting alone frees them."""

import gc
import tracemalloc

import engine
from engine import Value


def _build_graph(n_nodes: int) -> Value:
    x = Value(0.5, label="x")
    ws = [Value(0.01 * i) for i in range(10)]
    out = x
    while n_nodes > 0:
        out = engine.dot(ws, [out] * 10).tanh() * 0.5 + x * x
        n_nodes -= 5
    return out


def test_a_100000_node_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        tracemalloc.start()
        start, _ = tracemalloc.get_traced_memory()
        out = _build_graph(100_000)
        out.backward()
        built, _ = tracemalloc.get_traced_memory()
        del out
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        gc.enable()
    assert built - start > 20_000_000  # the graph really was big (>20 MB) ...
    # ... and is gone without the cycle collector; what is left is CPython's tuple free lists (< 1 MB).
    assert after - start < 0.03 * (built - start)


def test_no_node_is_part_of_a_reference_cycle():
    gc.collect()
    gc.disable()
    try:
        out = _build_graph(1_000)
        engine.grad(out, [out], create_graph=True)
        out.backward()
        del out
        assert gc.collect() == 0  # nothing was left for the cycle collector to find
    finally:
        gc.enable()
