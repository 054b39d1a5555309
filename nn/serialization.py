"""Reading and writing chainrule's JSON documents (model and optimizer files); never pickle.

``write_json`` writes a file the way ``open(path, "w")`` would (it refuses a file ``open`` could not write, honours
the umask for a new file and keeps an existing file's mode, writes through a symlink to its target) and atomically:
a temporary file in the target's folder, then ``os.replace``, so the target is always the old or the complete new
document. A save killed half-way leaves its temporary behind; the next save to the same target removes such stale
temporaries (names matching ``.NAME.*.tmp`` made before this process started), and no other file.

``read_json`` refuses what is not a JSON object in UTF-8, and a document with a duplicated key, naming the key.
A model file is ``{"format": "chainrule.nn", "version": 1, "class": "MLP", "config": {...}, "state_dict": {...}}``
(``read_model`` checks that shape). Python's ``repr`` of a float round-trips exactly, so weights come back bit for
bit (NaN and infinities are written as ``NaN`` / ``Infinity``, as Python's json does).

This module knows documents, not models: ``nn.module`` builds and checks models from what it reads here.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
from typing import Any

from nn._checks import short

FORMAT = "chainrule.nn"
VERSION = 1
_NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems


def check_path(path: Any) -> str:
    """``path`` (a str, bytes or os.PathLike) as a str; bytes are decoded as the file system does."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise TypeError(f"path must be a str or an os.PathLike (or bytes), got {type(path).__name__}: {short(path)}")
    return os.fsdecode(os.fspath(path))


# --- writing ----------------------------------------------------------------------------------------


def write_json(path: str | bytes | os.PathLike[str] | os.PathLike[bytes], document: Any) -> None:
    """Write ``document`` to ``path`` as JSON, atomically and with the permissions ``open(path, "w")`` would give.

    Raises PermissionError naming the file when ``open`` could not write it (e.g. a read-only file).
    """
    text = json.dumps(document, indent=1)  # serialize first: a failure here touches no file
    path = check_path(path)
    target = os.path.realpath(path)  # through symlinks, as open() writes to the link's target
    mode = _existing_mode(target, path)
    directory, name = os.path.split(target)
    _remove_stale_temporaries(directory, name)
    temporary, descriptor = _create_temporary(directory, name)
    try:
        if mode is not None:
            os.fchmod(descriptor, mode)  # an existing file keeps its mode (os.open applied the umask)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


def _existing_mode(target: str, path: str) -> int | None:
    """The permission bits of an existing ``target`` (None when there is none); PermissionError when ``open``
    could not write it. Opening without O_TRUNC changes nothing: it asks the OS the question ``open`` would."""
    try:
        descriptor = os.open(target, os.O_WRONLY)
    except FileNotFoundError:
        return None
    except PermissionError as error:
        raise PermissionError(error.errno, f"cannot save: {path} is not writable", path) from None
    try:
        return os.fstat(descriptor).st_mode & 0o7777
    finally:
        os.close(descriptor)


def _temporary_stem(name: str) -> str:
    """``.NAME.`` for the temporaries of ``name``, cut (with a digest of the full name) to fit the name limit."""
    stem = f".{name}."
    room = _NAME_MAX - len(".xxxxxxxx.tmp")
    if len(os.fsencode(stem)) <= room:
        return stem
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:12]
    head = name
    while len(os.fsencode(f".{head}~{digest}.")) > room:
        head = head[:-1]
    return f".{head}~{digest}."


def _create_temporary(directory: str, name: str) -> tuple[str, int]:
    """A new temporary file beside the target, opened for writing; mode 0o666 less the umask, as ``open`` makes."""
    stem = _temporary_stem(name)
    while True:
        temporary = os.path.join(directory, f"{stem}{secrets.token_hex(4)}.tmp")
        try:
            return temporary, os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # 1 in 4 billion: draw another name
            continue


def _process_start_time() -> float:
    """When this process started (Linux: from /proc), else when this module was imported."""
    try:
        with open("/proc/self/stat", encoding="ascii") as file:
            ticks = int(file.read().rsplit(")", 1)[1].split()[19])  # field 22: start time, in clock ticks
        with open("/proc/stat", encoding="ascii") as file:
            boot = next(int(line.split()[1]) for line in file if line.startswith("btime "))
        return boot + ticks / os.sysconf("SC_CLK_TCK") - 1.0  # btime is whole seconds: one second of margin
    except (OSError, ValueError, IndexError, StopIteration):
        return _IMPORTED


_IMPORTED = time.time()
_STARTED = _process_start_time()


def _remove_stale_temporaries(directory: str, name: str) -> None:
    """Delete temporaries of THIS target left by killed saves: our own name pattern, made before this process."""
    pattern = re.compile(re.escape(_temporary_stem(name)) + r"[A-Za-z0-9_]{8}\.tmp")
    try:
        entries = list(os.scandir(directory or "."))
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < _STARTED:
                os.unlink(entry.path)
        except OSError:  # gone already, or not ours to delete: leave it
            pass


# --- reading ----------------------------------------------------------------------------------------


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise _DuplicateKey(key)
        document[key] = value
    return document


class _DuplicateKey(ValueError):
    pass


def read_json(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> Any:
    """The JSON document in ``path``; ValueError naming the file for bad UTF-8, bad JSON or a duplicated key."""
    path = check_path(path)
    with open(path, "rb") as file:
        raw = file.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path} is not a text file in UTF-8 (corrupt or not a model file?): {error}") from None
    try:
        return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKey as error:
        duplicated = short(error.args[0])
        raise ValueError(f"{path} has the key {duplicated} twice; refusing to guess which one holds") from None
    except (ValueError, RecursionError, OverflowError) as error:
        # ValueError: bad syntax, or an integer over Python's 4,300-digit limit; RecursionError: nesting
        # deeper than the json decoder's stack.
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)[:200]
        raise ValueError(f"{path} is not valid JSON (truncated or corrupt file?): {reason}") from None


def model_document(class_name: str, config: dict[str, Any] | None, state_dict: dict[str, float]) -> dict[str, Any]:
    """The document ``save`` writes for a model."""
    return {"format": FORMAT, "version": VERSION, "class": class_name, "config": config, "state_dict": state_dict}


def read_model(path: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> dict[str, Any]:
    """The checked contents of a model file: format, version, class, config and state_dict."""
    document = read_json(path)
    path = check_path(path)
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'{path} is not a chainrule model file (no "format": {FORMAT!r} field)')
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(f"{path} has format version {short(version)}; this chainrule reads version {VERSION}")
    for key in ("class", "config", "state_dict"):
        if key not in document:
            raise ValueError(f"{path} has no {key!r} field")
    if not isinstance(document["state_dict"], dict):
        raise ValueError(f"{path}: 'state_dict' must be an object of {{name: number}}")
    return document
