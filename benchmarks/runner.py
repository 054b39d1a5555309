"""Runs the workloads: one worker process per implementation, results checked against each other, then timed
in interleaved rounds."""

from __future__ import annotations

import multiprocessing
import platform
import statistics
import sys
import time
from collections.abc import Callable, Sequence

from benchmarks import workloads as wl
from benchmarks.worker import serve

IMPLEMENTATIONS = (
    "floats",
    "chainrule",
    "tape",
    "micrograd",
    "torch",
    "compiled_python",
    "compiled_numpy",
    "compiled_torch",
)
COMPILED = ("compiled_python", "compiled_numpy", "compiled_torch")  # engine.compile: they have a one-off cost
FLOOR = "floats"
RELATIVE_TOLERANCE = 1e-12


class WorkerError(Exception):
    """A command failed in a worker: ``kind`` is the exception name (``RecursionError``) or ``crashed``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message


class CheckError(Exception):
    """Two implementations disagree on a workload's result: no timing of that workload counts."""


class _Worker:
    """A spawned process running ``benchmarks.worker.serve`` for one implementation."""

    def __init__(self, context, implementation: str) -> None:
        self.implementation = implementation
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=serve, args=(child, implementation), daemon=True, name=f"bench-{implementation}"
        )
        self.process.start()
        child.close()
        self.info: dict | None = None

    def _receive(self, timeout: float | None):
        if not self.connection.poll(timeout):
            self.stop(kill=True)
            raise WorkerError("timeout", f"no answer within {timeout:.0f} s")
        try:
            status, *payload = self.connection.recv()
        except (EOFError, ConnectionError):
            self.process.join(5)
            raise WorkerError("crashed", f"worker exited with code {self.process.exitcode}") from None
        if status == "ok":
            return payload[0]
        raise WorkerError(*payload)

    def hello(self, timeout: float = 120.0) -> dict:
        self.info = self._receive(timeout)
        return self.info

    def call(self, *message, timeout: float | None = 1800.0):
        self.connection.send(message)
        return self._receive(timeout)

    def stop(self, kill: bool = False) -> None:
        if self.process.is_alive() and not kill:
            try:
                self.connection.send(("stop",))
            except (OSError, ValueError):
                pass
            self.process.join(10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        self.connection.close()


def _rotated(items: Sequence[str], shift: int) -> list[str]:
    shift %= max(len(items), 1)
    return list(items[shift:]) + list(items[:shift])


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b))


def _compare(workload: str, reference: str, ref_result, name: str, result) -> None:
    """Raise CheckError unless ``result`` (value, gradients) equals the reference to 1e-12 relative."""
    ref_value, ref_grads = ref_result
    value, grads = result
    if not _close(ref_value, value):
        raise CheckError(
            f"{workload}: {name} result {value!r} differs from {reference} {ref_value!r} "
            f"(relative tolerance {RELATIVE_TOLERANCE:g})"
        )
    if len(grads) != len(ref_grads):
        raise CheckError(f"{workload}: {name} returned {len(grads)} gradients, {reference} {len(ref_grads)}")
    for index, (a, b) in enumerate(zip(ref_grads, grads)):
        if not _close(a, b):
            raise CheckError(
                f"{workload}: {name} gradient #{index} is {b!r}, {reference} says {a!r} "
                f"(relative tolerance {RELATIVE_TOLERANCE:g})"
            )


def summarize(values: Sequence[float]) -> dict:
    """Median, min, max, and the interquartile range of a list of measurements."""
    values = sorted(values)
    if len(values) >= 2:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    else:
        q1 = q3 = values[0]
    return {
        "median": statistics.median(values),
        "min": values[0],
        "max": values[-1],
        "q1": q1,
        "q3": q3,
        "n": len(values),
    }


