"""Downloading outputs from a real Azurite: whole files only, never outside the folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.local.azurite import AzuriteProcess
from azure_batch_maya.transfer.download import (
    DownloadReport,
    download_container,
    watch_container,
)


@pytest.fixture
def client(azurite: AzuriteProcess) -> BlobServiceClient:
    return BlobServiceClient.from_connection_string(azurite.connection_string)


@pytest.fixture
def outputs(client: BlobServiceClient, request: pytest.FixtureRequest) -> str:
    test_name: str = request.node.name
    name = "out-" + test_name.replace("_", "-")[-40:].strip("-").lower()
    client.create_container(name)
    return name


def put(client: BlobServiceClient, container: str, name: str, data: bytes) -> None:
    client.get_blob_client(container, name).upload_blob(data, overwrite=True)


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".azure-batch-maya")
    }


def test_download_then_skip_what_is_complete(client, outputs, tmp_path):
    frames = {f"images/beauty.{i:04d}.png": os.urandom(3000 + i) for i in range(1, 6)}
    for name, data in frames.items():
        put(client, outputs, name, data)
    put(client, outputs, "logs/task-1/stdout.txt", b"rendered\n")
    first = download_container(client, outputs, tmp_path / "shot")
    assert len(first.downloaded) == 6
    assert files_under(tmp_path / "shot") == {**frames, "logs/task-1/stdout.txt": b"rendered\n"}
    second = download_container(client, outputs, tmp_path / "shot")
    assert (len(second.downloaded), second.skipped) == (0, 6)


def test_a_damaged_or_partial_file_is_repaired(client, outputs, tmp_path):
    data = os.urandom(10_000)
    put(client, outputs, "images/beauty.0001.png", data)
    folder = tmp_path / "shot"
    download_container(client, outputs, folder)
    target = folder / "images" / "beauty.0001.png"
    target.write_bytes(data[:4000])  # cut short
    (folder / "images" / "beauty.0001.png.part").write_bytes(b"junk from a crash")
    report = download_container(client, outputs, folder)
    assert report.downloaded == (target,)
    assert target.read_bytes() == data
    same_size = bytearray(data)
    same_size[0] ^= 0xFF
    target.write_bytes(bytes(same_size))  # same size, other content: MD5 tells
    assert download_container(client, outputs, folder).downloaded == (target,)
    assert target.read_bytes() == data


def test_hostile_blob_names_never_write_outside_the_folder(client, outputs, tmp_path):
    put(client, outputs, "images/ok.png", b"ok")
    # Storage turns backslashes into slashes: these really are stored as `../../evil.bat` etc.
    hostile = ("..\\..\\evil.bat", "images\\..\\..\\e.txt", "/abs.txt", "C:/Windows/evil.dll")
    for name in hostile:
        put(client, outputs, name, b"evil")
    stored = {b.name for b in client.get_container_client(outputs).list_blobs()}
    assert "../../evil.bat" in stored
    folder = tmp_path / "a" / "shot"
    report = download_container(client, outputs, folder)
    assert [p.name for p in report.downloaded] == ["ok.png"]
    assert len(report.refused) == len(hostile)
    everything = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    assert everything == {"a/shot/images/ok.png", "a/shot/.azure-batch-maya-downloads.json"}


def test_prefix_is_stripped_from_local_names(client, outputs, tmp_path):
    put(client, outputs, "job-1/images/a.png", b"a")
    put(client, outputs, "job-2/images/b.png", b"b")
    download_container(client, outputs, tmp_path, prefix="job-1/")
    assert files_under(tmp_path) == {"images/a.png": b"a"}


def test_watch_downloads_as_frames_arrive_until_the_job_is_over(client, outputs, tmp_path):
    arriving = [f"images/beauty.{i:04d}.png" for i in range(1, 4)]
    put(client, outputs, arriving[0], b"1")
    passes: list[DownloadReport] = []

    def next_frame(_interval: float) -> None:
        put(client, outputs, arriving[len(passes)], str(len(passes) + 1).encode())

    total = watch_container(
        client,
        outputs,
        tmp_path,
        finished=lambda: len(passes) >= 2,
        sleep=next_frame,
        on_pass=passes.append,
    )
    assert total == 3
    assert [len(p.downloaded) for p in passes] == [1, 1, 1]
    assert files_under(tmp_path) == {arriving[0]: b"1", arriving[1]: b"2", arriving[2]: b"3"}
