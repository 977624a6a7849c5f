"""The job preparation step: fetch the job's inputs once per node into the node layout.

The manifest (`manifest.json`, fetched as a resource file beside this code; its format is
`node.manifest.Manifest`, which the upload step writes) lists every file of the submission:
where it goes in the node layout, its SHA-256 and size. Blobs (`sha256/<hex>`) live in a
content-addressed store, a container whose SAS URL is
in `AZBM_STORE_URL`, so a job reads exactly what was uploaded for it even when newer versions
are uploaded later. Each file is downloaded to a temporary name, checked (size and SHA-256)
and renamed; files already present and correct are kept, so a rerun only fetches the rest.
A content shared by many paths is fetched once and copied. Transient failures (5xx, 408,
429, resets, timeouts, a body cut short) are retried with exponential backoff and jitter;
azure-core's retry policies cannot be used here, since the node side is stdlib only.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import logging
import os
import random
import re
import shutil
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import TypeVar

from azure_batch_maya.node.manifest import Manifest, ManifestEntry, ManifestError
from azure_batch_maya.node.plan import ASSETS_DIR, MANIFEST_FILE

log = logging.getLogger(__name__)

STORE_URL_ENV = "AZBM_STORE_URL"
FETCH_EXIT = 5
_CHUNK = 1 << 20
_WORKERS = 8
ATTEMPTS = 6  # the first try and five retries: about 15 s of backoff in all
BACKOFF_SECONDS = 0.5  # doubled after each failed try, plus up to as much again at random
_TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_URL_QUERY = re.compile(r"(https?://[^\s?'\"]+)\?[^\s'\"]*")
T = TypeVar("T")


class FetchError(Exception):
    """An input that could not be fetched; the message names it."""


class TransientError(Exception):
    """A failure worth another try (the message says what happened)."""


def redact(text: str) -> str:
    """`text` with the query of every URL in it (a SAS: its `sig=` above all) left out."""
    return _URL_QUERY.sub(r"\1?<SAS not shown>", text)


def with_retries(
    action: Callable[[], T],
    what: str,
    *,
    attempts: int | None = None,
    backoff: float | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """`action()`, tried again with exponential backoff while it fails transiently
    (`ATTEMPTS` tries from `BACKOFF_SECONDS` unless given)."""
    attempts = ATTEMPTS if attempts is None else attempts
    backoff = BACKOFF_SECONDS if backoff is None else backoff
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except TransientError as exc:
            if attempt == attempts:
                raise FetchError(f"{what}: {exc} (gave up after {attempts} tries)") from None
            delay = backoff * 2 ** (attempt - 1)
            delay += random.uniform(0, delay)  # jitter: nodes retrying at once spread out
            log.warning("%s: %s; trying again in %.1f s", what, exc, delay)
            sleep(delay)
    raise AssertionError("unreachable")


def transient(exc: BaseException) -> bool:
    """Whether a urllib failure may pass: a server error, a throttle, a reset, a timeout."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in _TRANSIENT_STATUS
    # URLError wraps a refused or reset connection; a local disk error is no reason to retry.
    return isinstance(
        exc, (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException)
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--manifest", type=Path, help="manifest (default: next to this code)")
    parser.add_argument("--root", type=Path, help="where the files go (default: ../assets)")


def main(args: argparse.Namespace, ship_dir: Path) -> int:
    store = os.environ.get(STORE_URL_ENV)
    if not store:
        log.error("%s is not set: the job does not say where its inputs are", STORE_URL_ENV)
        return FETCH_EXIT
    try:
        entries = read_manifest(args.manifest or ship_dir / MANIFEST_FILE)
        fetched = fetch_all(entries, store, args.root or ship_dir.parent / ASSETS_DIR)
    except FetchError as exc:
        log.error("%s", exc)
        return FETCH_EXIT
    log.info("inputs ready: %d files, %d fetched now", len(entries), fetched)
    return 0


def read_manifest(path: Path) -> tuple[ManifestEntry, ...]:
    """The files of the submission whose manifest is at `path`."""
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8")).entries
    except (OSError, ManifestError) as exc:
        raise FetchError(f"manifest {path} is unreadable: {exc}") from None


def target_path(root: Path, layout_path: str) -> Path:
    """Where a layout path lies below `root`; refuses anything that would leave it."""
    parts = PurePosixPath(layout_path.replace("\\", "/")).parts
    if not parts or any(p in ("..", "") or p.startswith("/") or ":" in p for p in parts):
        raise FetchError(f"manifest path {layout_path!r} is not a plain relative path")
    return root.joinpath(*parts)


def blob_url(store: str, blob: str) -> str:
    """The blob's URL in the store container, keeping the container URL's SAS query."""
    base, _, query = store.partition("?")
    url = base.rstrip("/") + "/" + urllib.parse.quote(blob, safe="/")
    return f"{url}?{query}" if query else url


def fetch_all(entries: Sequence[ManifestEntry], store: str, root: Path) -> int:
    """Fetch what is missing or wrong; returns how many contents were downloaded.

    Each content (hash) is downloaded once, to its first path; its other paths are copies.
    """
    todo = [e for e in entries if not _is_current(target_path(root, e.node_path), e)]
    by_content: dict[str, list[ManifestEntry]] = {}
    for entry in todo:
        by_content.setdefault(entry.sha256, []).append(entry)

    def fetch_content(group: list[ManifestEntry]) -> None:
        first = target_path(root, group[0].node_path)
        fetch_one(group[0], store, first)
        for other in group[1:]:
            target = target_path(root, other.node_path)
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(target.name + ".part")
            shutil.copyfile(first, part)
            part.replace(target)

    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        list(pool.map(fetch_content, by_content.values()))
    return len(by_content)


def fetch_one(entry: ManifestEntry, store: str, target: Path) -> None:
    """Download one blob to `target` (via a `.part` file), retrying transient failures."""
    target.parent.mkdir(parents=True, exist_ok=True)
    what = f"cannot fetch {entry.node_path} (blob {entry.blob_name})"
    with_retries(lambda: _download(entry, blob_url(store, entry.blob_name), target), what)


def _download(entry: ManifestEntry, url: str, target: Path) -> None:
    what = f"cannot fetch {entry.node_path} (blob {entry.blob_name})"
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    size = 0
    declared = None
    try:
        with urllib.request.urlopen(url, timeout=60) as response, part.open("wb") as out:
            declared = response.headers.get("Content-Length")
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except (OSError, http.client.HTTPException) as exc:
        part.unlink(missing_ok=True)
        reason = redact(str(exc) or type(exc).__name__)
        if transient(exc):
            raise TransientError(reason) from None
        raise FetchError(f"{what}: {reason}") from None
    if size != entry.size or digest.hexdigest() != entry.sha256:
        part.unlink(missing_ok=True)
        if declared is None or not declared.isdigit() or int(declared) != size:
            # A reply cut short (a body shorter than it said raised IncompleteRead above).
            raise TransientError(f"the reply was cut short ({size} bytes arrived)")
        raise FetchError(
            f"{entry.node_path} arrived damaged (blob {entry.blob_name}: {size} bytes, expected "
            f"{entry.size} with SHA-256 {entry.sha256}); submit again to re-upload it"
        )
    part.replace(target)


def _is_current(path: Path, entry: ManifestEntry) -> bool:
    try:
        if path.stat().st_size != entry.size:
            return False
    except OSError:
        return False
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest() == entry.sha256
