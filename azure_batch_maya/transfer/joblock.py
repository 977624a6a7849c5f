"""One background downloader per job: an OS lock on a file, released when the process ends.

A lock file with a pid in it goes stale when its process dies; an OS file lock does not, so
there is no process listing and no guessing whether a pid was reused.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import IO

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl


class AlreadyRunning(RuntimeError):
    """Another downloader holds this job's lock."""


RETRY_EVERY = 0.05  # seconds between attempts of a patient lock


class JobLock:
    """Hold `folder/<job>.lock` for as long as this object is entered.

    "Is a downloader running?" is asked by taking the lock for an instant, so a downloader
    that meets such a probe must not give up at once: `patience` (seconds) is how long it
    keeps trying. A real downloader holds the lock for the whole job, far longer.
    """

    def __init__(self, folder: Path, job_id: str, *, patience: float = 0.0) -> None:
        self.path = folder / f"{job_id}.lock"
        self.patience = patience
        self._file: IO[str] | None = None

    def __enter__(self) -> JobLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        deadline = time.monotonic() + self.patience
        try:
            while True:
                try:
                    _lock(handle)
                    break
                except OSError:
                    if time.monotonic() >= deadline:
                        raise
                    time.sleep(RETRY_EVERY)
        except OSError:
            handle.seek(0)
            owner = handle.read().strip() or "another process"
            handle.close()
            raise AlreadyRunning(
                f"a downloader for this job is already running (pid {owner}); it holds {self.path}"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._file is not None:
            _unlock(self._file)
            self._file.close()
            self._file = None


def _lock(handle: IO[str]) -> None:
    if sys.platform == "win32":
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(handle: IO[str]) -> None:
    if sys.platform == "win32":
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
