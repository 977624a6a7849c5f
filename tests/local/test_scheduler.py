"""Jobs running on the local pool: preparation, many tasks, retries, limits, termination."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from azure.batch import models as m
from azure.batch.models._models import BatchJobTerminateOptions as TerminateOptions
from azure.core.exceptions import HttpResponseError

from tests.local.conftest import code_of, pool_options, py, wait_for


def _job(batch, job_id, pool_id, **extra):
    batch.create_job(
        m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id), **extra)
    )


def _completed(batch, job_id, total):
    counts = batch.get_job_task_counts(job_id)
    return counts if counts.task_counts.completed == total else None


def test_job_preparation_then_250_tasks_through_create_tasks(batch, tmp_path):
    batch.create_pool(pool_options("many", nodes=4))
    prep = py(
        "import os, pathlib; d = pathlib.Path(os.environ['AZ_BATCH_JOB_PREP_WORKING_DIR']);"
        " (d / 'scene.txt').write_text(os.environ['AZ_BATCH_NODE_ID'])"
    )
    _job(
        batch,
        "many-job",
        "many",
        job_preparation_task=m.BatchJobPreparationTask(command_line=prep),
        all_tasks_complete_mode="noaction",
    )
    code = (
        "import os, pathlib; p = pathlib.Path(os.environ['AZ_BATCH_JOB_PREP_WORKING_DIR']);"
        " print(os.environ['AZ_BATCH_TASK_ID'], (p / 'scene.txt').read_text(),"
        " os.environ['FRAME'], os.getcwd() == os.environ['AZ_BATCH_TASK_WORKING_DIR'])"
    )
    tasks = [
        m.BatchTaskCreateOptions(
            id=f"frame-{i:04d}",
            command_line=py(code),
            environment_settings=[m.EnvironmentSetting(name="FRAME", value=str(i))],
        )
        for i in range(250)
    ]
    result = batch.create_tasks("many-job", tasks, max_concurrency=4)
    assert len(result.result_values) == 250
    assert {r.status for r in result.result_values} == {"Success"}
    batch.update_job("many-job", m.BatchJobUpdateOptions(all_tasks_complete_mode="terminatejob"))

    counts = wait_for(lambda: _completed(batch, "many-job", 250), timeout=120, interval=0.5)
    assert counts.task_counts.succeeded == 250 and counts.task_counts.failed == 0
    assert counts.task_slot_counts.completed == 250
    job = wait_for(lambda: (j := batch.get_job("many-job")).state == "completed" and j)
    assert job.execution_info.termination_reason == "AllTasksComplete"

    stdout = b"".join(batch.download_task_file("many-job", "frame-0042", "stdout.txt")).decode()
    task_id, node_id, frame, in_wd = stdout.split()
    assert (task_id, frame, in_wd) == ("frame-0042", "42", "True")
    task = batch.get_task("many-job", "frame-0042")
    assert task.node_info.node_id == node_id
    assert task.execution_info.exit_code == 0 and task.execution_info.result == "success"
    assert task.execution_info.start_time <= task.execution_info.end_time
    assert task.previous_state == "running"

    statuses = list(batch.list_job_preparation_and_release_task_status("many-job"))
    assert len(statuses) <= 4
    assert {s.job_preparation_task_execution_info.result for s in statuses} == {"success"}
    assert {s.node_id for s in statuses} >= {node_id}

    done = list(batch.list_tasks("many-job", filter="state eq 'completed'", select=["id"]))
    assert len(done) == 250 and all(t.state is None for t in done)
    batch.begin_delete_job("many-job", polling_interval=0.1).result()
    batch.begin_delete_pool("many", polling_interval=0.1)


def test_task_files_listing_and_properties(batch):
    batch.create_pool(pool_options("files", nodes=1))
    _job(batch, "files-job", "files")
    command = py(
        "import pathlib, sys; pathlib.Path('out').mkdir(); pathlib.Path('out/f.exr').write_bytes"
        "(b'12345'); pathlib.Path('big.bin').write_bytes(bytes(range(256)) * 12289);"
        " print('hello'); print('oops', file=sys.stderr)"
    )
    batch.create_task("files-job", m.BatchTaskCreateOptions(id="t", command_line=command))
    wait_for(lambda: batch.get_task("files-job", "t").state == "completed")
    names = sorted(f.name for f in batch.list_task_files("files-job", "t"))
    assert names == ["stderr.txt", "stdout.txt", "wd"]
    deep = {f.name: f for f in batch.list_task_files("files-job", "t", recursive=True)}
    exr = deep[str(Path("wd", "out", "f.exr"))]
    assert not exr.is_directory and exr.properties.content_length == 5
    assert b"".join(batch.download_task_file("files-job", "t", "wd/out/f.exr")) == b"12345"
    part = batch.download_task_file("files-job", "t", "wd/out/f.exr", ocp_range="bytes=1-3")
    assert b"".join(part) == b"234"
    big = b"".join(batch.download_task_file("files-job", "t", "wd/big.bin"))
    assert big == bytes(range(256)) * 12289  # about 3 MB, streamed in pieces
    assert b"".join(batch.download_task_file("files-job", "t", "stderr.txt")).strip() == b"oops"
    properties = batch.get_task_file_properties("files-job", "t", "stdout.txt")
    assert properties.content_length == len(b"hello" + b"\n")
    assert properties.is_directory is False
    assert "stdout.txt" in properties.url

    node = batch.get_task("files-job", "t").node_info
    top = {f.name for f in batch.list_node_files("files", node.node_id)}
    assert {"shared", "startup", "workitems"} <= top
    stdout = str(Path("workitems", "files-job", "job-1", "t", "stdout.txt"))
    everything = {f.name for f in batch.list_node_files("files", node.node_id, recursive=True)}
    assert stdout in everything
    data = b"".join(batch.download_node_file("files", node.node_id, stdout.replace("\\", "/")))
    assert data.strip() == b"hello"
    node_props = batch.get_node_file_properties("files", node.node_id, "workitems")
    assert node_props.is_directory is True
    batch.begin_delete_job("files-job", polling_interval=0.1).result()
    batch.begin_delete_pool("files", polling_interval=0.1)


def test_exit_codes_retries_wall_clock_and_terminate(batch, tmp_path):
    batch.create_pool(pool_options("rules", nodes=3))
    _job(batch, "rules-job", "rules")
    counter = tmp_path / "attempts"
    counter.mkdir()
    flaky = py(
        f"import pathlib, sys; d = pathlib.Path(r'{counter}'); n = len(list(d.iterdir()));"
        " (d / str(n)).touch(); sys.exit(0 if n == 2 else 7)"
    )
    tasks = [
        m.BatchTaskCreateOptions(
            id="flaky",
            command_line=flaky,
            constraints=m.BatchTaskConstraints(max_task_retry_count=3),
        ),
        m.BatchTaskCreateOptions(id="fails", command_line=py("import sys; sys.exit(3)")),
        m.BatchTaskCreateOptions(
            id="slow",
            command_line=py("import time; time.sleep(30)"),
            constraints=m.BatchTaskConstraints(max_wall_clock_time=timedelta(seconds=1)),
        ),
        m.BatchTaskCreateOptions(id="missing", command_line="no-such-program --flag"),
    ]
    batch.create_tasks("rules-job", tasks)
    wait_for(lambda: _completed(batch, "rules-job", 4), timeout=60, interval=0.2)

    flaky_task = batch.get_task("rules-job", "flaky")
    assert flaky_task.execution_info.result == "success"
    assert flaky_task.execution_info.retry_count == 2
    assert len(list(counter.iterdir())) == 3

    fails = batch.get_task("rules-job", "fails").execution_info
    assert (fails.exit_code, fails.result, fails.retry_count) == (3, "failure", 0)
    assert fails.failure_info.category == "usererror"
    assert fails.failure_info.code == "FailureExitCode"

    slow = batch.get_task("rules-job", "slow").execution_info
    assert slow.result == "failure" and slow.failure_info.code == "TaskEnded"
    assert (slow.end_time - slow.start_time).total_seconds() < 10

    missing = batch.get_task("rules-job", "missing").execution_info
    assert missing.failure_info.code == "CommandProgramNotFound"

    batch.create_task(
        "rules-job",
        m.BatchTaskCreateOptions(id="ended", command_line=py("import time; time.sleep(30)")),
    )
    wait_for(lambda: batch.get_task("rules-job", "ended").state == "running")
    batch.terminate_task("rules-job", "ended")
    ended = batch.get_task("rules-job", "ended")
    assert ended.state == "completed"
    assert ended.execution_info.failure_info.code == "TaskEnded"

    counts = batch.get_job_task_counts("rules-job").task_counts
    assert (counts.succeeded, counts.failed, counts.completed) == (1, 4, 5)
    failed = {
        t.id for t in batch.list_tasks("rules-job", filter="executionInfo/result eq 'failure'")
    }
    assert failed == {"fails", "slow", "missing", "ended"}
    batch.begin_delete_job("rules-job", polling_interval=0.1).result()
    batch.begin_delete_pool("rules", polling_interval=0.1)


def test_batch_environment_variables(batch, local_pool):
    batch.create_pool(pool_options("env", nodes=1))
    _job(
        batch,
        "env-job",
        "env",
        common_environment_settings=[m.EnvironmentSetting(name="SHOW", value="demo")],
    )
    dump = py(
        "import json, os; print(json.dumps({k: v for k, v in os.environ.items()"
        " if k.startswith('AZ_BATCH') or k in ('SHOW', 'SHOT')}))"
    )
    batch.create_task(
        "env-job",
        m.BatchTaskCreateOptions(
            id="env-task",
            command_line=dump,
            environment_settings=[m.EnvironmentSetting(name="SHOT", value="010")],
        ),
    )
    wait_for(lambda: batch.get_task("env-job", "env-task").state == "completed")
    env = json.loads(b"".join(batch.download_task_file("env-job", "env-task", "stdout.txt")))
    node = batch.get_task("env-job", "env-task").node_info.node_id
    assert env["AZ_BATCH_ACCOUNT_NAME"] == local_pool.account_name
    assert env["AZ_BATCH_POOL_ID"] == "env" and env["AZ_BATCH_NODE_ID"] == node
    assert env["AZ_BATCH_JOB_ID"] == "env-job" and env["AZ_BATCH_TASK_ID"] == "env-task"
    assert (env["SHOW"], env["SHOT"]) == ("demo", "010")
    root = Path(env["AZ_BATCH_NODE_ROOT_DIR"])
    assert Path(env["AZ_BATCH_NODE_SHARED_DIR"]) == root / "shared"
    assert Path(env["AZ_BATCH_TASK_WORKING_DIR"]) == Path(env["AZ_BATCH_TASK_DIR"]) / "wd"
    assert Path(env["AZ_BATCH_TASK_DIR"]).is_relative_to(root)
    assert "AZ_BATCH_JOB_PREP_WORKING_DIR" not in env
    assert sys.executable
    batch.begin_delete_job("env-job", polling_interval=0.1).result()
    batch.begin_delete_pool("env", polling_interval=0.1)


def test_failed_job_preparation_keeps_tasks_off_that_node(batch):
    batch.create_pool(pool_options("bad-prep", nodes=1))
    _job(
        batch,
        "bad-prep-job",
        "bad-prep",
        job_preparation_task=m.BatchJobPreparationTask(
            command_line=py("import sys; sys.exit(5)"),
            constraints=m.BatchTaskConstraints(max_task_retry_count=1),
        ),
    )
    batch.create_task("bad-prep-job", m.BatchTaskCreateOptions(id="t", command_line=py("pass")))

    def prep_failed():
        statuses = list(batch.list_job_preparation_and_release_task_status("bad-prep-job"))
        info = statuses[0].job_preparation_task_execution_info if statuses else None
        return info if info is not None and info.state == "completed" else None

    info = wait_for(prep_failed)
    assert (info.result, info.exit_code, info.retry_count) == ("failure", 5, 1)
    assert info.failure_info.code == "FailureExitCode"
    # As on Azure, the job's tasks never run on a node whose preparation failed.
    task = batch.get_task("bad-prep-job", "t")
    assert task.state == "active" and task.execution_info.retry_count == 0
    assert batch.get_job_task_counts("bad-prep-job").task_counts.active == 1
    batch.begin_delete_job("bad-prep-job", polling_interval=0.1).result()
    batch.begin_delete_pool("bad-prep", polling_interval=0.1)


def test_update_and_delete_tasks(batch):
    batch.create_pool(pool_options("edit", nodes=1))
    _job(batch, "edit-job", "edit")
    batch.create_task(
        "edit-job",
        m.BatchTaskCreateOptions(id="long", command_line=py("import time; time.sleep(30)")),
    )
    batch.replace_task(
        "edit-job",
        "long",
        m.BatchTask(constraints=m.BatchTaskConstraints(max_task_retry_count=4)),
    )
    constraints = batch.get_task("edit-job", "long").constraints
    assert constraints.max_task_retry_count == 4
    assert constraints.retention_time == timedelta(days=7)
    wait_for(lambda: batch.get_task("edit-job", "long").state == "running")
    batch.delete_task("edit-job", "long")
    assert [t.id for t in batch.list_tasks("edit-job")] == []
    node = next(iter(batch.list_nodes("edit")))
    wait_for(lambda: batch.get_node("edit", node.id).state == "idle")
    batch.begin_delete_job("edit-job", polling_interval=0.1).result()
    batch.begin_delete_pool("edit", polling_interval=0.1)


def test_job_release_runs_where_preparation_ran_when_the_job_ends(batch, tmp_path):
    batch.create_pool(pool_options("release", nodes=2))
    cleaned = tmp_path / "cleaned"
    cleaned.mkdir()
    release = py(
        "import os, pathlib; prep = pathlib.Path(os.environ['AZ_BATCH_JOB_PREP_WORKING_DIR']);"
        " (prep / 'cache.bin').unlink();"
        f" (pathlib.Path(r'{cleaned}') / os.environ['AZ_BATCH_NODE_ID']).touch()"
    )
    _job(
        batch,
        "release-job",
        "release",
        job_preparation_task=m.BatchJobPreparationTask(
            command_line=py("import pathlib; pathlib.Path('cache.bin').write_bytes(b'x')")
        ),
        job_release_task=m.BatchJobReleaseTask(command_line=release),
        all_tasks_complete_mode="noaction",
    )
    batch.create_tasks(
        "release-job",
        [m.BatchTaskCreateOptions(id=f"t{i}", command_line=py("pass")) for i in range(6)],
    )
    batch.update_job("release-job", m.BatchJobUpdateOptions(all_tasks_complete_mode="terminatejob"))
    wait_for(lambda: batch.get_job("release-job").state == "completed", timeout=60)
    statuses = list(batch.list_job_preparation_and_release_task_status("release-job"))
    assert statuses
    for status in statuses:
        info = status.job_release_task_execution_info
        assert info is not None and info.state == "completed" and info.result == "success"
    assert sorted(p.name for p in cleaned.iterdir()) == sorted(s.node_id for s in statuses)
    batch.begin_delete_job("release-job", polling_interval=0.1).result()
    batch.begin_delete_pool("release", polling_interval=0.1)


def test_preparation_and_release_record_exit_codes_and_keep_their_output_files(batch):
    batch.create_pool(pool_options("steps", nodes=1))
    _job(
        batch,
        "steps-job",
        "steps",
        job_preparation_task=m.BatchJobPreparationTask(command_line=py("print('prepared')")),
        job_release_task=m.BatchJobReleaseTask(
            command_line=py("import sys; print('no cache', file=sys.stderr); sys.exit(7)")
        ),
    )
    batch.create_task("steps-job", m.BatchTaskCreateOptions(id="t", command_line=py("pass")))
    batch.update_job("steps-job", m.BatchJobUpdateOptions(all_tasks_complete_mode="terminatejob"))
    wait_for(lambda: batch.get_job("steps-job").state == "completed")
    (status,) = batch.list_job_preparation_and_release_task_status("steps-job")
    prep, release = (
        status.job_preparation_task_execution_info,
        status.job_release_task_execution_info,
    )
    assert (prep.state, prep.result, prep.exit_code, prep.retry_count) == (
        "completed",
        "success",
        0,
        0,
    )
    assert (release.state, release.result, release.exit_code) == ("completed", "failure", 7)
    assert release.failure_info.code == "FailureExitCode"
    assert release.start_time <= release.end_time

    def read(name: str) -> bytes:
        path = f"workitems/steps-job/job-1/{name}"
        return b"".join(batch.download_node_file("steps", status.node_id, path)).strip()

    assert read("jobpreparation/stdout.txt") == b"prepared"
    assert read("jobrelease/stderr.txt") == b"no cache"
    batch.begin_delete_job("steps-job", polling_interval=0.1).result()
    batch.begin_delete_pool("steps", polling_interval=0.1)


def gated(marker):
    """A task command that runs until `marker` exists (so a test decides when it ends)."""
    return py(
        "import os, time; [time.sleep(0.05) for _ in range(1200)"
        f" if not os.path.exists(r'{marker}')]"
    )


def test_disable_requeues_running_tasks_and_enable_runs_them(batch, tmp_path):
    batch.create_pool(pool_options("pause", nodes=1))
    _job(batch, "pause-job", "pause")
    go = tmp_path / "go"
    batch.create_task("pause-job", m.BatchTaskCreateOptions(id="t", command_line=gated(go)))
    wait_for(lambda: batch.get_task("pause-job", "t").state == "running")
    batch.begin_disable_job(
        "pause-job", m.BatchJobDisableOptions(disable_tasks="requeue"), polling_interval=0.1
    ).result()
    job = batch.get_job("pause-job")
    assert (job.state, job.previous_state) == ("disabled", "disabling")
    task = batch.get_task("pause-job", "t")
    assert task.state == "active" and task.execution_info.requeue_count == 1
    go.touch()
    time.sleep(0.5)
    assert batch.get_task("pause-job", "t").state == "active"
    batch.begin_enable_job("pause-job", polling_interval=0.1).result()
    done = wait_for(lambda: (t := batch.get_task("pause-job", "t")).state == "completed" and t)
    assert done.execution_info.result == "success"
    batch.begin_delete_job("pause-job", polling_interval=0.1).result()
    batch.begin_delete_pool("pause", polling_interval=0.1)


def test_shrinking_a_busy_pool_requeues_the_tasks_of_removed_nodes(batch, tmp_path):
    batch.create_pool(pool_options("shrink", nodes=2))
    _job(batch, "shrink-job", "shrink")
    go = tmp_path / "go"
    batch.create_tasks(
        "shrink-job",
        [m.BatchTaskCreateOptions(id=f"t{i}", command_line=gated(go)) for i in range(2)],
    )
    wait_for(lambda: batch.get_job_task_counts("shrink-job").task_counts.running == 2)
    batch.begin_resize_pool(
        "shrink", m.BatchPoolResizeOptions(target_dedicated_nodes=1), polling_interval=0.1
    ).result()
    assert batch.get_pool("shrink").current_dedicated_nodes == 1
    go.touch()
    wait_for(lambda: batch.get_job_task_counts("shrink-job").task_counts.completed == 2)
    infos = [t.execution_info for t in batch.list_tasks("shrink-job")]
    assert all(i.result == "success" for i in infos)
    assert sorted(i.requeue_count for i in infos) == [0, 1]
    batch.begin_delete_job("shrink-job", polling_interval=0.1).result()
    batch.begin_delete_pool("shrink", polling_interval=0.1)


def test_task_slots_and_a_task_too_big_for_any_node(batch):
    batch.create_pool(pool_options("slotted", nodes=1, task_slots_per_node=2))
    _job(batch, "slotted-job", "slotted")
    batch.create_tasks(
        "slotted-job",
        [
            m.BatchTaskCreateOptions(id="a-huge", command_line=py("pass"), required_slots=3),
            m.BatchTaskCreateOptions(id="b-pair", command_line=py("pass"), required_slots=2),
            m.BatchTaskCreateOptions(id="c-one", command_line=py("pass")),
        ],
    )
    counts = wait_for(lambda: _completed(batch, "slotted-job", 2))
    assert (counts.task_counts.active, counts.task_slot_counts.active) == (1, 3)
    assert counts.task_slot_counts.completed == 3
    assert batch.get_task("slotted-job", "a-huge").state == "active"
    batch.begin_delete_job("slotted-job", polling_interval=0.1).result()
    batch.begin_delete_pool("slotted", polling_interval=0.1)


def test_reactivate_a_failed_task_and_add_a_deleted_id_again(batch, tmp_path):
    batch.create_pool(pool_options("again", nodes=1))
    _job(batch, "again-job", "again")
    fixed = tmp_path / "fixed"
    flaky = py(f"import os, sys; sys.exit(0 if os.path.exists(r'{fixed}') else 9)")
    batch.create_task("again-job", m.BatchTaskCreateOptions(id="frame", command_line=flaky))
    failed = wait_for(
        lambda: (t := batch.get_task("again-job", "frame")).state == "completed" and t
    )
    assert failed.execution_info.exit_code == 9
    batch.create_task("again-job", m.BatchTaskCreateOptions(id="ok", command_line=py("pass")))
    wait_for(lambda: batch.get_task("again-job", "ok").state == "completed")
    with pytest.raises(HttpResponseError) as refused:
        batch.reactivate_task("again-job", "ok")  # it succeeded: nothing to reactivate
    assert refused.value.status_code == 409

    fixed.touch()
    batch.reactivate_task("again-job", "frame")
    done = wait_for(lambda: (t := batch.get_task("again-job", "frame")).state == "completed" and t)
    assert (done.execution_info.result, done.execution_info.exit_code) == ("success", 0)

    batch.delete_task_file("again-job", "frame", "stdout.txt")
    names = {f.name for f in batch.list_task_files("again-job", "frame")}
    assert "stdout.txt" not in names and "stderr.txt" in names

    batch.delete_task("again-job", "ok")
    batch.create_task(
        "again-job", m.BatchTaskCreateOptions(id="ok", command_line=py("print('second')"))
    )
    wait_for(lambda: batch.get_task("again-job", "ok").state == "completed")
    out = b"".join(batch.download_task_file("again-job", "ok", "stdout.txt"))
    assert out.strip() == b"second"
    batch.begin_delete_job("again-job", polling_interval=0.1).result()
    batch.begin_delete_pool("again", polling_interval=0.1)


def test_a_failed_task_of_an_ended_job_is_not_reactivated(batch):
    """Batch reactivates only while the job is open: a job that completed (by itself, or
    terminated) answers 409 JobCompleted and its task stays as it ended."""
    batch.create_pool(pool_options("ended", nodes=1))
    fail = py("import sys; sys.exit(3)")
    for job_id in ("ended-job", "stopped-job"):
        _job(batch, job_id, "ended")
        batch.create_task(job_id, m.BatchTaskCreateOptions(id="f", command_line=fail))
    batch.update_job("ended-job", m.BatchJobUpdateOptions(all_tasks_complete_mode="terminatejob"))
    wait_for(lambda: batch.get_job("ended-job").state == "completed")
    wait_for(lambda: batch.get_task("stopped-job", "f").state == "completed")
    batch.begin_terminate_job(
        "stopped-job", TerminateOptions(termination_reason="Cancelled"), polling_interval=0.1
    ).result()
    for job_id in ("ended-job", "stopped-job"):
        with pytest.raises(HttpResponseError) as refused:
            batch.reactivate_task(job_id, "f")
        assert (refused.value.status_code, code_of(refused.value)) == (409, "JobCompleted")
        task = batch.get_task(job_id, "f")
        assert (task.state, task.execution_info.exit_code) == ("completed", 3)
    batch.begin_delete_job("ended-job", polling_interval=0.1).result()
    batch.begin_delete_job("stopped-job", polling_interval=0.1).result()
    batch.begin_delete_pool("ended", polling_interval=0.1)


def test_a_task_folder_goes_after_its_retention_time(batch):
    batch.create_pool(pool_options("kept", nodes=1))
    _job(batch, "kept-job", "kept")
    short = m.BatchTaskConstraints(retention_time=timedelta(seconds=1))
    batch.create_tasks(
        "kept-job",
        [
            m.BatchTaskCreateOptions(id="brief", command_line=py("print(1)"), constraints=short),
            m.BatchTaskCreateOptions(id="kept", command_line=py("print(2)")),
        ],
    )
    wait_for(lambda: _completed(batch, "kept-job", 2))
    wait_for(lambda: not list(batch.list_task_files("kept-job", "brief")), timeout=10)
    assert batch.get_task("kept-job", "brief").execution_info.result == "success"
    assert {f.name for f in batch.list_task_files("kept-job", "kept")} >= {"stdout.txt"}
    batch.begin_delete_job("kept-job", polling_interval=0.1).result()
    batch.begin_delete_pool("kept", polling_interval=0.1)
