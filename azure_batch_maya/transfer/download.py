"""Bring a job's frames and logs home: whole files only, nothing outside the chosen folder.

Each file is written under a temporary name and renamed once complete (the storage layer does
that), so a file under its final name is always whole. A file already here is skipped when it
is the same content: by MD5 where storage knows it, else by the size and change time recorded
when this folder last downloaded it. A `.part` left by a crash is simply written again.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from azure.storage.blob import BlobServiceClient

from azure_batch_maya.services import storage
from azure_batch_maya.services.storage import BlobInfo
from azure_batch_maya.transfer.safepath import UnsafeBlobName, target_path

log = logging.getLogger(__name__)

STATE_FILE = ".azure-batch-maya-downloads.json"


@dataclass(frozen=True)
class DownloadReport:
    downloaded: tuple[Path, ...]
    skipped: int
    refused: tuple[str, ...]  # blob names that would have written outside the folder
    downloaded_bytes: int


def download_container(
    client: BlobServiceClient,
    container: str,
    folder: Path,
    *,
    prefix: str = "",
    workers: int = 4,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> DownloadReport:
    """Download every blob under `prefix` to `folder`, keeping the names below the prefix."""
    folder.mkdir(parents=True, exist_ok=True)
    state = _State.load(folder)
    wanted: list[tuple[BlobInfo, Path]] = []
    refused: list[str] = []
    skipped = 0
    for blob in storage.list_blobs(client, container, prefix=prefix or None):
        try:
            target = target_path(folder, blob.name[len(prefix) :])
        except UnsafeBlobName as exc:
            log.warning("not downloading %s: %s", blob.name, exc)
            refused.append(blob.name)
            continue
        if state.is_current(target, blob):
            skipped += 1
        else:
            wanted.append((blob, target))
    total = sum(blob.size for blob, _ in wanted)
    done = _Counter(total, progress)

    def fetch(item: tuple[BlobInfo, Path]) -> Path:
        blob, target = item
        storage.download_file(
            client,
            container,
            blob.name,
            target,
            progress=lambda n, _t: done.set(blob.name, n),
            cancel=cancel,
        )
        state.record(target, blob)
        return target

    try:
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="download") as pool:
            downloaded = tuple(pool.map(fetch, wanted))
    finally:
        state.save()
    return DownloadReport(downloaded, skipped, tuple(refused), total)


def watch_container(
    client: BlobServiceClient,
    container: str,
    folder: Path,
    *,
    finished: Callable[[], bool],
    prefix: str = "",
    interval: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
    cancel: threading.Event | None = None,
    on_pass: Callable[[DownloadReport], None] | None = None,
) -> int:
    """Download as files appear until `finished()` says the job is over, then once more.

    Returns the number of files downloaded in all.
    """
    count = 0
    while True:
        over = finished()  # asked before the pass, so nothing written just before is missed
        report = download_container(client, container, folder, prefix=prefix, cancel=cancel)
        count += len(report.downloaded)
        if on_pass is not None:
            on_pass(report)
        if over or (cancel is not None and cancel.is_set()):
            return count
        sleep(interval)


class _Counter:
    def __init__(self, total: int, report: Callable[[int, int], None] | None) -> None:
        self.total = total
        self._report = report
        self._lock = threading.Lock()
        self._done: dict[str, int] = {}

    def set(self, name: str, done: int) -> None:
        with self._lock:
            self._done[name] = done
            value = sum(self._done.values())
        if self._report is not None:
            self._report(value, self.total)


class _State:
    """What this folder downloaded before: name → (size, blob change time)."""

    def __init__(self, path: Path, entries: dict[str, list[object]]) -> None:
        self.path = path
        self.entries = entries
        self._lock = threading.Lock()

    @classmethod
    def load(cls, folder: Path) -> _State:
        path = folder / STATE_FILE
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(entries, dict):
                entries = {}
        except (OSError, ValueError):
            entries = {}
        return cls(path, entries)

    def is_current(self, target: Path, blob: BlobInfo) -> bool:
        try:
            size = target.stat().st_size
        except OSError:
            return False
        if size != blob.size:
            return False
        if blob.md5 is not None:
            return storage.file_md5(target) == blob.md5
        return self.entries.get(str(target)) == [blob.size, _changed(blob)]

    def record(self, target: Path, blob: BlobInfo) -> None:
        with self._lock:
            self.entries[str(target)] = [blob.size, _changed(blob)]

    def save(self) -> None:
        part = self.path.with_name(self.path.name + ".part")
        part.write_text(json.dumps(self.entries), encoding="utf-8")
        part.replace(self.path)


def _changed(blob: BlobInfo) -> str:
    return blob.last_modified.isoformat() if blob.last_modified else ""
