"""Upload an asset project incrementally by content, in parallel, resumable, cancellable.

The store is asked which of the project's contents it holds (`storage.stored_sizes`: a listing
as far as needed, or a HEAD a name); only the missing contents are sent, each once however many
paths share it, whatever their mtimes. A blob exists under its hash name only once completely
uploaded, so an interrupted upload resumes by running again. The manifest goes last: a
submission whose manifest exists has all its inputs.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISREG

from azure.storage.blob import BlobServiceClient

from azure_batch_maya.assets.project import AssetFile, AssetProject
from azure_batch_maya.node.manifest import (
    BLOB_PREFIX,
    Manifest,
    blob_name,
)
from azure_batch_maya.services import storage
from azure_batch_maya.services.errors import IntegrityError, NotFoundError
from azure_batch_maya.transfer.manifest import STORE_CONTAINER, manifest_for

log = logging.getLogger(__name__)

DEFAULT_WORKERS = 8


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
    progress: storage.Progress | None = None,
    cancel: threading.Event | None = None,
) -> UploadReport:
    """Send what the store lacks, then the submission's manifest. Safe to run again.

    `progress(done_bytes, total_bytes)` is called from worker threads: a UI hands it to its own.
    """
    manifest = manifest_for(project, submission)
    sources: dict[str, AssetFile] = {}
    for f in project.files:
        sources.setdefault(blob_name(f.sha256), f)
    present = _stored_sizes(client, container, sources)
    missing = {name: f for name, f in sources.items() if present.get(name) != f.size}
    skipped = {name: f for name, f in sources.items() if name not in missing}
    log.info("upload %s: %d to send, %d already stored", submission, len(missing), len(skipped))

    before = {name: _unchanged_since_scan(f) for name, f in missing.items()}
    # largest first: a big file started last would leave the other workers idle at the end
    largest_first = sorted(missing.items(), key=lambda item: -item[1].size)
    items = [
        storage.UploadItem(Path(f.local), name, metadata={"sha256": f.sha256})
        for name, f in largest_first
    ]
    storage.upload_files(
        client, container, items, max_workers=workers, progress=progress, cancel=cancel
    )
    _check_unchanged_while_sending(client, container, missing, before)
    put_text(client, container, manifest.blob_name, manifest.to_json(), cancel)
    return UploadReport(
        manifest=manifest,
        container=container,
        uploaded_files=len(missing),
        uploaded_bytes=sum(f.size for f in missing.values()),
        skipped_files=len(skipped),
        skipped_bytes=sum(f.size for f in skipped.values()),
    )


def _stored_sizes(
    client: BlobServiceClient, container: str, names: Iterable[str]
) -> dict[str, int]:
    """Which of `names` the store holds (blob name → size); an absent store is created, empty."""
    try:
        return storage.stored_sizes(client, container, names, prefix=BLOB_PREFIX)
    except NotFoundError as missing:
        if missing.code != "ContainerNotFound":
            raise
    storage.ensure_container(client, container)
    return {}


def _unchanged_since_scan(file: AssetFile) -> tuple[int, int]:
    stat = Path(file.local).stat()
    if not S_ISREG(stat.st_mode):  # a FIFO or device would never end, or never match its hash
        raise IntegrityError(
            "NotAFile", f"{file.local} is no longer a regular file; scan again before submitting"
        )
    if stat.st_size != file.size:
        raise IntegrityError(
            "FileChanged",
            f"{file.local} changed since the scene was scanned ({file.size} bytes then, "
            f"{stat.st_size} now); scan again before submitting",
        )
    return stat.st_size, stat.st_mtime_ns


def _check_unchanged_while_sending(
    client: BlobServiceClient,
    container: str,
    sent: dict[str, AssetFile],
    before: dict[str, tuple[int, int]],
) -> None:
    """A file saved over while it uploaded may not match its hash name: take it back out."""
    for name, file in sent.items():
        stat = Path(file.local).stat()
        if (stat.st_size, stat.st_mtime_ns) != before[name]:
            client.get_blob_client(container, name).delete_blob()
            raise IntegrityError(
                "FileChanged",
                f"{file.local} changed while it was uploading; save your work and submit again",
            )


def put_text(
    client: BlobServiceClient,
    container: str,
    name: str,
    text: str,
    cancel: threading.Event | None = None,
) -> None:
    """A small text blob (a manifest, a plan), sent whole or not at all."""
    with tempfile.TemporaryDirectory(prefix="abm-") as folder:
        path = Path(folder) / "blob.txt"
        path.write_text(text, encoding="utf-8")
        storage.upload_file(client, container, path, name, cancel=cancel)
