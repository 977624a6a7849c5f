"""The local pool as a process: killed mid-job and restarted, it finishes every task once."""

from __future__ import annotations

import os
import sys
import time

import pytest
from azure.batch import models as m

from azure_batch_maya.local.process import LocalPoolError, start_local_pool
from azure_batch_maya.system.processes import runs
from tests.local.conftest import client_for, pool_options, py, wait_for

TASKS = 40


def test_killed_and_restarted_mid_job_runs_every_task_exactly_once(tmp_path):
    data = tmp_path / "pool"
    markers = tmp_path / "markers"
    markers.mkdir()
    first = start_local_pool(data, slots=4)
    try:
        batch = client_for(first)
        batch.create_pool(pool_options("crash", nodes=4))
        batch.create_job(
            m.BatchJobCreateOptions(
                id="crash-job",
                pool_info=m.BatchPoolInfo(pool_id="crash"),
                job_preparation_task=m.BatchJobPreparationTask(
                    command_line=py(
                        f"import pathlib; (pathlib.Path(r'{markers}') / 'prep').touch()"
                    )
                ),
            )
        )
        code = (
            f"import os, pathlib, time; marker = pathlib.Path(r'{markers}') /"
            " os.environ['AZ_BATCH_TASK_ID']; f = marker.open('a'); f.write('ran\\n');"
            " f.close(); time.sleep(0.6)"
        )
        batch.create_tasks(
            "crash-job",
            [m.BatchTaskCreateOptions(id=f"t{i:03d}", command_line=py(code)) for i in range(TASKS)],
        )
        batch.update_job(
            "crash-job", m.BatchJobUpdateOptions(all_tasks_complete_mode="terminatejob")
        )

        def some_done_some_running():
            counts = batch.get_job_task_counts("crash-job").task_counts
            return counts.completed >= 4 and counts.running >= 2

        wait_for(some_done_some_running, timeout=60, interval=0.05)
        running = {t.id for t in batch.list_tasks("crash-job", filter="state eq 'running'")}
        first.kill()
        assert not first.running
    finally:
        first.kill()

    time.sleep(0.3)  # the killed server's running tasks go on meanwhile
    with start_local_pool(data, port=first.port, slots=4) as second:
        assert (second.url, second.account_key) == (first.url, first.account_key)
        batch = client_for(second)
        job = wait_for(
            lambda: (j := batch.get_job("crash-job")).state == "completed" and j,
            timeout=90,
            interval=0.2,
        )
        assert job.execution_info.termination_reason == "AllTasksComplete"
        counts = batch.get_job_task_counts("crash-job").task_counts
        assert (counts.completed, counts.succeeded) == (TASKS, TASKS)
        infos = {t.id: t.execution_info for t in batch.list_tasks("crash-job")}
        assert all(i is not None and i.result == "success" for i in infos.values())
        assert batch.get_pool("crash").current_dedicated_nodes == 4
        # Tasks that were running when the server died were adopted, not run again.
        adopted = [infos[task_id] for task_id in running]
        assert adopted and all(i is not None and i.requeue_count == 0 for i in adopted)
    assert "resuming task crash-job/" in (data / "server.log").read_text()

    runs = {path.name: path.read_text().count("ran") for path in markers.iterdir()}
    assert runs.pop("prep", None) is not None
    assert runs == {f"t{i:03d}": 1 for i in range(TASKS)}


def test_nodes_freed_by_a_deleting_pool_go_to_the_next_pool(tmp_path):
    with start_local_pool(tmp_path / "pool", slots=2) as pool:
        batch = client_for(pool)
        batch.create_pool(pool_options("first", nodes=2))
        wait_for(lambda: batch.get_pool("first").current_dedicated_nodes == 2)
        batch.begin_delete_pool("first", polling_interval=1)
        batch.create_pool(pool_options("second", nodes=2))
        second = wait_for(
            lambda: (p := batch.get_pool("second")).allocation_state == "steady" and p
        )
        assert second.current_dedicated_nodes == 2 and not second.resize_errors
        batch.create_pool(pool_options("third", nodes=1))
        third = wait_for(lambda: (p := batch.get_pool("third")).allocation_state == "steady" and p)
        assert third.current_dedicated_nodes == 0
        assert third.resize_errors and third.resize_errors[0].code == "AccountCoreQuotaReached"


def test_a_second_server_on_the_same_data_folder_is_refused(tmp_path, local_pool):
    with pytest.raises(LocalPoolError) as caught:
        start_local_pool(local_pool.data_dir, slots=1)
    assert "Another local pool is already serving" in str(caught.value)
    assert local_pool.running


def test_runs_checks_the_command_line_of_a_recorded_pid():
    assert runs(os.getpid(), "pytest") or runs(os.getpid(), "python")
    if sys.platform != "win32":
        assert not runs(os.getpid(), "certainly-not-in-this-command-line")


def test_killed_during_job_preparation_the_preparation_still_runs_once(tmp_path):
    data = tmp_path / "pool"
    markers = tmp_path / "markers"
    markers.mkdir()
    count = (
        "import os, pathlib, time; name = os.environ['AZ_BATCH_TASK_ID'];"
        f" f = (pathlib.Path(r'{markers}') / name).open('a'); f.write('ran\\n'); f.close();"
        " time.sleep(1.5 if name == 'jobpreparation' else 0)"
    )
    first = start_local_pool(data, slots=1)
    try:
        batch = client_for(first)
        batch.create_pool(pool_options("prep-crash", nodes=1))
        batch.create_job(
            m.BatchJobCreateOptions(
                id="prep-crash-job",
                pool_info=m.BatchPoolInfo(pool_id="prep-crash"),
                job_preparation_task=m.BatchJobPreparationTask(command_line=py(count)),
            )
        )
        batch.create_tasks(
            "prep-crash-job",
            [m.BatchTaskCreateOptions(id=f"t{i}", command_line=py(count)) for i in range(3)],
        )
        wait_for(lambda: (markers / "jobpreparation").exists(), timeout=30, interval=0.05)
        assert batch.get_job_task_counts("prep-crash-job").task_counts.running == 0
        first.kill()
    finally:
        first.kill()
    with start_local_pool(data, port=first.port, slots=1) as second:
        batch = client_for(second)
        wait_for(
            lambda: batch.get_job_task_counts("prep-crash-job").task_counts.succeeded == 3,
            timeout=60,
        )
        statuses = list(batch.list_job_preparation_and_release_task_status("prep-crash-job"))
        info = statuses[0].job_preparation_task_execution_info
        assert info is not None and info.result == "success" and info.retry_count == 0
    runs = {path.name: path.read_text().count("ran") for path in markers.iterdir()}
    assert runs == {"jobpreparation": 1, "t0": 1, "t1": 1, "t2": 1}
