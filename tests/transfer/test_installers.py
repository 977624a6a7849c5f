"""The installers store against a real Azurite: by content, listed in order, removed cleanly."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.assets.hashcache import sha256_of
from azure_batch_maya.local.azurite import AzuriteProcess
from azure_batch_maya.services import storage
from azure_batch_maya.transfer.installers import (
    LIST_BLOB,
    Installer,
    InstallerError,
    add_installers,
    from_json,
    kind_of,
    list_installers,
    remove_installer,
    to_json,
)


@pytest.fixture
def client(azurite: AzuriteProcess) -> BlobServiceClient:
    return BlobServiceClient.from_connection_string(azurite.connection_string)


@pytest.fixture
def container() -> str:
    return f"installers-{uuid.uuid4().hex[:12]}"


def make(folder: Path, name: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    return path


def digest(path: Path) -> str:
    return sha256_of(path)


def stored(client: BlobServiceClient, container: str) -> dict[str, int]:
    return {b.name: b.size for b in storage.list_blobs(client, container, prefix="sha256/")}


def test_added_once_by_content_listed_in_order_and_progress_reaches_the_total(
    client, container, tmp_path
):
    maya = make(tmp_path, "Maya2025_64-2025.3-1.x86_64.rpm", b"M" * 300_000)
    mtoa = make(tmp_path, "MtoA-5.4.1-linux-2025.run", b"A" * 1000)
    seen: list[tuple[int, int]] = []
    report = add_installers(
        client,
        [maya, mtoa],
        digests=digest,
        args="silent",
        container=container,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert (report.uploaded_files, report.uploaded_bytes) == (2, 301_000)
    assert seen[-1] == (301_000, 301_000)
    listed = list_installers(client, container=container)
    assert [(i.name, i.os, i.kind, i.size) for i in listed] == [
        ("Maya2025_64-2025.3-1.x86_64.rpm", "linux", "rpm", 300_000),
        ("MtoA-5.4.1-linux-2025.run", "linux", "run", 1000),
    ]
    assert listed[0].sha256 == sha256_of(maya) and listed[1].args == "silent"
    assert stored(client, container) == {i.blob_name: i.size for i in listed}

    # the same bytes under another name, and the first file again: nothing is sent
    copy = make(tmp_path / "other", "maya-copy.tar.gz", maya.read_bytes())
    again = add_installers(client, [copy, maya], digests=digest, container=container)
    assert (again.uploaded_files, again.uploaded_bytes) == (0, 0)
    assert [i.name for i in again.installers] == [
        "Maya2025_64-2025.3-1.x86_64.rpm",
        "MtoA-5.4.1-linux-2025.run",
        "maya-copy.tar.gz",
    ]
    assert len(stored(client, container)) == 2


def test_a_new_version_under_the_same_name_replaces_the_entry_in_place(client, container, tmp_path):
    first = make(tmp_path / "v1", "renderer.run", b"one")
    other = make(tmp_path, "tools.tar.gz", b"tools")
    add_installers(client, [first, other], digests=digest, container=container)
    second = make(tmp_path / "v2", "renderer.run", b"two!")
    add_installers(client, [second], digests=digest, container=container)
    listed = list_installers(client, container=container)
    assert [(i.name, i.size) for i in listed] == [("renderer.run", 4), ("tools.tar.gz", 5)]
    assert listed[0].sha256 == sha256_of(second)


def test_removing_deletes_the_content_unless_another_entry_still_uses_it(
    client, container, tmp_path
):
    a = make(tmp_path, "a.tar.gz", b"same bytes")
    b = make(tmp_path, "b.tgz", b"same bytes")
    c = make(tmp_path, "c.rpm", b"other")
    add_installers(client, [a, b, c], digests=digest, container=container)
    remove_installer(client, "a.tar.gz", container=container)
    assert len(stored(client, container)) == 2  # b.tgz still needs those bytes
    gone = remove_installer(client, "c.rpm", container=container)
    assert gone.sha256 == sha256_of(c)
    assert list(stored(client, container)) == [f"sha256/{sha256_of(b)}"]
    assert [i.name for i in list_installers(client, container=container)] == ["b.tgz"]
    with pytest.raises(InstallerError, match=r"no installer named 'c.rpm' \(installers: b.tgz\)"):
        remove_installer(client, "c.rpm", container=container)


def test_bad_files_are_refused_before_anything_is_sent(client, container, tmp_path):
    good = make(tmp_path, "ok.rpm", b"ok")
    cases = {
        "Maya Setup.exe": "rename the file",
        "setup.exe": "an .exe needs its silent switches",
        "bundle.zip": "--os linux or --os windows",
        "notes.txt": "not an installer the start task can run silently",
    }
    for name, message in cases.items():
        bad = make(tmp_path, name, b"x")
        with pytest.raises(InstallerError, match=message):
            add_installers(client, [good, bad], digests=digest, container=container)
    with pytest.raises(InstallerError, match="no such file"):
        add_installers(client, [tmp_path / "absent.rpm"], digests=digest, container=container)
    assert storage.list_containers(client, prefix=container) == []  # nothing was sent


def test_kinds_by_name_and_os():
    assert kind_of("Maya.msi") == ("windows", "msi")
    assert kind_of("MtoA.ZIP", "windows") == ("windows", "archive")
    assert kind_of("maya.tar.xz") == ("linux", "archive")
    with pytest.raises(InstallerError, match="for linux nodes only"):
        kind_of("maya.rpm", "windows")


def test_concurrent_adds_keep_every_entry(client, container, tmp_path):
    files = [make(tmp_path, f"pkg{n}.rpm", f"package {n}".encode()) for n in range(6)]
    errors: list[BaseException] = []

    def add(path: Path) -> None:
        try:
            add_installers(client, [path], digests=digest, container=container)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    names = {i.name for i in list_installers(client, container=container)}
    assert names == {f.name for f in files}


def test_a_damaged_list_says_how_to_recover(client, container):
    storage.ensure_container(client, container)
    client.get_blob_client(container, LIST_BLOB).upload_blob(b"{not json", overwrite=True)
    with pytest.raises(InstallerError, match=r"remove installers\.json"):
        list_installers(client, container=container)


def test_the_list_format_round_trips():
    items = (
        Installer("a.msi", "ab" * 32, 3, "windows", "msi", "ADDLOCAL=ALL", "2026-12-06T00:00:00Z"),
    )
    assert from_json(to_json(items)) == items
