"""A task's files as the service serves them: listing, properties headers and content.

Paths are relative to the task folder (`stdout.txt`, `stderr.txt`, `wd/...`); nothing outside
it can be reached.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.formats import iso, rfc1123

Doc = dict[str, Any]
_TICKS_PER_SECOND = 10_000_000
_PIECE = 1024 * 1024


def _ticks(seconds: float) -> int:
    return int(seconds * _TICKS_PER_SECOND)


def _content_type(path: Path) -> str:
    if path.suffix.lower() == ".txt":
        return "text/plain"
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def resolve(task_dir: Path, file_path: str) -> Path:
    """The file a request names, refusing anything that leaves the task folder."""
    relative = file_path.replace("\\", "/").strip("/")
    target = (task_dir / relative).resolve()
    root = task_dir.resolve()
    if target != root and root not in target.parents:
        raise BatchServiceError("FileNotFound")
    if not target.exists():
        raise BatchServiceError("FileNotFound")
    return target


def list_files(task_dir: Path, files_url: str, *, recursive: bool) -> list[Doc]:
    """Entries for `GET …/files`: directories carry no properties, sizes are strings."""
    if not task_dir.is_dir():
        return []
    paths = sorted(task_dir.rglob("*") if recursive else task_dir.iterdir())
    entries = []
    for path in paths:
        name = path.relative_to(task_dir).as_posix().replace("/", os.sep)
        entry: Doc = {
            "name": name,
            "url": f"{files_url}/{quote(name)}",
            "isDirectory": path.is_dir(),
        }
        if path.is_file():
            stat = path.stat()
            entry["properties"] = {
                "creationTime": iso(_ticks(stat.st_ctime)),
                "lastModified": iso(_ticks(stat.st_mtime)),
                "contentLength": str(stat.st_size),
                "contentType": _content_type(path),
            }
            if os.name != "nt":
                entry["properties"]["fileMode"] = f"0{stat.st_mode:o}"
        entries.append(entry)
    # Pages continue after the last name, so names must be in plain string order.
    return sorted(entries, key=lambda entry: str(entry["name"]))


def file_headers(path: Path, url: str) -> dict[str, str]:
    """The headers of a file GET or HEAD (`ocp-batch-file-*`, `ocp-creation-time`)."""
    stat = path.stat()
    headers = {
        "Content-Type": _content_type(path),
        "Last-Modified": rfc1123(_ticks(stat.st_mtime)),
        "ocp-batch-file-isdirectory": str(path.is_dir()),
        "ocp-batch-file-url": quote(url, safe=""),
        "ocp-creation-time": rfc1123(_ticks(stat.st_ctime)),
    }
    if os.name != "nt":
        headers["ocp-batch-file-mode"] = f"0{stat.st_mode:o}"
    return headers


def read_range(path: Path, ocp_range: str | None) -> Iterator[bytes]:
    """The file's bytes a piece at a time, or the `bytes=a-b` slice `ocp-range` asks for."""
    size = path.stat().st_size
    start, end = 0, size
    if ocp_range and ocp_range.startswith("bytes="):
        first, _, last = ocp_range[len("bytes=") :].partition("-")
        start = int(first or 0)
        end = min(size, int(last) + 1) if last else size
    with path.open("rb") as handle:
        handle.seek(start)
        remaining = max(0, end - start)
        while remaining:
            piece = handle.read(min(_PIECE, remaining))
            if not piece:
                return
            remaining -= len(piece)
            yield piece
