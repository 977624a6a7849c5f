"""Storage over real HTTP against Azurite: containers, listings, transfers and errors."""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from azure.storage.blob import ContentSettings, ExponentialRetry

from azure_batch_maya.local.azurite import ACCOUNT_KEY, free_port, start_azurite
from azure_batch_maya.services import storage
from azure_batch_maya.services.clients import create_blob_service_client
from azure_batch_maya.services.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ConnectionFailedError,
    IntegrityError,
    NotFoundError,
    TransferCancelledError,
)
from azure_batch_maya.services.sas import SasAccess, create_container_sas_url
from azure_batch_maya.services.settings import Secrets
from azure_batch_maya.services.storage import (
    UploadItem,
    check_storage_account,
    create_container,
    delete_container,
    download_file,
    ensure_container,
    file_md5,
    list_blobs,
    list_containers,
    stored_sizes,
    upload_file,
    upload_files,
)
from tests.faults.proxy import Fault, FaultProxy
from tests.services.blobs import (
    CHUNK,
    FAST,
    key_client,
    put_tiny_blobs,
    storage_settings,
    write_file,
)


def test_containers_are_created_once_listed_and_deleted(client):
    name = f"jobs-{uuid.uuid4().hex[:8]}"
    assert ensure_container(client, name) is True
    assert ensure_container(client, name) is False
    with pytest.raises(AlreadyExistsError) as exists:
        create_container(client, name)
    assert exists.value.code == "ContainerAlreadyExists"
    assert name in list_containers(client, prefix="jobs-")
    delete_container(client, name)
    assert name not in list_containers(client, prefix="jobs-")
    delete_container(client, name)
    with pytest.raises(NotFoundError) as missing:
        delete_container(client, name, missing_ok=False)
    assert "upload the assets again" in missing.value.message


def test_a_connection_string_client_reaches_the_same_account(azurite, container, client):
    by_string = create_blob_service_client(
        storage_settings(""), Secrets(storage_connection_string=azurite.connection_string)
    )
    assert container in list_containers(by_string)


def test_listing_5001_blobs_takes_two_requests_and_carries_metadata(azurite, client, container):
    writer = create_container_sas_url(
        client, container, access=SasAccess.OUTPUTS, time_limit=timedelta(hours=1)
    )
    put_tiny_blobs(writer, [f"assets/{i:05d}.tx" for i in range(5001)])
    client.get_container_client(container).upload_blob("other/readme.txt", b"not in assets/")

    listing_requests: list[str] = []

    def count(response) -> None:
        if "comp=list" in response.http_request.url:
            listing_requests.append(response.http_request.url)

    counted = key_client(azurite, raw_response_hook=count)
    blobs = list(list_blobs(counted, container, prefix="assets/"))

    assert len(blobs) == 5001
    assert len(listing_requests) == 2
    assert blobs[0].name == "assets/00000.tx"
    assert blobs[4321].metadata == {"sha256": "h04321"}
    assert blobs[4321].size == 1
    assert blobs[4321].md5 == hashlib.md5(b"x").digest()

    proxy = FaultProxy(azurite.port)  # counts what reaches storage
    try:
        through = create_blob_service_client(
            storage_settings(proxy.url("/devstoreaccount1")),
            Secrets(storage_key=azurite.account_key),
            options=FAST,
        )
        every = [b.name for b in blobs]
        sizes = stored_sizes(through, container, every, prefix="assets/")
        assert proxy.count("GET", f"/{container}") == 2  # the same two pages, not read again
    finally:
        proxy.close()
    assert sizes == {b.name: b.size for b in blobs}


def test_blob_sizes_survive_a_listing_reply_lost_and_retried(azurite, client, container):
    for name, data in {"sha256/a": b"1", "sha256/b": b"22", "other": b"333"}.items():
        client.get_blob_client(container, name).upload_blob(data)
    proxy = FaultProxy(azurite.port)
    try:
        proxy.inject(Fault("503", method="GET", path=f"/{container}"))
        retrying = create_blob_service_client(
            storage_settings(proxy.url("/devstoreaccount1")),
            Secrets(storage_key=azurite.account_key),
            retry_policy=ExponentialRetry(
                initial_backoff=0, increment_base=0, retry_total=2, random_jitter_range=0
            ),
        )
        sizes = stored_sizes(retrying, container, ["sha256/a", "sha256/b"], prefix="sha256/")
        assert proxy.count("GET", f"/{container}") == 2
    finally:
        proxy.close()
    assert sizes == {"sha256/a": 1, "sha256/b": 2}


