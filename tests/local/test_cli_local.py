"""`azure-batch-maya local up|status|down` as a user runs it, in separate processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from azure.batch import BatchClient
from azure.core.credentials import AzureNamedKeyCredential
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.local.azurite import AzuriteError, find_azurite_blob
from azure_batch_maya.system.processes import pid_alive
from tests.local.conftest import pool_options


def cli(home, *args):
    env = {**os.environ, "AZURE_BATCH_MAYA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "azure_batch_maya", "local", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_up_json_status_down(tmp_path):
    try:
        find_azurite_blob()
    except AzuriteError as error:
        pytest.skip(error.message)
    home = tmp_path / "home"
    assert cli(home, "status").returncode == 1
    up = cli(home, "up", "--slots", "1", "--json")
    try:
        assert up.returncode == 0, up.stderr
        lines = up.stdout.strip().splitlines()
        assert len(lines) == 1
        connection = json.loads(lines[0])
        assert set(connection) == {
            "batch_url",
            "batch_account",
            "batch_key",
            "storage_connection_string",
        }
        state_file = home / "local-pool.json"
        if os.name != "nt":
            assert state_file.stat().st_mode & 0o777 == 0o600
            for secret in ("account.json", "server.out"):
                assert (home / "local-pool" / secret).stat().st_mode & 0o777 == 0o600
        state = json.loads(state_file.read_text())

        batch = BatchClient(
            connection["batch_url"],
            AzureNamedKeyCredential(connection["batch_account"], connection["batch_key"]),
        )
        batch.create_pool(pool_options("from-cli", nodes=1))
        assert batch.get_pool("from-cli").id == "from-cli"
        blobs = BlobServiceClient.from_connection_string(connection["storage_connection_string"])
        blobs.create_container("from-cli").upload_blob("a.txt", b"a")

        again = cli(home, "up", "--json")
        assert json.loads(again.stdout) == connection
        status = cli(home, "status")
        assert status.returncode == 0 and connection["batch_url"] in status.stdout
        if os.name != "nt":
            os.kill(state["azurite_pid"], signal.SIGKILL)
            time.sleep(0.5)
            broken = cli(home, "status")
            assert broken.returncode == 1 and "Azurite is not" in broken.stdout
    finally:
        down = cli(home, "down")
    assert down.returncode == 0
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and pid_alive(state["server_pid"]):
        time.sleep(0.1)
    assert not pid_alive(state["server_pid"])
    assert not pid_alive(state["azurite_pid"])
    assert cli(home, "status").returncode == 1


def test_two_ups_at_once_start_one_local_pool(tmp_path):
    try:
        find_azurite_blob()
    except AzuriteError as error:
        pytest.skip(error.message)
    home = tmp_path / "home"
    env = {**os.environ, "AZURE_BATCH_MAYA_HOME": str(home)}
    command = [sys.executable, "-m", "azure_batch_maya", "local", "up", "--slots", "1", "--json"]
    starts = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    try:
        outputs = [json.loads(start.communicate(timeout=120)[0]) for start in starts]
        assert outputs[0] == outputs[1]
        assert [start.returncode for start in starts] == [0, 0]
    finally:
        assert cli(home, "down").returncode == 0
