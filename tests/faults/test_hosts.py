"""A task host killed mid-task: the task is requeued, runs again, and ends once.

Fault: SIGKILL of the small process that runs one task's command for the local pool (as when
a node's agent dies). The server sees the host gone without a result and requeues the task
(as Batch does for a node that restarts); it is not counted as a retry.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from azure.batch import models as m

from azure_batch_maya.local.process import start_local_pool
from tests.local.conftest import client_for, pool_options, py, wait_for

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds hosts through /proc")


def hosts_of(data: Path) -> list[int]:
    """Pids of the task hosts running over `data` (their command line names host.py)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "host.py" in command and str(data) in command:
            found.append(int(entry.name))
    return found


def test_a_killed_host_is_requeued_and_its_task_ends_once(tmp_path: Path):
    gate = tmp_path / "gate"
    runs = tmp_path / "runs"
    command = py(
        f"import pathlib, time; open(r'{runs}', 'a').write('x');"
        f" [time.sleep(0.05) for _ in range(400) if not pathlib.Path(r'{gate}').exists()]"
    )
    with start_local_pool(tmp_path / "pool", slots=1) as pool:
        batch = client_for(pool)
        batch.create_pool(pool_options("p", nodes=1))
        batch.create_job(m.BatchJobCreateOptions(id="j", pool_info=m.BatchPoolInfo(pool_id="p")))
        batch.create_task("j", m.BatchTaskCreateOptions(id="t", command_line=command))
        (host,) = wait_for(lambda: hosts_of(pool.data_dir))
        wait_for(lambda: runs.exists())
        os.kill(host, signal.SIGKILL)
        wait_for(lambda: len(runs.read_text()) == 2)  # requeued: a new host runs it again
        gate.touch()
        wait_for(lambda: batch.get_task("j", "t").state == "completed")
        info = batch.get_task("j", "t").execution_info
        tasks = list(batch.list_tasks("j"))
    assert [t.id for t in tasks] == ["t"]
    assert info is not None and info.result == "success"
    assert info.requeue_count == 1 and info.retry_count == 0
