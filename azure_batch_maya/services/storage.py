"""Blob storage as the product uses it: containers, listings and file transfers.

Listings ask for metadata with the list itself (one request per 5,000 blobs); `stored_sizes`
says which of a job's blobs a store holds, listing only as far as it must. Transfers report
progress and stop on a cancel event between chunks; a download goes to `name.part` and is
renamed only once its size (and MD5, when stored) check out. SAS URLs for tasks are in `sas`.
"""

from __future__ import annotations

import bisect
import hashlib
import logging
import math
import os
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.core.pipeline import PipelineResponse
from azure.core.pipeline.policies import ContentDecodePolicy
from azure.storage.blob import (
    BlobProperties,
    BlobServiceClient,
    ContainerClient,
    ContentSettings,
)

from azure_batch_maya.services.errors import (
    IntegrityError,
    TransferCancelledError,
    service_call,
)

log = logging.getLogger(__name__)

LIST_PAGE_SIZE = 5000
PROBE_WORKERS = 8  # HEADs at a time when asking for blobs one by one beats listing the rest
# Parallel HEADs scale less than perfectly (the link's and the service's limits): asking by name
# must look this many times cheaper than the pages left, so a near call keeps to the listing.
PROBE_MARGIN = 2.0
PART_SUFFIX = ".part"
_HASH_BLOCK = 4 * 1024 * 1024
WHOLE_READ_SIZE = 4 * 1024 * 1024
"""Files up to this size are read once, into memory, for their MD5 and their upload alike."""

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in total) after each chunk."""


class Cancellation(Protocol):
    """Anything with `is_set()`, such as a `threading.Event` the UI sets to cancel."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class BlobInfo:
    """What a listing says about one blob: enough to decide whether to upload again."""

    name: str
    size: int
    md5: bytes | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None


def create_container(
    client: BlobServiceClient, container: str, *, metadata: Mapping[str, str] | None = None
) -> None:
    """Create a container; `AlreadyExistsError` if it exists."""
    with _storage(client, f"creating container {container}"):
        client.create_container(container, metadata=dict(metadata or {}))
    log.info("created container %s", container)


def ensure_container(client: BlobServiceClient, container: str) -> bool:
    """Create the container unless it exists; True when this call created it."""
    with _storage(client, f"creating container {container}"):
        try:
            client.create_container(container)
        except ResourceExistsError:
            return False
    log.info("created container %s", container)
    return True


def delete_container(client: BlobServiceClient, container: str, *, missing_ok: bool = True) -> None:
    """Delete a container and everything in it."""
    with _storage(client, f"deleting container {container}"):
        try:
            client.delete_container(container)
        except ResourceNotFoundError:
            if not missing_ok:
                raise
    log.info("deleted container %s", container)


def check_storage_account(client: BlobServiceClient) -> None:
    """One cheap call that fails with our error unless the account answers and accepts us."""
    with _storage(client, "checking the storage account"):
        next(iter(client.list_containers(results_per_page=1)), None)


def list_containers(client: BlobServiceClient, *, prefix: str | None = None) -> list[str]:
    """Names of the account's containers, optionally only those starting with `prefix`."""
    with _storage(client, "listing containers"):
        return [c.name for c in client.list_containers(name_starts_with=prefix)]


def list_blobs(
    client: BlobServiceClient, container: str, *, prefix: str | None = None
) -> Iterator[BlobInfo]:
    """Every blob under `prefix` with its size, MD5 and metadata, 5,000 per request."""
    container_client = client.get_container_client(container)
    with _storage(client, f"listing blobs in {container}"):
        pages = container_client.list_blobs(
            name_starts_with=prefix, include=["metadata"], results_per_page=LIST_PAGE_SIZE
        )
        for blob in pages:
            yield _blob_info(blob)


