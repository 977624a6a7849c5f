"""Jobs and pools on the session's local pool + Azurite for the `jobs`, `pools`, `download` tests.

A stand-in job finishes within a second or two, too fast to cancel or to watch. A job sent to
a pool of 0 nodes waits instead, until the test resizes the pool: the test decides when frames
arrive.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.app.connect import Connection, connect
from azure_batch_maya.app.submit import OUTPUTS_CONTAINER
from azure_batch_maya.cli import main
from azure_batch_maya.services import jobs, pools, storage, tasks
from azure_batch_maya.services.batch import (
    JobPreparationSpec,
    JobSpec,
    MarketplaceImage,
    OutputFileSpec,
    PoolSpec,
    TaskSpec,
)
from azure_batch_maya.services.sas import SasAccess, create_container_sas_url
from tests.fixtures.user_home import copy_examples, point_home_at_local_pool

REPO = Path(__file__).resolve().parents[2]
__all__ = ["copy_examples", "point_home_at_local_pool"]
UBUNTU = MarketplaceImage("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04")
VM_SIZE = "Standard_D4s_v5"


def local() -> Connection:
    return connect(local=True, start=False)


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    """Run the CLI with --json; stdout must be exactly one JSON object."""
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and out.endswith("\n"), f"exit {code}; stdout {out!r}; {err}"
    data = json.loads(out)
    assert isinstance(data, dict)
    return code, data


def submit_stand_in(capsys: pytest.CaptureFixture[str], example: Path, *extra: str) -> str:
    """Submit frames 1-5 of the example scene with the stand-in renderer; the job id."""
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    code, data = run_json(
        capsys,
        "submit",
        str(scene),
        "--search-path",
        str(example / "texture_library"),
        "--local",
        "--stand-in",
        *extra,
    )
    assert code == 0, data
    job_id: str = data["job_id"]
    return job_id


def empty_pool(conn: Connection) -> str:
    """A persistent pool with no nodes: jobs sent to it wait until it is resized."""
    pool_id = f"test-pool-{uuid.uuid4().hex[:8]}"
    pools.create_pool(conn.batch, PoolSpec(pool_id, VM_SIZE, UBUNTU))
    return pool_id


def delete_pool_if_any(conn: Connection, pool_id: str) -> None:
    if pools.pool_exists(conn.batch, pool_id):
        pools.begin_delete_pool(conn.batch, pool_id, polling_interval=1)


def wait_until(check: Callable[[], bool], *, timeout: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


def wait_for_job(conn: Connection, job_id: str) -> None:
    def done() -> bool:
        counts = tasks.get_task_counts(conn.batch, job_id)
        return counts.done and counts.total > 0

    wait_until(done, what=f"job {job_id} to finish")


def command_line(argv: list[str]) -> str:
    """A task command line the local pool runs on this machine."""
    if sys.platform == "win32":
        return subprocess.list2cmdline(argv)
    import shlex

    return shlex.join(argv)


def failing_job(conn: Connection, *, exit_code: int, stderr: str) -> str:
    """A one-task job (on its own auto-pool) that writes `stderr` and exits with `exit_code`.

    Its stderr goes to the outputs container where `submission.stderr_tail` looks for it.
    """
    job_id = f"test-fail-{uuid.uuid4().hex[:8]}"
    storage.ensure_container(conn.blobs, OUTPUTS_CONTAINER)
    outputs = create_container_sas_url(
        conn.blobs,
        OUTPUTS_CONTAINER,
        access=SasAccess.OUTPUTS,
        time_limit=timedelta(hours=1),
        now=datetime.now(timezone.utc),
    )
    code = f"import sys; sys.stderr.write({stderr!r}); sys.exit({exit_code})"
    task = TaskSpec(
        "frame-0001",
        command_line([sys.executable, "-c", code]),
        output_files=(
            OutputFileSpec("../stderr.txt", outputs, f"{job_id}/logs/frame-0001/stderr.txt"),
        ),
    )
    spec = JobSpec(job_id, auto_pool=PoolSpec("test-fail", VM_SIZE, UBUNTU, dedicated_nodes=1))
    jobs.submit_job(conn.batch, spec, [task])
    return job_id


def unpreparable_job(conn: Connection, *, stderr: str) -> str:
    """A one-task job (on its own auto-pool) whose preparation fails, so its task never starts."""
    job_id = f"test-prep-{uuid.uuid4().hex[:8]}"
    code = f"import sys; sys.stderr.write({stderr!r}); sys.exit(9)"
    spec = JobSpec(
        job_id,
        auto_pool=PoolSpec("test-prep", VM_SIZE, UBUNTU, dedicated_nodes=1),
        preparation=JobPreparationSpec(command_line([sys.executable, "-c", code]), max_retries=0),
    )
    task = TaskSpec("frame-0001", command_line([sys.executable, "-c", "print(1)"]))
    jobs.submit_job(conn.batch, spec, [task])
    return job_id
