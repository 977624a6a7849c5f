"""Storage that fails: answers 503, resets uploads, loses blobs it accepted, or crashes.

Faults: 503s and resets on uploads (proxy before Azurite); a blob deleted behind the
submission's back between its upload and the job's creation; outputs lost after a job
completed; SIGKILL of Azurite within its 5 s save interval; a graceful `local down`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.app.connect import connect
from azure_batch_maya.app.submit import OUTPUTS_CONTAINER
from azure_batch_maya.local.azurite import AzuriteProcess
from azure_batch_maya.local.process import LocalPoolProcess
from azure_batch_maya.node.manifest import blob_name
from azure_batch_maya.services import storage, tasks
from azure_batch_maya.transfer.manifest import STORE_CONTAINER
from tests.faults.conftest import SCENE, OwnPool, run_cli, submit_args, wait_until
from tests.faults.proxy import Fault, FaultProxy
from tests.faults.test_restart import crash
from tests.fixtures.user_home import point_home_at_local_pool

pytestmark = pytest.mark.faults  # retries' backoff and Azurite restarts: `dev.py faults`

FIVE = [f"shot010_lighting.{i:04d}.png" for i in range(1, 6)]


@pytest.fixture
def storage_proxy(azurite: AzuriteProcess) -> Iterator[FaultProxy]:
    proxy = FaultProxy(azurite.port)
    yield proxy
    proxy.close()


@pytest.fixture
def proxied_home(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    local_pool: LocalPoolProcess,
    azurite: AzuriteProcess,
    storage_proxy: FaultProxy,
) -> Path:
    """A user folder whose storage is the session's Azurite reached through `storage_proxy`
    (the tasks' SAS URLs then name the proxy too)."""
    proxied = azurite.connection_string.replace(f":{azurite.port}/", f":{storage_proxy.port}/")
    return point_home_at_local_pool(
        home, monkeypatch, local_pool, azurite, storage_connection_string=proxied
    )


def wait_done(job_id: str) -> None:
    conn = connect(local=True, start=False)

    def done() -> bool:
        counts = tasks.get_task_counts(conn.batch, job_id)
        return counts.done and counts.total > 0

    wait_until(done, what=f"job {job_id}")


def frames_of(job_id: str) -> list[str]:
    conn = connect(local=True, start=False)
    names = storage.list_blobs(conn.blobs, OUTPUTS_CONTAINER, prefix=f"{job_id}/images/")
    return sorted(b.name.rsplit("/", 1)[1] for b in names)


def test_uploads_ride_out_503s_and_resets(
    proxied_home: Path, storage_proxy: FaultProxy, example: Path
):
    storage_proxy.inject(Fault("refuse", method="PUT", path="/sha256/", times=2))
    storage_proxy.inject(Fault("reset", method="PUT", path="/sha256/", times=1))
    storage_proxy.inject(Fault("503", method="GET", path="/sha256/", times=2))  # nodes fetching
    result = run_cli(proxied_home, *submit_args(example))
    assert result.returncode == 0, result.stderr
    job_id = json.loads(result.stdout)["job_id"]
    wait_done(job_id)
    assert frames_of(job_id) == FIVE
    assert all(f.times == 0 for f in storage_proxy.faults)


def test_a_blob_lost_before_the_job_is_created_is_sent_again(
    proxied_home: Path, storage_proxy: FaultProxy, azurite: AzuriteProcess, example: Path
):
    scene_blob = blob_name(hashlib.sha256((example / SCENE).read_bytes()).hexdigest())
    direct = BlobServiceClient.from_connection_string(azurite.connection_string)

    def lose_the_scene() -> None:
        direct.get_blob_client(STORE_CONTAINER, scene_blob).delete_blob()

    # The plan is the last blob a submission sends before it creates the job.
    storage_proxy.inject(Fault("delay", method="PUT", path="/plans/", after=lose_the_scene))
    said = [arg for arg in submit_args(example) if arg != "--json"]
    result = run_cli(proxied_home, *said)
    assert result.returncode == 0, result.stderr
    assert "Storage had lost 1 of this job's files" in result.stderr
    job_id = result.stderr.split("Submitted job ", 1)[1].split(" ", 1)[0]
    wait_done(job_id)
    assert frames_of(job_id) == FIVE


def test_download_says_which_delivered_outputs_storage_lost(
    local_home: Path, azurite: AzuriteProcess, example: Path, tmp_path: Path
):
    result = run_cli(local_home, *submit_args(example))
    job_id = json.loads(result.stdout)["job_id"]
    wait_done(job_id)
    direct = BlobServiceClient.from_connection_string(azurite.connection_string)
    lost = f"{job_id}/images/shot010_lighting/masterLayer/shot010_lighting.0003.png"
    direct.get_blob_client(OUTPUTS_CONTAINER, lost).delete_blob()
    out = tmp_path / "out"
    said = run_cli(local_home, "download", job_id, "--to", str(out), "--local")
    assert said.returncode == 1
    assert "1 files that job" in said.stderr and "shot010_lighting.0003.png" in said.stderr
    as_json = run_cli(local_home, "download", job_id, "--to", str(out), "--local", "--json")
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["missing"] == [lost]
    assert len(list(out.rglob("*.png"))) == 4


def test_local_down_lets_azurite_save_everything_it_accepted(own_pool: OwnPool):
    blobs = BlobServiceClient.from_connection_string(
        own_pool.connection["storage_connection_string"]
    )
    container = blobs.create_container("accepted")
    for i in range(40):
        container.upload_blob(f"b{i:02d}", b"x" * i)
    assert run_cli(own_pool.home, "local", "down").returncode == 0  # at once: within 5 s
    assert own_pool.up().returncode == 0
    assert len(list(container.list_blobs())) == 40


def test_after_azurite_crashed_the_next_submission_sends_what_it_lost(
    own_pool: OwnPool, example: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(own_pool.home))
    first = run_cli(own_pool.home, *submit_args(example))
    assert first.returncode == 0, first.stderr
    crash(own_pool.state["azurite_pid"])  # within Azurite's 5 s: some of the upload is lost
    assert own_pool.up().returncode == 0
    again = run_cli(own_pool.home, *submit_args(example))
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["uploaded_files"] > 0  # the lost contents, sent again
    job_id = json.loads(again.stdout)["job_id"]
    wait_done(job_id)
    assert frames_of(job_id) == FIVE
