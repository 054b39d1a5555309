"""Per-thread switches: whether ops record a graph, whether anomaly detection is on, and who is told when
Python code turns a Value into a Python decision (``engine.compile``'s tracer, to record guards)."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

RECORD = "record"  # link new nodes into the graph
CHECK = "record and check"  # and run detect_anomaly's checks on them


class _State(threading.local):
    grad_enabled = True  # class attributes are each new thread's defaults
    anomaly_sites: dict[Any, str] | None = None  # {node: "file:line"} while detect_anomaly() is active, else None
    # What ops do with a new node, from the two switches above: None (record nothing), RECORD or CHECK. Kept by
    # update_recording() so that an op reads one thread-local attribute, not two (5 % of an MLP forward, measured).
    recording: str | None = RECORD
    # While tracing: called as decision_hook(kind, operands, result) when a comparison, bool(), float(), int(),
    # round() or a read of .data turns a Value into a plain Python value (kind names which).
    decision_hook: Callable[[str, tuple[Any, ...], Any], None] | None = None


state = _State()


def update_recording() -> None:
    """Set ``state.recording`` from ``grad_enabled`` and ``anomaly_sites``; call after changing either."""
    state.recording = None if not state.grad_enabled else RECORD if state.anomaly_sites is None else CHECK


class _GradMode:
    """A context manager that is also a decorator, for plain and generator functions alike (as PyTorch's)."""

    _enabled: bool

    def __new__(cls, function: Callable[..., Any] | None = None) -> Any:
        # bare ``@no_grad`` (no parentheses) passes the function itself: decorate it with a fresh instance
        if function is not None:
            return cls()(function)
        return super().__new__(cls)

    def __enter__(self) -> None:
        self._previous = state.grad_enabled
        state.grad_enabled = self._enabled
        update_recording()

    def __exit__(self, *exc_info: object) -> None:
        state.grad_enabled = self._previous
        update_recording()

    def __call__(self, function: Callable[..., Any]) -> Callable[..., Any]:
        mode = type(self)
        if inspect.isgeneratorfunction(function):
            # The body of a generator runs at each next(), after the decorator returned: switch around each resume.
            @functools.wraps(function)
            def generator(*args: Any, **kwargs: Any) -> Any:
                body = function(*args, **kwargs)
                try:
                    with mode():
                        response = body.send(None)
                    while True:
                        try:
                            request = yield response
                        except GeneratorExit:
                            with mode():
                                body.close()
                            raise
                        except BaseException as error:
                            with mode():
                                response = body.throw(error)
                        else:
                            with mode():
                                response = body.send(request)
                except StopIteration as stop:
                    return stop.value

            return generator

        @functools.wraps(function)
        def decorated(*args: Any, **kwargs: Any) -> Any:
            with mode():  # a fresh instance per call, so recursion and threads never share ``_previous``
                return function(*args, **kwargs)

        return decorated


class no_grad(_GradMode):
    """Context manager and decorator (``@no_grad`` or ``@no_grad()``): ops inside record nothing and return
    leaves (this thread only). On a generator function it applies to the generator's body."""

    _enabled = False


class enable_grad(_GradMode):
    """Context manager and decorator: re-enables recording inside ``no_grad`` (this thread only)."""

    _enabled = True


def is_grad_enabled() -> bool:
    """Whether ops in this thread currently record a graph."""
    return state.grad_enabled