def test_blob_sizes_fall_back_to_the_full_listing_when_the_replies_do_not_match(
    client, container, monkeypatch
):
    client.get_blob_client(container, "sha256/a").upload_blob(b"12345")
    monkeypatch.setattr(storage, "_sizes_from_listings", lambda _replies: {"sha256/z": 1})
    assert stored_sizes(client, container, ["sha256/a", "sha256/b"]) == {"sha256/a": 5}


def test_blob_sizes_of_a_missing_container_is_not_found(client):
    with pytest.raises(NotFoundError) as missing:
        stored_sizes(client, f"gone-{uuid.uuid4().hex[:8]}", ["sha256/a"])
    assert missing.value.code == "ContainerNotFound"


def test_parallel_uploads_do_not_overflow_the_connection_pool(client, container, caplog):
    caplog.set_level(logging.WARNING, logger="urllib3")
    container_client = client.get_container_client(container)
    with ThreadPoolExecutor(24) as pool:
        list(pool.map(lambda i: container_client.upload_blob(f"p{i}", b"1"), range(240)))
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


def test_upload_and_download_report_progress_and_keep_md5(client, container, tmp_path):
    source = write_file(tmp_path / "wall 木.tif", 5 * CHUNK + 123)
    uploaded: list[tuple[int, int]] = []
    info = upload_file(
        client,
        container,
        source,
        "tex/wall 木.tif",
        metadata={"kind": "texture"},
        progress=lambda done, total: uploaded.append((done, total)),
    )
    assert info.md5 == file_md5(source) == hashlib.md5(source.read_bytes()).digest()
    assert len(uploaded) >= 5
    assert uploaded[-1] == (source.stat().st_size, source.stat().st_size)

    [listed] = list(list_blobs(client, container, prefix="tex/"))
    assert (listed.name, listed.size, listed.md5) == (info.name, info.size, info.md5)
    assert listed.metadata == {"kind": "texture"}

    downloaded: list[tuple[int, int]] = []
    target = tmp_path / "home" / "wall.tif"
    got = download_file(
        client,
        container,
        "tex/wall 木.tif",
        target,
        progress=lambda done, total: downloaded.append((done, total)),
    )
    assert target.read_bytes() == source.read_bytes()
    assert got.md5 == info.md5
    assert len(downloaded) == 6
    assert [done for done, _ in downloaded] == sorted(done for done, _ in downloaded)
    assert downloaded[-1] == (info.size, info.size)
    assert not (tmp_path / "home" / "wall.tif.part").exists()


@pytest.mark.parametrize("whole_read", [0, storage.WHOLE_READ_SIZE], ids=["streamed", "read"])
def test_a_file_streamed_or_read_whole_keeps_its_md5(
    client, container, tmp_path, monkeypatch, whole_read
):
    monkeypatch.setattr(storage, "WHOLE_READ_SIZE", whole_read)
    source = write_file(tmp_path / "map.tx", 3 * CHUNK + 7)
    seen: list[int] = []
    info = upload_file(client, container, source, "map.tx", progress=lambda d, _t: seen.append(d))
    assert info.md5 == hashlib.md5(source.read_bytes()).digest()
    assert seen[-1] == info.size == 3 * CHUNK + 7
    [listed] = list(list_blobs(client, container))
    assert listed.md5 == info.md5
    assert client.get_blob_client(container, "map.tx").download_blob().readall() == (
        source.read_bytes()
    )


def test_a_cancelled_upload_leaves_no_blob(client, container, tmp_path):
    source = write_file(tmp_path / "big.abc", 6 * CHUNK)
    cancel = threading.Event()
    with pytest.raises(TransferCancelledError):
        upload_file(
            client,
            container,
            source,
            "big.abc",
            cancel=cancel,
            progress=lambda done, total: cancel.set(),
        )
    assert [b.name for b in list_blobs(client, container)] == []


def test_a_cancelled_download_leaves_neither_file_nor_part(client, container, tmp_path):
    upload_file(client, container, write_file(tmp_path / "f.exr", 6 * CHUNK), "f.exr")
    cancel = threading.Event()
    target = tmp_path / "out" / "f.exr"
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        cancel.set()

    with pytest.raises(TransferCancelledError) as cancelled:
        download_file(client, container, "f.exr", target, progress=progress, cancel=cancel)
    assert cancelled.value.code == "Cancelled"
    assert seen == [CHUNK]
    assert list((tmp_path / "out").iterdir()) == []


def test_a_cancelled_download_keeps_the_previous_complete_file(client, container, tmp_path):
    upload_file(client, container, write_file(tmp_path / "f.exr", 3 * CHUNK), "f.exr")
    target = tmp_path / "f_home.exr"
    target.write_bytes(b"yesterday's complete frame")
    cancel = threading.Event()
    with pytest.raises(TransferCancelledError):
        download_file(
            client,
            container,
            "f.exr",
            target,
            cancel=cancel,
            progress=lambda done, total: cancel.set(),
        )
    assert target.read_bytes() == b"yesterday's complete frame"