class Runner:
    """Runs the requested workloads over the requested implementations and collects a report dict."""

    def __init__(
        self,
        sizes: wl.Sizes,
        implementations: Sequence[str] = IMPLEMENTATIONS,
        workloads: Sequence[str] = wl.WORKLOADS,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        unknown = [w for w in workloads if w not in wl.WORKLOADS]
        if unknown:
            raise ValueError(f"workloads: unknown {unknown}, choose from {list(wl.WORKLOADS)}")
        unknown = [i for i in implementations if i not in IMPLEMENTATIONS]
        if unknown:
            raise ValueError(f"implementations: unknown {unknown}, choose from {list(IMPLEMENTATIONS)}")
        if FLOOR not in implementations:
            raise ValueError(f"implementations: the floor {FLOOR!r} is needed, every ratio is relative to it")
        self.sizes = sizes
        self.implementations = list(implementations)
        self.workloads = list(workloads)
        self.progress = progress or (lambda message: None)
        self.context = multiprocessing.get_context("spawn")
        self.available: dict[str, dict] = {}
        self.unavailable: dict[str, str] = {}

    # --- workers -------------------------------------------------------------------------------------

    def _start(self, implementations: Sequence[str]) -> dict[str, _Worker]:
        workers = {name: _Worker(self.context, name) for name in implementations}
        ready = {}
        for name, worker in workers.items():
            try:
                self.available[name] = worker.hello()
                ready[name] = worker
            except WorkerError as error:
                self.unavailable[name] = str(error)
                worker.stop(kill=True)
        return ready

    def _fresh_call(self, implementation: str, *message, timeout: float = 900.0):
        """Run one command in a new process that exits afterwards (deep-chain, memory)."""
        worker = _Worker(self.context, implementation)
        try:
            worker.hello()
            return worker.call(*message, timeout=timeout)
        finally:
            worker.stop()

    # --- the run -------------------------------------------------------------------------------------

    def run(self) -> dict:
        started = time.perf_counter()
        report = {"meta": self._meta(), "workloads": {}}
        workers = self._start(self.implementations)  # also learns which implementations import
        try:
            for workload in self.workloads:
                self.progress(f"[{time.perf_counter() - started:6.1f} s] {workload} ...")
                if workload == "mlp-step":
                    report["workloads"][workload] = self._timed_workload(workers, workload, gc_off_too=True)
                elif workload == "wide-sum":
                    report["workloads"][workload] = self._timed_workload(workers, workload, gc_off_too=False)
                elif workload == "deep-chain":
                    report["workloads"][workload] = self._deep_chain()
                elif workload == "memory":
                    report["workloads"][workload] = self._memory()
        finally:
            for worker in workers.values():
                worker.stop()
        report["meta"]["available"] = self.available
        report["meta"]["unavailable"] = self.unavailable
        report["meta"]["seconds"] = time.perf_counter() - started
        self.progress(f"[{report['meta']['seconds']:6.1f} s] done")
        return report

    def _meta(self) -> dict:
        return {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "machine": platform.machine(),
            "cpus": multiprocessing.cpu_count(),
            "sizes": self.sizes,
            "implementations": self.implementations,
        }

    def _timed_workload(self, workers: dict[str, _Worker], workload: str, gc_off_too: bool) -> dict:
        result: dict = {"implementations": {}, "status": "ok"}
        arguments = wl.arguments(workload, self.sizes)
        checked: dict[str, tuple] = {}
        for name, worker in workers.items():
            try:
                worker.call("setup", workload, *arguments)
                checked[name] = worker.call("check", workload)
                result["implementations"][name] = {"status": "ok"}
            except WorkerError as error:
                result["implementations"][name] = {"status": f"fails ({error.kind})", "error": error.message[:300]}
        if FLOOR not in checked:
            result["status"] = f"aborted: the floor failed: {result['implementations'][FLOOR]}"
            return result
        try:  # every pair, the floor first
            names = sorted(checked, key=lambda n: (n != FLOOR, IMPLEMENTATIONS.index(n)))
            for index, reference in enumerate(names):
                for name in names[index + 1 :]:
                    _compare(workload, reference, checked[reference], name, checked[name])
        except CheckError as error:
            result["status"] = f"aborted: {error}"
            self.progress(f"ABORTED {error}")
            return result
        result["check"] = {"value": checked[FLOOR][0], "gradients": len(checked[FLOOR][1]), "agree": sorted(checked)}
        if workload == "mlp-step":
            result["one_off"] = {}
            for name in checked:
                if name in COMPILED:
                    try:
                        result["one_off"][name] = workers[name].call("one-off", workload)
                    except WorkerError as error:
                        result["one_off"][name] = {"error": str(error)[:300]}
        window = self.sizes.window_steps if workload == "mlp-step" else None
        settings = [True, False] if gc_off_too else [True]
        timed = [name for name in checked]
        seconds = {(name, gc_on): [] for name in timed for gc_on in settings}
        collector = {name: [] for name in timed}  # share of the GC-on time spent in the garbage collector
        for round_index in range(self.sizes.rounds):
            for gc_on in settings:
                names = timed if gc_on else [n for n in timed if "torch" not in n]
                for name in _rotated(names, round_index):
                    timing = workers[name].call("time", workload, gc_on, self.sizes.target_seconds, window)
                    seconds[name, gc_on].append(timing["seconds"])
                    if gc_on:
                        collector[name].append(timing["gc_seconds"] / timing["seconds"])
            self.progress(
                f"    round {round_index + 1}/{self.sizes.rounds}: "
                + ", ".join(f"{name} {seconds[name, True][-1] * 1e3:.2f} ms" for name in timed)
            )
        for gc_on in settings:
            key = "gc_on" if gc_on else "gc_off"
            result[key] = {}
            floor = seconds[FLOOR, gc_on]
            for name in timed:
                times = seconds.get((name, gc_on))
                if not times:
                    continue
                result[key][name] = {
                    "seconds": summarize(times),
                    "ratio": summarize([t / f for t, f in zip(times, floor)]),
                }
                if gc_on:
                    result[key][name]["gc_share"] = summarize(collector[name])
            if not gc_on and ("micrograd", False) in seconds and ("chainrule", False) in seconds:
                result["gc_off_speedup_vs_micrograd"] = summarize(
                    [m / c for m, c in zip(seconds["micrograd", False], seconds["chainrule", False])]
                )
        if "micrograd" in timed and "chainrule" in timed:
            result["gc_on_speedup_vs_micrograd"] = summarize(
                [m / c for m, c in zip(seconds["micrograd", True], seconds["chainrule", True])]
            )
        return result

    def _deep_chain(self) -> dict:
        names = [n for n in self.implementations if n not in self.unavailable]
        lengths = self.sizes.chain_lengths
        runs: dict = {n: {name: {"status": "ok", "runs": []} for name in names} for n in lengths}
        failed_at: dict[str, int] = {}
        for n in lengths:
            for round_index in range(self.sizes.chain_rounds):
                for name in _rotated(names, round_index):
                    entry = runs[n][name]
                    if failed_at.get(name, n) < n:
                        entry["status"] = f"fails (as at N={failed_at[name]:,}; not rerun)"
                        continue
                    if name == "torch" and n > self.sizes.torch_max_chain:
                        entry["status"] = "not run (time and memory budget)"
                        continue
                    if entry["status"] != "ok":
                        continue
                    try:
                        entry["runs"].append(self._fresh_call(name, "deep-chain", n))
                    except WorkerError as error:
                        entry["status"] = f"fails ({error.kind})"
                        entry["error"] = error.message[:300]
                        failed_at[name] = n
            self.progress(f"    N={n:,}: " + ", ".join(f"{name} {runs[n][name]['status']}" for name in names))
        status = "ok"
        for n in lengths:
            floor_run = runs[n][FLOOR]["runs"][0]
            for name in names:
                entry = runs[n][name]
                if entry["status"] != "ok":
                    continue
                for run in entry["runs"]:
                    for key in ("value", "grad"):
                        if not _close(run[key], floor_run[key]):
                            status = (
                                f"aborted: deep-chain N={n}: {name} {key} {run[key]!r} differs from "
                                f"{FLOOR} {floor_run[key]!r}"
                            )
                ops = 2 * n  # each link is one * and one + node
                entry["backward_ns_per_op"] = summarize([r["backward_s"] / ops * 1e9 for r in entry["runs"]])
                entry["forward_ns_per_op"] = summarize([r["forward_s"] / ops * 1e9 for r in entry["runs"]])
        return {
            "status": status,
            "lengths": list(lengths),
            "by_length": runs,
            "recursion_limit": sys.getrecursionlimit(),
        }

    def _memory(self) -> dict:
        xs, ys = wl.moons(self.sizes.memory_samples)
        weights = wl.mlp_weights()
        result: dict = {"samples": self.sizes.memory_samples, "implementations": {}, "status": "ok"}
        for name in ("chainrule", "micrograd"):
            if name not in self.implementations or name in self.unavailable:
                continue
            try:
                measured = self._fresh_call(name, "memory", weights, xs, ys)
            except WorkerError as error:
                result["implementations"][name] = {"status": f"fails ({error.kind})", "error": error.message[:300]}
                continue
            measured["status"] = "ok"
            measured["bytes_per_sample"] = measured["graph_bytes"] / self.sizes.memory_samples
            measured["bytes_per_node"] = measured["graph_bytes"] / max(measured["nodes"], 1)
            result["implementations"][name] = measured
        return result
