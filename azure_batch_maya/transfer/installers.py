"""The user's Maya and renderer installers, uploaded once for pools that install at node start.

Contents are stored by hash (`sha256/<hash>`, as the asset store does) in their own container,
so an installer added twice is sent once and a pool's start task names exactly the bytes it
installs. One small list blob (`installers.json`) says which installers there are: name,
hash, size, the node OS and kind of install, and the silent switches a Windows `.exe` or a
Linux `.run` needs. The list is written with the ETag it was read with, so two people adding
at once cannot lose each other's entry.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.node.manifest import blob_name
from azure_batch_maya.services import storage
from azure_batch_maya.services.errors import ServiceError, service_call

log = logging.getLogger(__name__)

INSTALLERS_CONTAINER = "abm-installers"
LIST_BLOB = "installers.json"
FORMAT_VERSION = 1
_WRITE_TRIES = 5

InstallerOS = Literal["linux", "windows"]
InstallerKind = Literal["rpm", "run", "archive", "msi", "exe"]
# A name the start task can use as a file name on either OS and pass through a shell unquoted.
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")
# Ends of file names → (node OS, kind); `.zip` is either OS's archive and needs `os` said.
_SUFFIXES: tuple[tuple[str, InstallerOS | None, InstallerKind], ...] = (
    (".rpm", "linux", "rpm"),
    (".run", "linux", "run"),
    (".tar.gz", "linux", "archive"),
    (".tgz", "linux", "archive"),
    (".tar.xz", "linux", "archive"),
    (".tar", "linux", "archive"),
    (".msi", "windows", "msi"),
    (".exe", "windows", "exe"),
    (".zip", None, "archive"),
)


class InstallerError(ValueError):
    """An installer that cannot be added or found; the message says what to do instead."""


@dataclass(frozen=True)
class Installer:
    """One installer in the store: what the start task fetches, checks and runs."""

    name: str  # the file name; unique in the list
    sha256: str
    size: int
    os: InstallerOS
    kind: InstallerKind
    args: str = ""  # silent switches (exe, msi, run), split by the node's shell rules
    added: str = ""

    @property
    def blob_name(self) -> str:
        return blob_name(self.sha256)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "os": self.os,
            "kind": self.kind,
            "args": self.args,
            "added": self.added,
        }


@dataclass(frozen=True)
class AddReport:
    """What `add_installers` did: every installer now listed, and how much it sent."""

    installers: tuple[Installer, ...]
    uploaded_files: int
    uploaded_bytes: int


def kind_of(name: str, os_hint: InstallerOS | None = None) -> tuple[InstallerOS, InstallerKind]:
    """The node OS and kind of install a file name stands for."""
    lower = name.lower()
    for suffix, os_, kind in _SUFFIXES:
        if lower.endswith(suffix):
            node_os = os_ or os_hint
            if node_os is None:
                raise InstallerError(
                    f"{name}: a .zip installs on Linux or Windows nodes; say which with "
                    "--os linux or --os windows"
                )
            if os_ is not None and os_hint is not None and os_hint != os_:
                raise InstallerError(f"{name}: a {suffix} installer is for {os_} nodes only")
            return node_os, kind
    known = ", ".join(s for s, _, _ in _SUFFIXES)
    raise InstallerError(
        f"{name}: not an installer the start task can run silently (use one of {known}); "
        "for an Autodesk Linux download (.tgz of RPMs), add the RPMs it holds that you need"
    )


def describe(path: Path, digest: str, *, os_hint: InstallerOS | None, args: str) -> Installer:
    """The list entry for a local file (its hash already computed)."""
    name = path.name
    if not _SAFE_NAME.match(name):
        raise InstallerError(
            f"{name!r}: rename the file to letters, digits and . _ + - only (no spaces), so "
            "every node's shell can name it"
        )
    node_os, kind = kind_of(name, os_hint)
    if kind == "exe" and not args.strip():
        raise InstallerError(
            f'{name}: an .exe needs its silent switches (e.g. --args "/S" or "--silent", '
            "as its vendor documents); without them it waits for a click on a node with no "
            "screen"
        )
    if any(c in args for c in "\r\n\0"):
        raise InstallerError(f"{name}: the switches cannot hold line breaks")
    added = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Installer(name, digest, path.stat().st_size, node_os, kind, args.strip(), added)


def to_json(installers: Iterable[Installer]) -> str:
    data = {"version": FORMAT_VERSION, "installers": [i.to_json() for i in installers]}
    return json.dumps(data, indent=1, ensure_ascii=False)


def from_json(text: str) -> tuple[Installer, ...]:
    try:
        data = json.loads(text)
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"format {data.get('version')!r} is not {FORMAT_VERSION}")
        return tuple(
            Installer(
                str(i["name"]),
                str(i["sha256"]),
                int(i["size"]),
                _os(i["os"]),
                _kind(i["kind"]),
                str(i.get("args", "")),
                str(i.get("added", "")),
            )
            for i in data["installers"]
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InstallerError(
            f"the installers list is unreadable ({exc}); remove {LIST_BLOB} from the "
            f"{INSTALLERS_CONTAINER} container and add the installers again"
        ) from None


def list_installers(
    client: BlobServiceClient, *, container: str = INSTALLERS_CONTAINER
) -> tuple[Installer, ...]:
    """Every stored installer, in the order they install (the order they were first added)."""
    return _read(client, container)[0]


def add_installers(
    client: BlobServiceClient,
    files: Sequence[Path],
    *,
    digests: Callable[[Path], str],
    os_hint: InstallerOS | None = None,
    args: str = "",
    container: str = INSTALLERS_CONTAINER,
    progress: storage.Progress | None = None,
    cancel: threading.Event | None = None,
) -> AddReport:
    """Upload what the store lacks, then list the files (a same-named entry is replaced).

    `digests(path)` gives a file's SHA-256 (the hash cache). Every file is checked before
    anything is sent, so one bad name sends nothing.
    """
    new = []
    for path in files:
        if not path.is_file():
            raise InstallerError(f"{path}: no such file")
        new.append((path, describe(path, digests(path), os_hint=os_hint, args=args)))
    names = [i.name for _, i in new]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InstallerError(f"{', '.join(twice)}: given twice; add each file once")
    storage.ensure_container(client, container)
    names = [installer.blob_name for _, installer in new]
    present = storage.stored_sizes(client, container, names, prefix="sha256/")
    items: dict[str, storage.UploadItem] = {}
    for path, installer in new:
        if present.get(installer.blob_name) != installer.size:
            metadata = {"sha256": installer.sha256}
            items.setdefault(
                installer.blob_name, storage.UploadItem(path, installer.blob_name, metadata)
            )
    log.info("installers: %d to send, %d already stored", len(items), len(new) - len(items))
    storage.upload_files(
        client, container, list(items.values()), max_workers=4, progress=progress, cancel=cancel
    )
    for path, installer in new:
        if path.stat().st_size != installer.size:
            raise InstallerError(f"{path} changed while it was uploading; add it again")

    def merge(current: tuple[Installer, ...]) -> tuple[Installer, ...]:
        by_name = {i.name: i for _, i in new}
        kept = [by_name.pop(i.name, i) for i in current]
        return (*kept, *by_name.values())

    listed = _update(client, container, merge)
    return AddReport(listed, len(items), sum(i.path.stat().st_size for i in items.values()))


def remove_installer(
    client: BlobServiceClient, name: str, *, container: str = INSTALLERS_CONTAINER
) -> Installer:
    """Take an installer off the list, and its content from the store unless still listed.

    Pools already made keep their start task's own URL: nodes joining them later fail their
    start task (the node says `starttaskfailed`) until the pool gets a new start task.
    """
    removed: list[Installer] = []

    def drop(current: tuple[Installer, ...]) -> tuple[Installer, ...]:
        removed.clear()
        removed.extend(i for i in current if i.name == name)
        if not removed:
            known = ", ".join(i.name for i in current) or "none"
            raise InstallerError(
                f"no installer named {name!r} (installers: {known}); see `nodes installers list`"
            )
        return tuple(i for i in current if i.name != name)

    left = _update(client, container, drop)
    gone = removed[0]
    if all(i.sha256 != gone.sha256 for i in left):
        with (
            _storage(client, f"deleting {gone.name} from {container}"),
            contextlib.suppress(ResourceNotFoundError),
        ):
            client.get_blob_client(container, gone.blob_name).delete_blob()
    return gone


def _read(client: BlobServiceClient, container: str) -> tuple[tuple[Installer, ...], str | None]:
    """The list and the ETag it was read at (None: no list yet)."""
    blob = client.get_blob_client(container, LIST_BLOB)
    with _storage(client, f"reading the installers list in {container}"):
        try:
            download = blob.download_blob()
        except ResourceNotFoundError:
            return (), None
        text = download.readall().decode("utf-8")
        etag = download.properties.etag
    return from_json(text), etag


def _update(
    client: BlobServiceClient,
    container: str,
    change: Callable[[tuple[Installer, ...]], tuple[Installer, ...]],
) -> tuple[Installer, ...]:
    """Read, change and write the list, again from the top if someone wrote it meanwhile."""
    storage.ensure_container(client, container)
    blob = client.get_blob_client(container, LIST_BLOB)
    for _ in range(_WRITE_TRIES):
        current, etag = _read(client, container)
        updated = change(current)
        condition: dict[str, Any] = (
            {"etag": etag, "match_condition": MatchConditions.IfNotModified}
            if etag
            else {"match_condition": MatchConditions.IfMissing}
        )
        try:
            with _storage(client, f"writing the installers list in {container}"):
                blob.upload_blob(to_json(updated).encode("utf-8"), overwrite=True, **condition)
        except ServiceError as exc:
            # someone wrote the list since we read it (or made it, when we thought it absent)
            if exc.code not in ("ConditionNotMet", "BlobAlreadyExists"):
                raise
            log.info("the installers list changed while we wrote it (%s); again", exc.code)
            continue
        return updated
    raise InstallerError(
        "the installers list kept changing while we wrote it (someone else is adding or "
        "removing installers); try again in a moment"
    )


def _os(value: object) -> InstallerOS:
    if value == "linux" or value == "windows":
        return value
    raise ValueError(f"node OS {value!r}")


def _kind(value: object) -> InstallerKind:
    if value in ("rpm", "run", "archive", "msi", "exe"):
        return value
    raise ValueError(f"kind {value!r}")


def _storage(client: BlobServiceClient, action: str) -> Any:
    return service_call("storage", account=client.account_name or "", action=action)