def test_a_download_cut_off_mid_way_never_looks_complete(tmp_path):
    source = write_file(tmp_path / "frame.exr", 8 * CHUNK)
    with start_azurite() as doomed:
        client = key_client(doomed)
        create_container(client, "frames")
        upload_file(client, "frames", source, "frame.exr")
        target = tmp_path / "home" / "frame.exr"

        def pull_the_plug(done: int, total: int) -> None:
            if done == CHUNK:
                doomed.stop()

        with pytest.raises(ConnectionFailedError):
            download_file(client, "frames", "frame.exr", target, progress=pull_the_plug)
    assert not target.exists()
    assert not target.with_name("frame.exr.part").exists()


def test_a_download_whose_md5_differs_is_refused(client, container, tmp_path):
    upload_file(client, container, write_file(tmp_path / "a.bin", 1000), "a.bin")
    wrong = bytearray(hashlib.md5(b"something else").digest())
    client.get_blob_client(container, "a.bin").set_http_headers(ContentSettings(content_md5=wrong))
    target = tmp_path / "a_home.bin"
    with pytest.raises(IntegrityError) as corrupt:
        download_file(client, container, "a.bin", target)
    assert corrupt.value.code == "Md5Mismatch"
    assert not target.exists()
    assert not (tmp_path / "a_home.bin.part").exists()


def test_downloading_a_missing_blob_is_not_found(client, container, tmp_path):
    with pytest.raises(NotFoundError) as missing:
        download_file(client, container, "nope.exr", tmp_path / "nope.exr")
    assert missing.value.code == "BlobNotFound"
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_account_key_is_an_authentication_error_that_says_what_to_check(azurite):
    wrong_key = base64.b64encode(b"not the key" * 6).decode()
    client = key_client(azurite, key=wrong_key)
    with pytest.raises(AuthenticationError) as refused:
        list_containers(client)
    message = refused.value.message
    assert "devstoreaccount1" in message
    assert "Config tab" in message
    assert refused.value.status == 403
    assert wrong_key not in message


def test_a_dead_port_is_a_connection_failure():
    endpoint = f"http://127.0.0.1:{free_port()}/devstoreaccount1"
    client = create_blob_service_client(
        storage_settings(endpoint), Secrets(storage_key=ACCOUNT_KEY), options=FAST
    )
    with pytest.raises(ConnectionFailedError) as failed:
        list_containers(client)
    assert failed.value.code == "ConnectionFailed"
    assert "could not connect" in failed.value.message
    assert failed.value.status == 0


def test_many_files_upload_in_parallel_with_progress_over_all(client, container, tmp_path):
    items = [
        UploadItem(write_file(tmp_path / f"tex{i:02d}.tx", 3 * CHUNK + i), f"tex/{i:02d}.tx")
        for i in range(20)
    ]
    total = sum(item.path.stat().st_size for item in items)
    seen: list[tuple[int, int]] = []
    results = upload_files(
        client, container, items, max_workers=6, progress=lambda d, t: seen.append((d, t))
    )
    assert [r.name for r in results] == [item.blob_name for item in items]
    assert max(done for done, _ in seen) == total
    assert {t for _, t in seen} == {total}
    listed = {b.name: b.md5 for b in list_blobs(client, container, prefix="tex/")}
    assert listed == {item.blob_name: file_md5(item.path) for item in items}


def test_a_cancelled_parallel_upload_stops_and_leaves_only_whole_blobs(client, container, tmp_path):
    items = [
        UploadItem(write_file(tmp_path / f"f{i:02d}.abc", 4 * CHUNK), f"f{i:02d}.abc")
        for i in range(12)
    ]
    cancel = threading.Event()

    def progress(done: int, total: int) -> None:
        if done > total // 4:
            cancel.set()

    with pytest.raises(TransferCancelledError):
        upload_files(client, container, items, max_workers=3, progress=progress, cancel=cancel)
    listed = list(list_blobs(client, container))
    assert len(listed) < len(items)
    for blob in listed:
        assert blob.size == 4 * CHUNK
        assert blob.md5 == file_md5(tmp_path / blob.name)


def test_the_storage_account_check_accepts_the_key_and_refuses_a_wrong_one(azurite, client):
    check_storage_account(client)
    with pytest.raises(AuthenticationError):
        check_storage_account(key_client(azurite, key=base64.b64encode(b"wrong" * 8).decode()))
