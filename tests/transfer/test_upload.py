"""Incremental, content-addressed upload against a real Azurite on loopback."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.assets.hashcache import sha256_of
from azure_batch_maya.assets.project import AssetFile, AssetProject
from azure_batch_maya.local.azurite import AzuriteProcess, start_azurite
from azure_batch_maya.node.manifest import MANIFEST_PREFIX, Manifest
from azure_batch_maya.services.errors import ConnectionFailedError, TransferCancelledError
from azure_batch_maya.transfer.upload import upload_project
from tests.faults.proxy import FaultProxy


def make_project(root: Path, files: dict[str, bytes], name: str = "shot010") -> AssetProject:
    assets = []
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        assets.append(AssetFile(str(path), f"proj/{rel}", len(content), sha256_of(path)))
    return AssetProject(name, str(root), tuple(assets), ())


def rehash(project: AssetProject) -> AssetProject:
    files = tuple(
        AssetFile(f.local, f.node_path, Path(f.local).stat().st_size, sha256_of(Path(f.local)))
        for f in project.files
    )
    return AssetProject(project.name, project.project_root, files, ())


@pytest.fixture
def client(azurite: AzuriteProcess) -> BlobServiceClient:
    return BlobServiceClient.from_connection_string(azurite.connection_string)


@pytest.fixture
def container(client: BlobServiceClient, request: pytest.FixtureRequest) -> str:
    test_name: str = request.node.name
    name = "store-" + test_name.replace("_", "-")[-40:].strip("-").lower()
    client.create_container(name)
    return name


def read_blob(client: BlobServiceClient, container: str, name: str) -> bytes:
    return client.get_blob_client(container, name).download_blob().readall()


def manifest_name(client: BlobServiceClient, container: str, job_id: str) -> str:
    """The one manifest of a submission (its name holds the hash of its content)."""
    prefix = f"{MANIFEST_PREFIX}{job_id}/"
    (name,) = [b.name for b in client.get_container_client(container).list_blobs(prefix)]
    return str(name)


def test_second_upload_sends_nothing_and_shared_contents_go_once(client, container, tmp_path):
    project = make_project(
        tmp_path, {"a.png": b"A" * 1000, "b.png": b"B" * 2000, "copy/a.png": b"A" * 1000}
    )
    first = upload_project(client, project, "job-1", container=container)
    assert (first.uploaded_files, first.uploaded_bytes) == (2, 3000)
    assert len(first.manifest.entries) == 3
    second = upload_project(client, project, "job-2", container=container)
    assert (second.uploaded_files, second.uploaded_bytes) == (0, 0)
    assert (second.skipped_files, second.skipped_bytes) == (2, 3000)


def test_a_store_that_does_not_exist_yet_is_created(client, tmp_path):
    project = make_project(tmp_path, {"a.png": b"first"})
    report = upload_project(client, project, "job-1", container="store-created-by-upload")
    assert (report.uploaded_files, report.skipped_files) == (1, 0)
    assert client.get_container_client("store-created-by-upload").exists()


def test_a_stored_blob_of_the_wrong_size_is_sent_again(client, container, tmp_path):
    project = make_project(tmp_path, {"a.png": b"the whole texture"})
    (entry,) = project.files
    name = f"sha256/{entry.sha256}"
    client.get_blob_client(container, name).upload_blob(b"the whole")  # a damaged copy
    report = upload_project(client, project, "job-1", container=container)
    assert (report.uploaded_files, report.skipped_files) == (1, 0)
    assert read_blob(client, container, name) == b"the whole texture"


def test_the_largest_contents_go_first(azurite, tmp_path):
    sizes = {"small.png": 10, "huge.exr": 3000, "middle.tif": 500, "tiny.txt": 1}
    project = make_project(tmp_path, {name: os.urandom(n) for name, n in sizes.items()})
    proxy = FaultProxy(azurite.port)  # sees the PUTs in the order they are sent
    try:
        through = BlobServiceClient(
            proxy.url("/devstoreaccount1"),
            credential={"account_name": "devstoreaccount1", "account_key": azurite.account_key},
        )
        upload_project(through, project, "job-1", container="store-largest-first", workers=1)
        sent = [path for method, path, _ in proxy.seen if method == "PUT" and "/sha256/" in path]
    finally:
        proxy.close()
    size_of = {f"sha256/{f.sha256}": f.size for f in project.files}
    sizes_sent = [size_of[path.split("/", 3)[3]] for path in sent]
    assert sizes_sent == [3000, 500, 10, 1]


def test_touching_a_file_sends_nothing_changing_it_sends_it(client, container, tmp_path):
    project = make_project(tmp_path, {"a.png": b"one", "b.png": b"two"})
    upload_project(client, project, "job-1", container=container)
    os.utime(tmp_path / "a.png", (1, 1))
    assert upload_project(client, rehash(project), "job-2", container=container).uploaded_files == 0
    (tmp_path / "b.png").write_bytes(b"two, revised")
    report = upload_project(client, rehash(project), "job-3", container=container)
    assert (report.uploaded_files, report.uploaded_bytes) == (1, len(b"two, revised"))


def test_a_submitted_job_keeps_reading_what_it_was_given(client, container, tmp_path):
    project = make_project(tmp_path, {"tex/wood.png": b"old wood"})
    first = upload_project(client, project, "job-1", container=container)
    (tmp_path / "tex" / "wood.png").write_bytes(b"new wood")
    upload_project(client, rehash(project), "job-2", container=container)
    manifest = Manifest.from_json(
        read_blob(client, container, manifest_name(client, container, "job-1")).decode()
    )
    assert manifest == first.manifest
    (entry,) = manifest.entries
    assert read_blob(client, container, entry.blob_name) == b"old wood"
    newer = Manifest.from_json(
        read_blob(client, container, manifest_name(client, container, "job-2")).decode()
    )
    assert read_blob(client, container, newer.entries[0].blob_name) == b"new wood"


def test_progress_reaches_the_total_from_many_threads(client, container, tmp_path):
    project = make_project(tmp_path, {f"f{i}.bin": os.urandom(5000 + i) for i in range(20)})
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def record(done: int, total: int) -> None:
        with lock:
            seen.append((done, total))

    report = upload_project(client, project, "job-1", container=container, progress=record)
    assert report.uploaded_files == 20
    assert max(seen) == (report.uploaded_bytes, report.uploaded_bytes)


def test_cancel_commits_no_manifest(client, container, tmp_path):
    project = make_project(tmp_path, {f"f{i}.bin": os.urandom(1000) for i in range(5)})
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TransferCancelledError):
        upload_project(client, project, "job-1", container=container, cancel=cancel)
    names = [b.name for b in client.get_container_client(container).list_blobs()]
    assert not [name for name in names if name.startswith(f"{MANIFEST_PREFIX}job-1/")]


def test_a_file_changed_since_scanning_is_refused(client, container, tmp_path):
    project = make_project(tmp_path, {"a.png": b"short"})
    (tmp_path / "a.png").write_bytes(b"much longer now")
    with pytest.raises(Exception, match="changed since the scene was scanned"):
        upload_project(client, project, "job-1", container=container)


@pytest.mark.slow
def test_upload_interrupted_by_storage_going_away_resumes_without_resending(tmp_path):
    data = tmp_path / "azurite-data"
    files = {f"f{i:02d}.bin": os.urandom(20_000) for i in range(30)}
    project = make_project(tmp_path / "proj", files)
    azurite = start_azurite(data)
    port = azurite.port
    client = BlobServiceClient.from_connection_string(azurite.connection_string, retry_total=0)
    stopped = threading.Event()

    def stop_midway(done: int, _total: int) -> None:
        if done >= 10 * 20_000 and not stopped.is_set():
            stopped.set()
            azurite.stop()

    try:
        with pytest.raises(ConnectionFailedError):
            upload_project(
                client, project, "job-1", container="store", workers=2, progress=stop_midway
            )
    finally:
        azurite.stop()
    with start_azurite(data, port=port) as again:
        client = BlobServiceClient.from_connection_string(again.connection_string)
        stored = {b.name for b in client.get_container_client("store").list_blobs()}
        assert not [name for name in stored if name.startswith(f"{MANIFEST_PREFIX}job-1/")]
        done_before = len(stored)
        assert 0 < done_before < 30
        report = upload_project(client, project, "job-1", container="store")
        assert report.uploaded_files == 30 - done_before
        assert report.skipped_files == done_before
        manifest = Manifest.from_json(
            read_blob(client, "store", manifest_name(client, "store", "job-1")).decode()
        )
        for entry in manifest.entries:
            content = files[entry.node_path.removeprefix("proj/")]
            assert read_blob(client, "store", entry.blob_name) == content
