"""Azurite starts on a free loopback port, answers the real blob client, and stops cleanly."""

from __future__ import annotations

import http.client
import socket
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.local.azurite import (
    ACCOUNT_KEY,
    ACCOUNT_NAME,
    AzuriteError,
    azurite_command,
    find_azurite_blob,
    free_port,
    start_azurite,
)


def test_fixture_serves_the_real_blob_client(azurite):
    client = BlobServiceClient.from_connection_string(azurite.connection_string)
    container = client.create_container("fixture-smoke")
    container.upload_blob("hello.txt", b"hello")
    assert container.download_blob("hello.txt").readall() == b"hello"
    assert azurite.account_name == ACCOUNT_NAME == "devstoreaccount1"
    assert azurite.account_key == ACCOUNT_KEY
    assert azurite.blob_endpoint == f"http://127.0.0.1:{azurite.port}/devstoreaccount1"
    assert azurite.pid > 0


def test_persists_to_a_data_dir_across_restarts(tmp_path: Path):
    with start_azurite(tmp_path / "data") as first:
        client = BlobServiceClient.from_connection_string(first.connection_string)
        client.create_container("kept").upload_blob("a.txt", b"kept")
    assert not first.running
    with start_azurite(tmp_path / "data", port=first.port) as second:
        client = BlobServiceClient.from_connection_string(second.connection_string)
        assert client.get_container_client("kept").download_blob("a.txt").readall() == b"kept"


def test_stop_frees_the_port_and_is_idempotent():
    process = start_azurite()
    port = process.port
    process.stop()
    process.stop()
    assert not process.running
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()


def test_a_taken_port_is_an_error_that_names_it():
    port = free_port()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        with pytest.raises(AzuriteError) as caught:
            start_azurite(port=port, timeout=10)
    assert caught.value.code in {"AzuriteExited", "AzuriteTimeout"}
    assert str(port) in caught.value.message


def test_missing_azurite_says_how_to_install_it(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("AZURITE_BLOB", str(tmp_path / "no-such-azurite-blob"))
    with pytest.raises(AzuriteError) as caught:
        find_azurite_blob()
    assert caught.value.code == "AzuriteNotFound"
    assert "AZURITE_BLOB" in caught.value.message


def test_the_repo_copy_is_found_without_configuration(monkeypatch):
    monkeypatch.delenv("AZURITE_BLOB", raising=False)
    launcher = find_azurite_blob()
    assert launcher.name.startswith("azurite-blob")
    assert launcher.exists()


def test_every_request_without_credentials_is_refused(azurite):
    connection = http.client.HTTPConnection("127.0.0.1", azurite.port, timeout=5)
    connection.request("GET", f"/{ACCOUNT_NAME}?comp=list")
    response = connection.getresponse()
    assert response.status == 403
    connection.close()


@pytest.mark.parametrize(
    "launcher",
    [
        Path("node_modules", ".bin", "azurite-blob.cmd"),
        Path("npm", "azurite-blob.cmd"),
    ],
)
def test_a_windows_shim_runs_azurites_script_under_node(tmp_path: Path, launcher: Path):
    shim = tmp_path / launcher
    shim.parent.mkdir(parents=True)
    shim.write_text("@node %~dp0\\..\\azurite\\dist\\src\\blob\\main.js %*\n")
    modules = (
        tmp_path / "node_modules"
        if launcher.parts[0] == "node_modules"
        else shim.parent / "node_modules"
    )
    script = modules / "azurite" / "dist" / "src" / "blob" / "main.js"
    script.parent.mkdir(parents=True)
    script.write_text("// azurite-blob\n")
    command = azurite_command(shim)
    assert Path(command[-1]) == script
    assert Path(command[0]).stem == "node"


def test_azurite_takes_bearer_tokens_only_over_https():
    with pytest.raises(AzuriteError) as refused:
        start_azurite(oauth=True)
    assert refused.value.code == "AzuriteOAuthNeedsTls"
