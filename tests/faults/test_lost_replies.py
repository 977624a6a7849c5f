"""Lost replies and races on submission, through a fault-injecting proxy before the local pool.

Faults: the reply to creating a job lost after the job was made (connection dropped, or a 503
in its place, which the SDK retries into JobExists); tasks that cannot be added; two
submissions of one scene in the same second; storage answering 503 or resetting uploads.
After each: one job per submission, every frame once, no orphan job or pool, no traceback.
"""

from __future__ import annotations

import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from azure_batch_maya.app.connect import Connection, connect
from azure_batch_maya.app.submit import OUTPUTS_CONTAINER, submit
from azure_batch_maya.local.azurite import AzuriteProcess
from azure_batch_maya.local.process import LocalPoolProcess
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.services import jobs, pools, storage, tasks
from tests.app.test_submit import example_project
from tests.faults.conftest import run_cli, submit_args, wait_until
from tests.faults.proxy import Fault, FaultProxy
from tests.fixtures.user_home import point_home_at_local_pool


@pytest.fixture
def batch_proxy(local_pool: LocalPoolProcess) -> Iterator[FaultProxy]:
    proxy = FaultProxy(local_pool.port)
    yield proxy
    proxy.close()


@pytest.fixture
def proxied_home(
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
    local_pool: LocalPoolProcess,
    azurite: AzuriteProcess,
    batch_proxy: FaultProxy,
) -> Path:
    """A user folder whose local pool is the session's, reached through `batch_proxy`."""
    return point_home_at_local_pool(
        home, monkeypatch, local_pool, azurite, batch_url=batch_proxy.url()
    )


def jobs_named(conn: Connection, job_id: str) -> list[str]:
    return [j.id or "" for j in jobs.list_jobs(conn.batch, filter=f"id eq '{job_id}'")]


def finished_frames(conn: Connection, job_id: str) -> list[str]:
    def done() -> bool:
        counts = tasks.get_task_counts(conn.batch, job_id)
        return counts.done and counts.total > 0

    wait_until(done, what=f"job {job_id}")
    prefix = f"{job_id}/images/"
    names = [b.name for b in storage.list_blobs(conn.blobs, OUTPUTS_CONTAINER, prefix=prefix)]
    return sorted(name.rsplit("/", 1)[1] for name in names)


FIVE = [f"shot010_lighting.{i:04d}.png" for i in range(1, 6)]


@pytest.mark.parametrize("kind", ["drop", "503"])
def test_a_lost_reply_to_creating_the_job_is_carried_on_not_orphaned(
    proxied_home: Path, batch_proxy: FaultProxy, example: Path, kind: str
):
    fault = batch_proxy.inject(Fault(kind, method="POST", path="/jobs"))  # type: ignore[arg-type]
    said = [arg for arg in submit_args(example) if arg != "--json"]  # what a person reads
    result = run_cli(proxied_home, *said)
    assert result.returncode == 0, result.stderr
    assert fault.times == 0  # the fault happened
    assert "recognised as this submission's, and carried on" in result.stderr
    job_id = result.stderr.split("Submitted job ", 1)[1].split(" ", 1)[0]
    conn = connect(local=True, start=False)
    assert jobs_named(conn, job_id) == [job_id]
    assert finished_frames(conn, job_id) == FIVE
    assert len(tasks.list_tasks(conn.batch, job_id)) == 5  # none twice


def test_tasks_that_cannot_be_added_leave_no_job_and_no_pool(
    proxied_home: Path, batch_proxy: FaultProxy, example: Path
):
    batch_proxy.inject(Fault("refuse", method="POST", path="/addtaskcollection", times=1000))
    result = run_cli(proxied_home, *submit_args(example), timeout=300)
    assert result.returncode != 0
    assert "was deleted with its pool" in result.stderr, result.stderr
    job_id = result.stderr.split("Job ", 1)[1].split(" ", 1)[0]
    conn = connect(local=True, start=False)
    wait_until(lambda: not jobs_named(conn, job_id), what="the job to go")
    wait_until(lambda: not pools.pool_exists(conn.batch, f"azbm-{job_id}"), what="its pool")


def test_two_submissions_in_the_same_second_both_render_in_full(
    local_home: Path, example: Path, tmp_path: Path
):
    scene, project = example_project(example, tmp_path)
    settings = SubmitSettings(stand_in=True, node_python=sys.executable)
    conn = connect(local=True, start=False)
    now = datetime.now(timezone.utc)
    results: dict[int, str] = {}
    barrier = threading.Barrier(2)

    def one(index: int) -> None:
        barrier.wait()
        results[index] = submit(conn, scene, project, settings, now=now).job_id

    threads = [threading.Thread(target=one, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results.values())) == 2  # same scene, same second, two ids
    for job_id in results.values():
        assert finished_frames(conn, job_id) == FIVE


def test_a_lost_reply_to_creating_a_new_pool_uses_that_pool(
    proxied_home: Path, batch_proxy: FaultProxy, example: Path
):
    pool_id = f"fault-pool-{uuid.uuid4().hex[:8]}"
    fault = batch_proxy.inject(Fault("drop", method="POST", path="/pools"))
    said = [arg for arg in submit_args(example, "--pool", f"new:{pool_id}") if arg != "--json"]
    result = run_cli(proxied_home, *said)
    conn = connect(local=True, start=False)
    try:
        assert result.returncode == 0, result.stderr
        assert fault.times == 0
        assert f"The reply to creating pool {pool_id} was lost" in result.stderr
        job_id = result.stderr.split("Submitted job ", 1)[1].split(" ", 1)[0]
        assert finished_frames(conn, job_id) == FIVE
    finally:
        if pools.pool_exists(conn.batch, pool_id):
            pools.begin_delete_pool(conn.batch, pool_id, polling_interval=1)