def stored_sizes(
    client: BlobServiceClient,
    container: str,
    names: Iterable[str],
    *,
    prefix: str | None = None,
    probe_workers: int = PROBE_WORKERS,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, int]:
    """The size of each of `names` the container holds (under `prefix`); absent ones left out.

    A store kept for years holds far more blobs than one job names, so it is not read whole:
    the listing comes in name order, 5,000 a request, and stops once past the last name asked
    for. Content-addressed names (`<prefix><hex digest>`) are spread evenly, so how far the
    listing has got tells how many pages remain. After the first page one remaining name is
    asked for alone (a HEAD), timed; once a HEAD for each remaining name, `probe_workers` at
    a time, would take well under the time of the pages left at the pages' own pace
    (`PROBE_MARGIN`), that is done instead. Timed rather than assumed, since a page of 5,000
    costs the service far more than a HEAD (0.7 s against 0.03 s over 30 ms to Azurite): what
    a link and a service do decides. Only ASCII names are weighed so (the service orders names
    by UTF-16 code units, Python by code points; the two agree on ASCII); others are listed.

    Names only are listed, with the sizes read from the same replies' XML: the SDK's model
    deserializer spends about 0.3 ms a blob on properties we never read. Should the two ever
    disagree (an SDK that pages differently), the full listing answers instead. The client's
    own `raw_response_hook`, if it has one, is not called for this listing.
    """
    wanted = sorted(set(names))
    if not wanted:
        return {}
    container_client = client.get_container_client(container)
    replies: list[PipelineResponse[Any, Any]] = []

    def keep(response: PipelineResponse[Any, Any]) -> None:
        if response.http_response.status_code == 200:
            replies.append(response)

    found: dict[str, int] = {}
    wanted_set = set(wanted)
    # Python orders ASCII names as the service does (UTF-16 code units); others are listed whole
    ordered = all(name.isascii() for name in wanted)
    head_seconds: float | None = None
    with _storage(client, f"listing blobs in {container}"):
        pages = container_client.list_blob_names(
            name_starts_with=prefix, results_per_page=LIST_PAGE_SIZE, raw_response_hook=keep
        ).by_page()
        listing_started = clock()
        for listed, page in enumerate(pages, start=1):
            page_names = list(page)
            page_seconds = (clock() - listing_started) / listed
            sizes = _sizes_from_listings(replies[-1:])
            if list(sizes) != page_names:
                log.warning(
                    "listing replies did not match the SDK's pages; listing %s again", container
                )
                return {
                    b.name: b.size
                    for b in list_blobs(client, container, prefix=prefix)
                    if b.name in wanted_set
                }
            found.update((n, size) for n, size in sizes.items() if n in wanted_set)
            if not page_names or not ordered:
                continue  # an empty page may still have pages after it
            rest = wanted[bisect.bisect_right(wanted, page_names[-1]) :]
            if not rest:
                break  # past the last name asked for
            if not getattr(pages, "continuation_token", "unknown"):
                break  # the last page: nothing to weigh
            covered = _share_of_digests(page_names[-1], prefix or "")
            if not covered:
                continue
            if head_seconds is None:  # one HEAD, to know what one costs
                asked_at = clock()
                found.update(_probe_sizes(container_client, rest[:1], 1))
                head_seconds = clock() - asked_at
                listing_started += head_seconds  # not the listing's time
                wanted.remove(rest[0])
                rest = rest[1:]
                if not rest:
                    break
            if head_seconds <= 0:
                continue  # a clock too coarse to time a HEAD: keep to the listing
            pages_left = listed * (1 - covered) / covered
            by_name = math.ceil(len(rest) / probe_workers) * head_seconds * PROBE_MARGIN
            if by_name < pages_left * page_seconds:
                found.update(_probe_sizes(container_client, rest, probe_workers))
                break
    return found


def _share_of_digests(name: str, prefix: str) -> float | None:
    """How far through the hex digests below `prefix` a name is (0 to 1); None if not one."""
    digits = name[len(prefix) : len(prefix) + 12]
    if len(digits) < 12 or not all(c in "0123456789abcdef" for c in digits):
        return None
    return int(digits, 16) / 16**12


