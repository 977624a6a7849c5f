"""The job preparation step: fetch the job's inputs once per node into the node layout.

The manifest (`manifest.json`, fetched as a resource file beside this code) lists every file
of the submission: `{"files": [{"path": <node layout path>, "blob": <blob name>, "size": n,
"sha256": <hex>}]}`. Blobs live in a content-addressed store, a container whose SAS URL is
in `AZBM_STORE_URL`, so a job reads exactly what was uploaded for it even when newer versions
are uploaded later. Each file is downloaded to a temporary name, checked (size and SHA-256)
and renamed; files already present and correct are kept, so a rerun only fetches the rest.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from azure_batch_maya.node.plan import ASSETS_DIR, MANIFEST_FILE

log = logging.getLogger(__name__)

STORE_URL_ENV = "AZBM_STORE_URL"
FETCH_EXIT = 5
_CHUNK = 1 << 20
_WORKERS = 8


class FetchError(Exception):
    """An input that could not be fetched; the message names it."""


@dataclass(frozen=True)
class ManifestEntry:
    path: str
    blob: str
    size: int
    sha256: str


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


def manifest_text(entries: list[ManifestEntry]) -> str:
    """The manifest file the upload step writes for a submission (what `read_manifest` reads)."""
    files = [{"path": e.path, "blob": e.blob, "size": e.size, "sha256": e.sha256} for e in entries]
    return json.dumps({"files": files}, indent=0, ensure_ascii=True) + "\n"


def read_manifest(path: Path) -> list[ManifestEntry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            ManifestEntry(str(f["path"]), str(f["blob"]), int(f["size"]), str(f["sha256"]))
            for f in data["files"]
        ]
    except (OSError, ValueError, KeyError, TypeError) as exc:
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


def fetch_all(entries: list[ManifestEntry], store: str, root: Path) -> int:
    """Fetch what is missing or wrong; returns how many files were downloaded."""
    todo = [e for e in entries if not _is_current(target_path(root, e.path), e)]
    with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
        list(pool.map(lambda e: fetch_one(e, store, target_path(root, e.path)), todo))
    return len(todo)


def fetch_one(entry: ManifestEntry, store: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with (
            urllib.request.urlopen(blob_url(store, entry.blob), timeout=60) as response,
            part.open("wb") as out,
        ):
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except OSError as exc:
        raise FetchError(f"cannot fetch {entry.path} (blob {entry.blob}): {exc}") from None
    if size != entry.size or digest.hexdigest() != entry.sha256:
        part.unlink(missing_ok=True)
        raise FetchError(
            f"{entry.path} arrived damaged (blob {entry.blob}: {size} bytes, expected "
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
