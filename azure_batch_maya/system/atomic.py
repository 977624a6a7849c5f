"""Files written whole or not at all: the one way this product replaces a file.

A settings file, a state file or a cache half written by a crash (Maya closing, a SIGKILL, a
full disk) must never be read as complete. Every write goes to a temporary file beside the
target, is flushed to disk, then renamed over the target, so a reader sees the old file or
the new one. The temporary name carries the process and thread, so two writers never share
one; a failed write removes its temporary file and leaves the old target as it was.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

# Windows refuses to replace a file another process has open for a moment (an antivirus
# scan, a reader mid-read); a few short retries ride that out.
_WINDOWS_REPLACE_TRIES = 10
_WINDOWS_REPLACE_PAUSE = 0.05


def write_bytes(path: Path, data: bytes, *, private: bool = False, durable: bool = True) -> Path:
    """Replace `path` with `data`.

    `private` makes the file readable by this user only (0600 on POSIX; on Windows the
    per-user folder's ACL already does). `durable` flushes it to the disk before the rename,
    which survives a power cut as well as a crash; per-task files skip it for speed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.part")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    descriptor = os.open(part, flags, 0o600 if private else 0o666)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        _replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str, *, private: bool = False, durable: bool = True) -> Path:
    """Replace `path` with `text` in UTF-8."""
    return write_bytes(path, text.encode("utf-8"), private=private, durable=durable)


def write_json(
    path: Path,
    value: Any,
    *,
    indent: int | None = None,
    private: bool = False,
    durable: bool = True,
    sort_keys: bool = False,
) -> Path:
    """Replace `path` with `value` as JSON (UTF-8, non-ASCII kept as is).

    The JSON is made in full before the file is opened, so a value that cannot be written
    raises without touching the old file.
    """
    text = json.dumps(value, indent=indent, sort_keys=sort_keys, ensure_ascii=False)
    return write_text(path, text, private=private, durable=durable)


def _replace(part: Path, path: Path) -> None:
    if sys.platform != "win32":
        part.replace(path)
        return
    for attempt in range(_WINDOWS_REPLACE_TRIES):
        try:
            part.replace(path)
            return
        except PermissionError:
            if attempt == _WINDOWS_REPLACE_TRIES - 1:
                raise
            time.sleep(_WINDOWS_REPLACE_PAUSE)
