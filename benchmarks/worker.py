"""A worker process: imports one implementation and runs the commands the runner sends it over a pipe."""

from __future__ import annotations

import gc
import importlib
import platform
import sys
import time
import traceback
from multiprocessing.connection import Connection


class _CollectorClock:
    """Adds up the CPU time the garbage collector spends, through ``gc.callbacks``."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.seconds += time.process_time() - self._started


def _time_calls(run, reset, repeats: int, gc_enabled: bool, window: int | None = None) -> dict:
    """CPU seconds per call of ``run`` over ``repeats`` calls, and how many of them the collector took.

    With ``window`` (training steps), each of the ``repeats`` is the same window of steps from ``reset()`` (not
    timed): every implementation times the same steps, so a fast one does not get later, cheaper steps (fewer
    samples still active in the hinge) than a slow one."""
    if window is not None:
        return _time_windows(run, reset, repeats, gc_enabled, window)
    if reset is not None:
        reset()
    gc.collect()
    was_enabled = gc.isenabled()
    if gc_enabled:
        gc.enable()
    else:
        gc.disable()
    clock = _CollectorClock()
    gc.callbacks.append(clock)
    try:
        start = time.process_time()
        for _ in range(repeats):
            run()
        elapsed = time.process_time() - start
    finally:
        gc.callbacks.remove(clock)
        if was_enabled:
            gc.enable()
        else:
            gc.disable()
    return {"seconds": elapsed / repeats, "gc_seconds": clock.seconds / repeats}


def _time_windows(run, reset, windows: int, gc_enabled: bool, window: int) -> dict:
    """CPU seconds per step over ``windows`` repeats of steps 0..window-1 from ``reset()``."""
    gc.collect()
    was_enabled = gc.isenabled()
    clock = _CollectorClock()
    elapsed = 0.0
    gc.callbacks.append(clock)
    try:
        for _ in range(windows):
            reset()
            if gc_enabled:
                gc.enable()
            else:
                gc.disable()
            start = time.process_time()
            for _ in range(window):
                run()
            elapsed += time.process_time() - start
            gc.enable() if was_enabled else gc.disable()
    finally:
        gc.callbacks.remove(clock)
        gc.enable() if was_enabled else gc.disable()
    steps = windows * window
    return {"seconds": elapsed / steps, "gc_seconds": clock.seconds / steps}


class _Session:
    """State kept between commands: the set-up workloads and how many repeats each timed call makes."""

    def __init__(self, module) -> None:
        self.module = module
        self.workloads: dict = {}
        self.repeats: dict = {}
        self.arguments: dict = {}

    def setup(self, workload: str, *args) -> str:
        self.arguments[workload] = args
        if workload == "mlp-step":
            self.workloads[workload] = self.module.MlpStep(*args)
        elif workload == "wide-sum":
            self.workloads[workload] = self.module.WideSum(*args)
        else:
            raise ValueError(f"unknown workload {workload!r}")
        return "ready"

    def _calls(self, workload: str):
        thing = self.workloads[workload]
        if workload == "mlp-step":
            return thing.step, thing.reset
        return thing.run, None

    def check(self, workload: str):
        run, reset = self._calls(workload)
        if reset is not None:
            reset()
        result = run(report=True)
        if reset is not None:
            reset()
        return result

    def time(self, workload: str, gc_enabled: bool, target_seconds: float, window: int | None = None) -> dict:
        run, reset = self._calls(workload)
        window = window if reset is not None else None
        repeats = self.repeats.get(workload)
        if repeats is None:  # first call: warm up once and calibrate, so every round does the same work
            seconds = _time_calls(run, reset, 1, gc_enabled, window)["seconds"] * (window or 1)
            repeats = self.repeats[workload] = max(1, round(target_seconds / max(seconds, 1e-9)))
        return _time_calls(run, reset, repeats, gc_enabled, window)

    def one_off(self, workload: str) -> dict:
        """The one-off trace + compile cost, for implementations that have one (``engine.compile``)."""
        return self.module.one_off(workload, *self.arguments[workload])


def serve(connection: Connection, implementation: str) -> None:
    """Answer ``(command, *args)`` messages with ``("ok", result)`` or ``("error", kind, message)``."""
    try:
        module = importlib.import_module(f"benchmarks.impl_{implementation}")
    except Exception as error:  # noqa: BLE001 - reported to the runner, which marks the implementation unavailable
        connection.send(("error", type(error).__name__, str(error)))
        connection.close()
        return
    session = _Session(module)
    connection.send(
        (
            "ok",
            {
                "variant": module.variant(),
                "python": platform.python_version(),
                "recursion_limit": sys.getrecursionlimit(),
                "gc_enabled": gc.isenabled(),
            },
        )
    )
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        command, args = message[0], message[1:]
        if command == "stop":
            connection.close()
            return
        try:
            if command == "setup":
                result = session.setup(*args)
            elif command == "check":
                result = session.check(*args)
            elif command == "time":
                result = session.time(*args)
            elif command == "one-off":
                result = session.one_off(*args)
            elif command == "deep-chain":
                result = module.deep_chain(*args)
            elif command == "memory":
                result = module.memory(*args)
            else:
                raise ValueError(f"unknown command {command!r}")
        except RecursionError as error:
            connection.send(("error", "RecursionError", str(error)))
        except Exception as error:  # noqa: BLE001 - the runner decides whether this is fatal
            detail = traceback.format_exc(limit=4)
            connection.send(("error", type(error).__name__, f"{error}\n{detail}"))
        else:
            connection.send(("ok", result))
