"""Saving and loading models as JSON (never pickle): written atomically, versioned, checked before use.

A file holds ``{"format": "chainrule.nn", "version": 1, "class": "MLP", "config": {...}, "state_dict": {...}}``.
``config`` is the constructor's keyword arguments (None when they are not JSON, e.g. a callable activation);
``state_dict`` maps dotted parameter names to floats. Python's ``repr`` of a float round-trips exactly, so
weights come back bit for bit (NaN and infinities are written as ``NaN`` / ``Infinity``, as Python's json does).
"""

from __future__ import annotations

import json
import numbers
import os
import tempfile
from typing import TYPE_CHECKING, Any

from nn._checks import short

if TYPE_CHECKING:
    from engine import Value
    from nn.module import Module

FORMAT = "chainrule.nn"
VERSION = 1


def _describe(keys: list[str], limit: int = 5) -> str:
    shown = ", ".join(short(key) for key in keys[:limit])
    more = f" (and {len(keys) - limit} more)" if len(keys) > limit else ""
    return shown + more


def check_state_dict(module: Module, state_dict: Any, strict: bool = True) -> list[tuple[Value, float]]:
    """Validate ``state_dict`` against ``module`` and return (parameter, new data) pairs; changes nothing."""
    if not isinstance(state_dict, dict):
        raise TypeError(f"state_dict must be a dict of {{name: number}}, got {type(state_dict).__name__}")
    named = dict(module.named_parameters())
    missing = [name for name in named if name not in state_dict]
    unexpected = [key for key in state_dict if key not in named]
    if strict and (missing or unexpected):
        problems = []
        if missing:
            problems.append(f"missing keys: {_describe(missing)}")
        if unexpected:
            problems.append(f"unexpected keys: {_describe(unexpected)}")
        raise ValueError(
            f"state_dict does not match {type(module).__name__} (a wrong layer size shows up as missing or "
            f"unexpected keys): " + "; ".join(problems)
        )
    updates = []
    for name, parameter in named.items():
        if name not in state_dict:
            continue
        data = state_dict[name]
        if isinstance(data, bool) or not isinstance(data, numbers.Real):
            raise TypeError(f"state_dict[{name!r}] must be a real number, got {type(data).__name__}: {short(data)}")
        try:
            updates.append((parameter, float(data)))
        except OverflowError:  # an int like 10**400: no float holds it
            raise ValueError(f"state_dict[{name!r}] is too large for a float: {short(data)}") from None
    return updates


def _config_for_file(module: Module) -> dict[str, Any] | None:
    config = module._config()
    try:
        json.dumps(config)
    except (TypeError, ValueError):
        return None  # e.g. a callable activation: the weights can still be saved and loaded into a model
    return config


def save(module: Module, path: str | os.PathLike) -> None:
    """Write ``module`` to ``path`` as JSON: a temporary file in the same folder, then ``os.replace``.

    The destination is either the old file or the complete new one, never a half-written file.
    """
    document = {
        "format": FORMAT,
        "version": VERSION,
        "class": type(module).__name__,
        "config": _config_for_file(module),
        "state_dict": module.state_dict(),
    }
    path = _check_path(path)
    text = json.dumps(document, indent=1)  # serialize first: a failure here touches no file
    directory = os.path.dirname(os.path.abspath(path))
    descriptor, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def _check_path(path: Any) -> str:
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"path must be a str or an os.PathLike, got {type(path).__name__}: {short(path)}")
    return os.fspath(path)


def read(path: str | os.PathLike) -> dict[str, Any]:
    """The checked contents of a file written by ``save``: format, version, class, config and state_dict."""
    path = _check_path(path)
    with open(path, "rb") as file:
        raw = file.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not a text file in UTF-8 (corrupt or not a model file?): {error}") from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError, OverflowError) as error:
        # ValueError: bad syntax, or an integer over Python's 4,300-digit limit; RecursionError: nesting
        # deeper than the json decoder's stack.
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)[:200]
        raise ValueError(f"{path} is not valid JSON (truncated or corrupt file?): {reason}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a chainrule model file (no \"format\": {FORMAT!r} field)")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(f"{path} has format version {short(version)}; this chainrule reads version {VERSION}")
    for key in ("class", "config", "state_dict"):
        if key not in document:
            raise ValueError(f"{path} has no {key!r} field")
    if not isinstance(document["state_dict"], dict):
        raise ValueError(f"{path}: 'state_dict' must be an object of {{name: number}}")
    return document


def _check_size_before_building(cls: type[Module], config: dict[str, Any], state_dict: dict, path: str) -> None:
    """Refuse a config whose parameter count differs from the state_dict's, BEFORE building the model.

    The state_dict holds every weight, so this bounds the model by the file's size: a tiny file cannot ask
    for a huge model. The names are walked lazily and the walk stops early, so the cost is bounded the same way.
    """
    expected = cls._parameter_count(config)
    if expected is None or expected == len(state_dict):
        return
    missing, walked_all = [], True
    for name in cls._parameter_names(config):  # each present name is in the file: the walk is bounded by it
        if name not in state_dict:
            missing.append(name)
            if len(missing) > 5:
                walked_all = False
                break
    problems = []
    if missing:
        problems.append(f"missing keys: {_describe(missing[:5])}" + ("" if walked_all else " and more"))
    if walked_all:
        names = set(cls._parameter_names(config))
        unexpected = [key for key in state_dict if key not in names]
        if unexpected:
            problems.append(f"unexpected keys: {_describe(unexpected)}")
    raise ValueError(
        f"{path}: state_dict does not match its config {cls.__name__}(**{short(config)}), which has {expected} "
        f"parameters but the state_dict has {len(state_dict)} (a wrong layer size shows up as missing or unexpected "
        f"keys): " + "; ".join(problems)
    )


def _name(value: Any) -> str:
    """A class name as written (no quotes) when it is a short string, else its shortened repr."""
    return value if isinstance(value, str) and len(value) <= 60 else short(value)


def load(cls: type[Module], path: str | os.PathLike) -> Module:
    """A new ``cls`` built from the file's config, holding the file's weights."""
    document = read(path)
    path = os.fspath(path)
    if document["class"] != cls.__name__:
        raise ValueError(f"{path} holds a {_name(document['class'])}, not a {cls.__name__}")
    config = document["config"]
    if not isinstance(config, dict):
        raise ValueError(
            f"{path} has no constructor config (the model used a callable); build the "
            f"{cls.__name__} yourself and call model.load_weights(path)"
        )
    _check_size_before_building(cls, config, document["state_dict"], path)
    try:
        module = cls(**config)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: cannot build {cls.__name__}(**{short(config)}): {error}") from None
    module.load_state_dict(document["state_dict"], strict=True)
    return module


def load_weights(module: Module, path: str | os.PathLike, strict: bool = True) -> None:
    """Load a saved file's weights into ``module``; nothing changes unless every check passes."""
    document = read(path)
    config = document["config"]
    if strict and isinstance(config, dict) and document["class"] == type(module).__name__:
        ours = _config_for_file(module)
        if ours is not None and ours != config:
            raise ValueError(
                f"{os.fspath(path)} holds a model of another shape: file {_name(document['class'])}"
                f"(**{short(config)}), this model {type(module).__name__}(**{short(ours)})"
            )
    module.load_state_dict(document["state_dict"], strict=strict)
