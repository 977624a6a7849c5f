"""Upload an asset project incrementally by content, in parallel, resumable, cancellable.

One listing of the store (5,000 blobs a request) says what is there already; only the missing
contents are sent, each once however many paths share it, whatever their mtimes. A blob exists
under its hash name only once completely uploaded, so an interrupted upload resumes by running
again. The manifest goes last: a submission whose manifest exists has all its inputs.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from azure.storage.blob import BlobServiceClient

from azure_batch_maya.assets.project import AssetFile, AssetProject
from azure_batch_maya.services import storage
from azure_batch_maya.services.errors import IntegrityError
from azure_batch_maya.transfer.manifest import (
    BLOB_PREFIX,
    STORE_CONTAINER,
    Manifest,
    blob_name,
    manifest_for,
    to_json,
)

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 8


@dataclass(frozen=True)
class UploadProgress:
    """Where an upload is; reported from worker threads, so a UI must hand it to its own."""

    done_bytes: int
    total_bytes: int
    done_files: int
    total_files: int


@dataclass(frozen=True)
class UploadReport:
    manifest: Manifest
    container: str
    uploaded_files: int
    uploaded_bytes: int
    skipped_files: int
    skipped_bytes: int


def upload_project(
    client: BlobServiceClient,
    project: AssetProject,
    submission: str,
    *,
    container: str = STORE_CONTAINER,
    workers: int = DEFAULT_WORKERS,
    progress: Callable[[UploadProgress], None] | None = None,
    cancel: threading.Event | None = None,
) -> UploadReport:
    """Send what the store lacks, then the submission's manifest. Safe to run again."""
    manifest = manifest_for(project, submission)
    storage.ensure_container(client, container)
    present = {b.name: b.size for b in storage.list_blobs(client, container, prefix=BLOB_PREFIX)}
    sources: dict[str, AssetFile] = {}
    for f in project.files:
        sources.setdefault(blob_name(f.sha256), f)
    missing = [f for name, f in sources.items() if present.get(name) != f.size]
    skipped = len(sources) - len(missing)
    skipped_bytes = sum(f.size for name, f in sources.items() if present.get(name) == f.size)
    log.info("upload %s: %d to send, %d already stored", submission, len(missing), skipped)

    tracker = _Tracker(sum(f.size for f in missing), len(missing), progress)
    _upload_all(client, container, missing, workers, tracker, cancel)
    _put_text(client, container, manifest.blob_name, to_json(manifest), cancel)
    return UploadReport(
        manifest=manifest,
        container=container,
        uploaded_files=len(missing),
        uploaded_bytes=tracker.total_bytes,
        skipped_files=skipped,
        skipped_bytes=skipped_bytes,
    )


class _Tracker:
    """Adds up bytes from many threads and reports the sum."""

    def __init__(
        self, total_bytes: int, total_files: int, report: Callable[[UploadProgress], None] | None
    ) -> None:
        self.total_bytes = total_bytes
        self.total_files = total_files
        self._report = report
        self._lock = threading.Lock()
        self._bytes: dict[str, int] = {}
        self._files = 0

    def file_bytes(self, name: str, done: int) -> None:
        with self._lock:
            self._bytes[name] = done
            state = self._state()
        if self._report is not None:
            self._report(state)

    def file_done(self, name: str, size: int) -> None:
        with self._lock:
            self._bytes[name] = size
            self._files += 1
            state = self._state()
        if self._report is not None:
            self._report(state)

    def _state(self) -> UploadProgress:
        done = sum(self._bytes.values())
        return UploadProgress(done, self.total_bytes, self._files, self.total_files)


def _upload_all(
    client: BlobServiceClient,
    container: str,
    files: list[AssetFile],
    workers: int,
    tracker: _Tracker,
    cancel: threading.Event | None,
) -> None:
    if not files:
        return
    stop = cancel or threading.Event()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="upload") as pool:
        futures: list[Future[None]] = [
            pool.submit(_upload_one, client, container, f, tracker, stop) for f in files
        ]
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in finished if f.exception() is not None]
        if failed:
            stop.set()  # the others stop at their next chunk; nothing half-sent is committed
            for future in futures:
                future.cancel()
            wait(futures)
            error = failed[0].exception()
            assert error is not None
            raise error


def _upload_one(
    client: BlobServiceClient,
    container: str,
    file: AssetFile,
    tracker: _Tracker,
    cancel: threading.Event,
) -> None:
    path = Path(file.local)
    before = path.stat()
    if before.st_size != file.size:
        raise IntegrityError(
            "FileChanged",
            f"{path} changed since the scene was scanned ({file.size} bytes then, "
            f"{before.st_size} now); scan again before submitting",
        )
    name = blob_name(file.sha256)
    storage.upload_file(
        client,
        container,
        path,
        name,
        metadata={"sha256": file.sha256},
        progress=lambda done, _total: tracker.file_bytes(name, done),
        cancel=cancel,
    )
    after = path.stat()
    if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
        # The stored blob may not hold the content its name promises: take it back out.
        client.get_blob_client(container, name).delete_blob()
        raise IntegrityError(
            "FileChanged",
            f"{path} changed while it was uploading; save your work and submit again",
        )
    tracker.file_done(name, file.size)


def _put_text(
    client: BlobServiceClient,
    container: str,
    name: str,
    text: str,
    cancel: threading.Event | None,
) -> None:
    with tempfile.TemporaryDirectory(prefix="abm-") as folder:
        path = Path(folder) / "manifest.json"
        path.write_text(text, encoding="utf-8")
        storage.upload_file(client, container, path, name, cancel=cancel)