def _probe_sizes(
    container_client: ContainerClient, names: Sequence[str], workers: int
) -> dict[str, int]:
    """The sizes of those of `names` that exist, a HEAD each, `workers` at a time."""

    def size(name: str) -> tuple[str, int | None]:
        try:
            return name, container_client.get_blob_client(name).get_blob_properties().size
        except ResourceNotFoundError:
            return name, None

    with ThreadPoolExecutor(workers) as pool:
        return {name: n for name, n in pool.map(size, names) if n is not None}


def _sizes_from_listings(replies: Sequence[PipelineResponse[Any, Any]]) -> dict[str, int]:
    """`<Blob><Name>…</Name><Properties><Content-Length>…` of List Blobs replies, in order.

    Each reply's XML as the SDK already parsed it when it is at hand, else parsed here.
    """
    sizes: dict[str, int] = {}
    for reply in replies:
        try:
            tree = reply.context.get(ContentDecodePolicy.CONTEXT_NAME)
            if not isinstance(tree, ET.Element):
                tree = ET.fromstring(reply.http_response.body())
            for blob in tree.iter("Blob"):
                size = blob.findtext("Properties/Content-Length", "")  # none: full listing
                sizes[blob.findtext("Name", "")] = int(size)
        except (ET.ParseError, ValueError):
            return {}
    return sizes


def upload_file(
    client: BlobServiceClient,
    container: str,
    path: Path,
    blob_name: str,
    *,
    metadata: Mapping[str, str] | None = None,
    md5: bytes | None = None,
    overwrite: bool = True,
    progress: Progress | None = None,
    cancel: Cancellation | None = None,
    max_concurrency: int = 1,
) -> BlobInfo:
    """Upload one file as a block blob, storing its MD5 so later listings can compare content.

    `max_concurrency` parallelises this file's blocks; parallelise across files in the caller.
    A cancelled upload commits nothing: the blob keeps its previous content (or stays absent).
    """
    _raise_if_cancelled(cancel, f"upload of {path.name}")
    blob = client.get_blob_client(container, blob_name)
    with path.open("rb") as f:
        size = os.fstat(f.fileno()).st_size
        source: IO[bytes] | bytes = f
        if md5 is None and size <= WHOLE_READ_SIZE:
            source = f.read()  # one read: the MD5 stored is that of the very bytes sent
            size = len(source)
            digest = hashlib.md5(source, usedforsecurity=False).digest()
        else:
            digest = md5 if md5 is not None else file_md5(path)

        def hook(current: int, total: int | None) -> None:
            _raise_if_cancelled(cancel, f"upload of {path.name}")
            if progress is not None:
                progress(current, total or size)

        with _storage(client, f"uploading {path.name} to {container}/{blob_name}"):
            blob.upload_blob(
                source,
                length=size,
                overwrite=overwrite,
                metadata=dict(metadata or {}),
                content_settings=ContentSettings(content_md5=bytearray(digest)),
                max_concurrency=max_concurrency,
                progress_hook=hook,
            )
    log.debug("uploaded %s (%d bytes) to %s/%s", path, size, container, blob_name)
    return BlobInfo(name=blob_name, size=size, md5=digest, metadata=dict(metadata or {}))


@dataclass(frozen=True)
class UploadItem:
    """One file of a parallel upload and the blob it becomes."""

    path: Path
    blob_name: str
    metadata: Mapping[str, str] = field(default_factory=dict)
    md5: bytes | None = None


