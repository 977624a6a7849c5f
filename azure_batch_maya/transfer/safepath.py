"""Where a blob may land under a download folder: never outside it, whatever its name.

Blob names come from render nodes and from anyone with write access to the container, so a
name like `../../.bashrc`, `/etc/passwd`, `C:\\Windows\\x` or `\\\\server\\share\\x` must not
escape the folder the user chose.
"""

from __future__ import annotations

import re
from pathlib import Path

_DRIVE = re.compile(r"^[A-Za-z]:")
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10))} | {
    f"LPT{i}" for i in range(1, 10)
}


class UnsafeBlobName(ValueError):
    """A blob name that would write outside the download folder; it is skipped, not written."""


def target_path(folder: Path, blob_name: str) -> Path:
    """The file `blob_name` downloads to below `folder`, or `UnsafeBlobName`."""
    if "\x00" in blob_name or not blob_name.strip():
        raise UnsafeBlobName(f"blob name {blob_name!r} is empty or holds a NUL byte")
    name = blob_name.replace("\\", "/")
    if name.startswith("/") or _DRIVE.match(name):
        raise UnsafeBlobName(f"blob name {blob_name!r} is an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        raise UnsafeBlobName(f"blob name {blob_name!r} climbs out of the download folder")
    for part in parts:
        stem = part.split(".")[0].upper()
        if stem in _RESERVED or part.endswith((" ", ".")) or ":" in part:
            raise UnsafeBlobName(f"blob name {blob_name!r} holds {part!r}, not a valid file name")
    target = folder.joinpath(*parts)
    root = folder.resolve()
    if not target.resolve().is_relative_to(root):  # a symlink inside the folder pointing out
        raise UnsafeBlobName(f"blob name {blob_name!r} leads outside {folder}")
    return target
