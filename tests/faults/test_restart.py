"""Crashes and restarts of the local pool: it comes back where it was, and no job is stranded.

Faults: SIGKILL of the server and of Azurite (each, and both), a port taken while the pool
was down, a state file whose pid now belongs to an unrelated program.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from azure.batch import BatchClient
from azure.batch.models import BatchTaskExecutionInfo
from azure.core.credentials import AzureNamedKeyCredential
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.local.redelivery import INDEX_FILE
from azure_batch_maya.system.processes import pid_alive, stop_pid
from tests.faults.conftest import OwnPool, run_cli, submit_args, wait_until

pytestmark = pytest.mark.faults  # each starts its own local pool and Azurite: `dev.py faults`

AZURITE_SAVE_SECONDS = 6.0  # Azurite saves its index every 5 s (LokiJS autosave)


def crash(*pids: int) -> None:
    """Kill each process outright (SIGKILL; taskkill /F on Windows), as a crash would."""
    for pid in pids:
        stop_pid(pid, 0.0, None)
    wait_until(lambda: not any(pid_alive(pid) for pid in pids), what="the processes to die")


def succeeded(info: BatchTaskExecutionInfo | None) -> bool:
    return info is not None and info.result == "success"


def batch_of(connection: dict[str, str]) -> BatchClient:
    credential = AzureNamedKeyCredential(connection["batch_account"], connection["batch_key"])
    return BatchClient(connection["batch_url"], credential)


def test_a_crashed_local_pool_comes_back_on_its_ports_with_its_blobs(own_pool: OwnPool):
    blobs = BlobServiceClient.from_connection_string(
        own_pool.connection["storage_connection_string"]
    )
    blobs.create_container("kept").upload_blob("a.txt", b"a")
    time.sleep(AZURITE_SAVE_SECONDS)  # saved now
    state = own_pool.state
    crash(state["server_pid"], state["azurite_pid"])
    again = own_pool.up()
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == own_pool.connection  # same URL, key, storage endpoint
    assert blobs.get_blob_client("kept", "a.txt").download_blob().readall() == b"a"


def test_local_up_restarts_a_pool_whose_azurite_died(own_pool: OwnPool):
    state = own_pool.state
    crash(state["azurite_pid"])
    status = run_cli(own_pool.home, "local", "status")
    assert status.returncode == 1 and "Azurite is not" in status.stdout
    again = own_pool.up()
    assert again.returncode == 0, again.stderr
    assert "Azurite had stopped" in again.stderr  # not "already up"
    assert json.loads(again.stdout) == own_pool.connection
    assert run_cli(own_pool.home, "local", "status").returncode == 0
    assert not pid_alive(state["server_pid"])  # the old server went, a new one serves


def test_a_port_taken_while_the_pool_was_down_is_named(own_pool: OwnPool):
    storage_port = int(
        own_pool.connection["storage_connection_string"].rsplit(":", 1)[1].split("/")[0]
    )
    assert run_cli(own_pool.home, "local", "down").returncode == 0
    with socket.create_server(("127.0.0.1", storage_port)):
        refused = own_pool.up()
    assert refused.returncode == 2
    assert f"port {storage_port}" in refused.stderr and "taken by another program" in refused.stderr
    assert "--storage-port 0" in refused.stderr
    assert own_pool.up().returncode == 0  # once the port is free again


def test_a_state_file_naming_an_unrelated_process_is_not_the_local_pool(own_pool: OwnPool):
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        state = own_pool.state
        crash(state["server_pid"], state["azurite_pid"])
        state["server_pid"] = stranger.pid  # the pid was reused by something else
        (own_pool.home / "local-pool.json").write_text(json.dumps(state))
        assert run_cli(own_pool.home, "local", "status").returncode == 1
        assert own_pool.up().returncode == 0
        assert run_cli(own_pool.home, "local", "down").returncode == 0
        assert stranger.poll() is None  # never signalled
    finally:
        stranger.kill()
        stranger.wait()


def test_a_job_submitted_before_a_crash_delivers_every_frame_once(
    own_pool: OwnPool, example: Path, tmp_path: Path
):
    frames = 40
    cache = example / "shot010" / "cache"  # the stand-in sequence, long enough for every frame
    for frame in range(6, frames + 1):
        (cache / f"tree.{frame:04d}.ass").write_bytes((cache / "tree.0001.ass").read_bytes())
    submitted = run_cli(own_pool.home, *submit_args(example, "--frames", f"1-{frames}"))
    assert submitted.returncode == 0, submitted.stderr
    job_id = json.loads(submitted.stdout)["job_id"]
    batch = batch_of(own_pool.connection)
    # Azurite keeps its index in memory and saves it every 5 s: what a crash within that time
    # loses is another fault (tests/faults/test_storage.py). Here the submission is saved.
    index = own_pool.home / "local-pool" / "azurite" / INDEX_FILE
    submitted_at = time.time_ns()
    wait_until(lambda: index.stat().st_mtime_ns > submitted_at, what="Azurite to save")
    counts = batch.get_job_task_counts(job_id).task_counts
    assert counts.completed < frames, "the job ended before the crash: nothing was tested"
    state = own_pool.state
    crash(state["server_pid"], state["azurite_pid"])
    assert own_pool.up().returncode == 0

    def over() -> bool:
        return batch.get_job_task_counts(job_id).task_counts.completed == frames

    wait_until(over, timeout=180, what="every task after the restart")
    tasks = list(batch.list_tasks(job_id))
    assert len(tasks) == frames  # no task twice
    failed = [(t.id, t.execution_info) for t in tasks if not succeeded(t.execution_info)]
    assert not failed
    out = tmp_path / "out"
    downloaded = run_cli(own_pool.home, "download", job_id, "--to", str(out), "--local")
    assert downloaded.returncode == 0, downloaded.stderr
    names = sorted(p.name for p in out.rglob("*.png"))
    assert names == [f"shot010_lighting.{i:04d}.png" for i in range(1, frames + 1)]
