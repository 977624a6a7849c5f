"""A host killed mid-step: a task is requeued and ends once; a node's own step runs again.

Fault: SIGKILL of the small process that runs one step's command for the local pool (as when
a node's agent dies). The server sees the host gone without a result and requeues the task
(as Batch does for a node that restarts; not counted as a retry). A start task or job
preparation runs again in place, `steps.MAX_LOST_HOSTS` times at most.
"""

from __future__ import annotations

import os
import signal
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from azure.batch import BatchClient
from azure.batch import models as m

from azure_batch_maya.local.process import LocalPoolProcess, start_local_pool
from azure_batch_maya.local.steps import MAX_LOST_HOSTS
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


def gated(runs: Path, gate: Path, mark: str) -> str:
    """A command that appends `mark` to `runs`, then waits (20 s at most) for `gate`."""
    return py(
        f"import pathlib, time; open(r'{runs}', 'a').write('{mark}');"
        f" [time.sleep(0.05) for _ in range(400) if not pathlib.Path(r'{gate}').exists()]"
    )


def kill_the_host(data: Path, runs: Path) -> None:
    """SIGKILL the one host running over `data` once its command has started."""
    (host,) = wait_for(lambda: hosts_of(data))
    wait_for(lambda: runs.exists())
    os.kill(host, signal.SIGKILL)


def one_task(pool: LocalPoolProcess, command: str, **job: Any) -> BatchClient:
    """Pool `p` of one node, job `j` (with `job`'s properties) and its task `t` running
    `command`."""
    batch = client_for(pool)
    batch.create_pool(pool_options("p", nodes=1))
    batch.create_job(m.BatchJobCreateOptions(id="j", pool_info=m.BatchPoolInfo(pool_id="p"), **job))
    batch.create_task("j", m.BatchTaskCreateOptions(id="t", command_line=command))
    return batch


def test_a_killed_host_is_requeued_and_its_task_ends_once(tmp_path: Path):
    gate = tmp_path / "gate"
    runs = tmp_path / "runs"
    command = gated(runs, gate, "x")
    with start_local_pool(tmp_path / "pool", slots=1) as pool:
        batch = one_task(pool, command)
        kill_the_host(pool.data_dir, runs)
        wait_for(lambda: len(runs.read_text()) == 2)  # requeued: a new host runs it again
        gate.touch()
        wait_for(lambda: batch.get_task("j", "t").state == "completed")
        info = batch.get_task("j", "t").execution_info
        tasks = list(batch.list_tasks("j"))
    assert [t.id for t in tasks] == ["t"]
    assert info is not None and info.result == "success"
    assert info.requeue_count == 1 and info.retry_count == 0


def test_a_killed_job_preparation_host_runs_the_preparation_again_in_place(tmp_path: Path):
    """A preparation's host gone without a result (its node "restarted") runs it again once,
    as a start task's does; its task waits for it and runs once, neither retried nor requeued."""
    gate = tmp_path / "gate"
    runs = tmp_path / "runs"
    prepare = gated(runs, gate, "p")
    with start_local_pool(tmp_path / "pool", slots=1) as pool:
        batch = one_task(
            pool,
            py(f"open(r'{runs}', 'a').write('t')"),
            job_preparation_task=m.BatchJobPreparationTask(command_line=prepare),
        )
        kill_the_host(pool.data_dir, runs)
        wait_for(lambda: runs.read_text() == "pp", timeout=15)  # a new host runs it again
        gate.touch()
        wait_for(lambda: batch.get_task("j", "t").state == "completed")
        info = batch.get_task("j", "t").execution_info
        (status,) = batch.list_job_preparation_and_release_task_status("j")
    assert runs.read_text() == "ppt"
    assert info is not None and info.result == "success"
    assert (info.retry_count, info.requeue_count) == (0, 0)
    prep = status.job_preparation_task_execution_info
    assert prep is not None and (prep.result, prep.retry_count) == ("success", 0)


def ran(runs: Path, count: int) -> bool:
    """True once `count` runs were marked in `runs`."""
    return runs.exists() and len(runs.read_text()) == count


def test_a_start_task_whose_hosts_keep_dying_fails_as_the_local_pools_fault(tmp_path: Path):
    """A lost host runs the start task again, but only MAX_LOST_HOSTS times: then the node is
    `starttaskfailed` with the local pool's own error, not retried for ever."""
    gate = tmp_path / "gate"
    runs = tmp_path / "runs"
    with start_local_pool(tmp_path / "pool", slots=1) as pool:
        batch = client_for(pool)
        start = m.BatchStartTask(command_line=gated(runs, gate, "s"))
        batch.create_pool(pool_options("p", nodes=1, start_task=start))
        for count in range(1, MAX_LOST_HOSTS + 2):
            wait_for(partial(ran, runs, count))
            kill_the_host(pool.data_dir, runs)
        node = wait_for(
            lambda: (n := next(iter(batch.list_nodes("p")))).state == "starttaskfailed" and n
        )
        gate.touch()  # lets the killed hosts' commands end
    info = node.start_task_info
    assert info is not None and info.failure_info is not None
    assert (info.result, info.failure_info.code) == ("failure", "LocalPoolError")
    assert len(runs.read_text()) == MAX_LOST_HOSTS + 1