def upload_files(
    client: BlobServiceClient,
    container: str,
    items: Sequence[UploadItem],
    *,
    max_workers: int = 8,
    progress: Progress | None = None,
    cancel: Cancellation | None = None,
) -> list[BlobInfo]:
    """Upload many files at once, `max_workers` at a time, with progress over all of them.

    The first failure stops the rest (between chunks) and is raised; files already uploaded
    stay, each one whole. Keep `max_workers` at or below the client's `max_connections`.
    """
    total = sum(item.path.stat().st_size for item in items)
    stop = threading.Event()
    lock = threading.Lock()
    done_by_file = [0] * len(items)

    def stopped() -> bool:
        return stop.is_set() or (cancel is not None and cancel.is_set())

    def one(index: int) -> BlobInfo:
        item = items[index]
        watcher = _Either(stop, cancel)

        def file_progress(done: int, _total: int) -> None:
            with lock:
                done_by_file[index] = done
                overall = sum(done_by_file)
            if progress is not None:
                progress(overall, total)

        if stopped():
            raise TransferCancelledError(
                "Cancelled", f"The upload of {item.path.name} was cancelled"
            )
        return upload_file(
            client,
            container,
            item.path,
            item.blob_name,
            metadata=item.metadata,
            md5=item.md5,
            progress=file_progress,
            cancel=watcher,
        )

    results: list[BlobInfo] = []
    with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
        futures = [pool.submit(one, i) for i in range(len(items))]
        try:
            for future in futures:
                results.append(future.result())
        except BaseException:
            stop.set()
            raise
    return results


class _Either:
    """Set when either of two events is: our own stop or the caller's cancel."""

    def __init__(self, first: Cancellation, second: Cancellation | None) -> None:
        self._events = (first, second)

    def is_set(self) -> bool:
        return any(event is not None and event.is_set() for event in self._events)


def download_file(
    client: BlobServiceClient,
    container: str,
    blob_name: str,
    destination: Path,
    *,
    progress: Progress | None = None,
    cancel: Cancellation | None = None,
) -> BlobInfo:
    """Download a blob to `destination` through `destination.part`, renamed only when complete.

    A cancelled, failed or corrupt download removes its `.part` file and leaves `destination`
    as it was, so a file under the final name is always a whole one.
    """
    _raise_if_cancelled(cancel, f"download of {blob_name}")
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(destination.name + PART_SUFFIX)
    blob = client.get_blob_client(container, blob_name)
    try:
        with _storage(client, f"downloading {container}/{blob_name}"):
            downloader = blob.download_blob()
            info = _blob_info(downloader.properties)
            digest = hashlib.md5(usedforsecurity=False)
            done = 0
            with part.open("wb") as f:
                for chunk in downloader.chunks():
                    _raise_if_cancelled(cancel, f"download of {blob_name}")
                    f.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, info.size)
        _check_complete(blob_name, info, done, digest.digest())
        part.replace(destination)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    log.debug("downloaded %s/%s to %s", container, blob_name, destination)
    return info


def file_md5(path: Path) -> bytes:
    """The MD5 digest of a file, as storage keeps it in Content-MD5."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while block := f.read(_HASH_BLOCK):
            digest.update(block)
    return digest.digest()


def _blob_info(blob: BlobProperties) -> BlobInfo:
    md5 = blob.content_settings.content_md5 if blob.content_settings else None
    return BlobInfo(
        name=blob.name,
        size=blob.size,
        md5=bytes(md5) if md5 else None,
        metadata=dict(blob.metadata or {}),
        last_modified=blob.last_modified,
    )


def _check_complete(blob_name: str, info: BlobInfo, size: int, md5: bytes) -> None:
    if size != info.size:
        raise IntegrityError(
            "SizeMismatch",
            f"Download of {blob_name} stopped at {size} of {info.size} bytes; download it again",
        )
    if info.md5 is not None and info.md5 != md5:
        raise IntegrityError(
            "Md5Mismatch",
            f"{blob_name} arrived with a different MD5 than storage holds for it; download it "
            "again, and upload it again if this repeats",
        )


def _raise_if_cancelled(cancel: Cancellation | None, what: str) -> None:
    if cancel is not None and cancel.is_set():
        raise TransferCancelledError("Cancelled", f"The {what} was cancelled")


def _storage(client: BlobServiceClient, action: str) -> AbstractContextManager[None]:
    return service_call("storage", account=client.account_name or "", action=action)
