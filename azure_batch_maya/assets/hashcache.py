"""Content hashes of local files, computed once and kept by (path, size, mtime).

Uploads are incremental by content, so every submission needs every file's hash; re-reading
gigabytes of textures each time would cost minutes. An entry is reused only while the file's
size and modification time (in nanoseconds) are unchanged; anything else is hashed again. The
cache is one JSON file, replaced atomically, so a crash leaves the old one intact and a damaged
one is simply started afresh. Only regular files are hashed: a FIFO or `/dev/zero` named as a
texture would block or never end, so it is an error instead.

Each entry carries the day it was last used, and entries unused for `KEEP_DAYS` are dropped when
the cache is saved: a year of shots would otherwise make a file that every submit reads whole.
The day is written at most once a day per entry, so a submit with nothing new writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

from azure_batch_maya.system import atomic
from azure_batch_maya.system.userdirs import cache_dir

log = logging.getLogger(__name__)

CACHE_FILE = "hashes.json"
# Still 1: the last-used day is a fourth element an older plug-in (another Maya's, sharing the
# folder) reads past; it writes entries of three, which this reads as used today.
_VERSION = 1
KEEP_DAYS = 120
_CHUNK = 1 << 20
# A file changed this recently may change again within the same mtime tick (2 s on FAT, one
# clock tick elsewhere) and keep its size: its (size, mtime) cannot vouch for its content yet,
# so its hash is used but not remembered (git's "racily clean" rule).
SETTLE_NS = 3_000_000_000


def settled(mtime_ns: int, now_ns: int | None = None) -> bool:
    """Whether a path last changed long enough ago for its (size, mtime) to stand for it."""
    return (time.time_ns() if now_ns is None else now_ns) - mtime_ns >= SETTLE_NS


@dataclass(frozen=True)
class FileDigest:
    """A file's size and SHA-256 at the moment it was hashed."""

    size: int
    sha256: str


class NotAFileError(ValueError):
    """A path to hash that is not a regular file (a FIFO, a device, a folder)."""


class HashCache:
    """Load with `HashCache.load(folder)`, ask `digest(path)`, then `save()` once at the end."""

    def __init__(
        self, path: Path, entries: dict[str, list[object]] | None = None, today: int | None = None
    ) -> None:
        self.path = path
        self.today = int(time.time() // 86400) if today is None else today  # days since 1970
        self._entries: dict[str, list[object]] = entries or {}
        self._dirty = False
        for entry in self._entries.values():
            if len(entry) == 3:  # written by an older plug-in: used today, as far as we know
                entry.append(self.today)
        self.hashed = 0  # files actually read this session; the rest came from the cache

    @classmethod
    def load(cls, folder: Path | None = None, *, today: int | None = None) -> HashCache:
        """The cache in `folder`, by default the user's cache folder (`system/userdirs`)."""
        path = (folder or cache_dir()) / CACHE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = data.get("entries")
            if data.get("version") != _VERSION or not isinstance(entries, dict):
                raise ValueError("unknown layout")
            if not all(isinstance(e, list) and len(e) in (3, 4) for e in entries.values()):
                raise ValueError("damaged entries")
            return cls(path, entries, today)
        except FileNotFoundError:
            return cls(path, today=today)
        except (OSError, ValueError) as exc:
            log.warning("hash cache %s unreadable (%s); starting a new one", path, exc)
            return cls(path, today=today)

    def digest(self, file: str) -> FileDigest:
        """The file's digest, from the cache when size and mtime still match."""
        key = os.path.abspath(file)  # noqa: PTH100 - string keys, as stored
        st = Path(key).stat()
        if not S_ISREG(st.st_mode):
            raise NotAFileError(
                f"{file} is not a regular file (a pipe, device or folder); a scene's textures "
                "and caches are files. Fix the path in the scene, or deselect it on the Assets tab"
            )
        entry = self._entries.get(key)
        if entry is not None and entry[0] == st.st_size and entry[1] == st.st_mtime_ns:
            if entry[3] != self.today:
                entry[3] = self.today
                self._dirty = True
            return FileDigest(st.st_size, str(entry[2]))
        sha = sha256_of(Path(key))
        self.hashed += 1
        if settled(st.st_mtime_ns):
            self._entries[key] = [st.st_size, st.st_mtime_ns, sha, self.today]
            self._dirty = True
        elif self._entries.pop(key, None) is not None:
            self._dirty = True
        return FileDigest(st.st_size, sha)

    def save(self) -> None:
        """Write the cache if anything changed, atomically (temporary file, then replace),
        without the entries unused for `KEEP_DAYS`."""
        if not self._dirty:
            return
        oldest = self.today - KEEP_DAYS
        self._entries = {
            k: e for k, e in self._entries.items() if isinstance(e[3], int) and e[3] >= oldest
        }
        atomic.write_json(self.path, {"version": _VERSION, "entries": self._entries})
        self._dirty = False


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()
