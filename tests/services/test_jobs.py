"""Jobs over HTTP on the local pool: submitted with a preparation task, run, terminated, deleted."""

from __future__ import annotations

import sys
import threading
from datetime import timedelta

import pytest

from azure_batch_maya.services.batch import (
    JobPreparationSpec,
    JobSpec,
    OutputFileSpec,
    ResourceFileSpec,
    TaskSpec,
    metadata_dict,
)
from azure_batch_maya.services.errors import NotFoundError, TransferCancelledError
from azure_batch_maya.services.jobs import (
    begin_delete_job,
    begin_terminate_job,
    create_job,
    get_job,
    list_jobs,
    submit_job,
)
from azure_batch_maya.services.pools import begin_delete_pool, create_pool, pool_exists
from azure_batch_maya.services.sas import SasAccess, create_container_sas_url
from azure_batch_maya.services.storage import (
    create_container,
    download_file,
    list_blobs,
    upload_file,
)
from azure_batch_maya.services.tasks import (
    download_task_file,
    get_task_counts,
    list_task_files,
    list_tasks,
    read_task_file,
)
from tests.services.specs import ubuntu_pool, unique, wait_for

PREPARE = "open('prepared.txt', 'w').write('inputs ready')"
RENDER = (
    "import os; p = os.path.join(os.environ['AZ_BATCH_JOB_PREP_WORKING_DIR'], 'prepared.txt'); "
    "print(open(p).read() + ', frame"
)


def test_a_job_with_preparation_runs_its_tasks_and_their_files_come_home(batch, tmp_path):
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=1, task_slots_per_node=4))
    python = "python" if sys.platform == "win32" else "python3"
    job = JobSpec(
        id=job_id,
        pool_id=pool_id,
        metadata={"scene": "shot010.ma"},
        preparation=JobPreparationSpec(command_line=f'{python} -c "{PREPARE}"'),
    )
    tasks = [
        TaskSpec(id=f"frame-{i:04d}", command_line=f'{python} -c "{RENDER} {i}\')"')
        for i in range(1, 9)
    ]
    assert submit_job(batch, job, tasks, max_concurrency=2) == 8

    wait_for(lambda: get_task_counts(batch, job_id).completed == 8, timeout=60)
    counts = get_task_counts(batch, job_id)
    assert counts.succeeded == 8
    assert counts.done
    assert wait_for(lambda: get_job(batch, job_id, select=["state"]).state == "completed")

    listed = list_tasks(batch, job_id, filter="state eq 'completed'", select=["id", "state"])
    assert len(listed) == 8
    assert listed[0].command_line is None

    jobs = list_jobs(batch, filter=f"id eq '{job_id}'", select=["id", "metadata"])
    assert metadata_dict(jobs[0].metadata) == {"scene": "shot010.ma"}

    names = {f.name for f in list_task_files(batch, job_id, "frame-0007")}
    assert {"stdout.txt", "stderr.txt"} <= names
    assert (
        read_task_file(batch, job_id, "frame-0007", "stdout.txt").strip()
        == b"inputs ready, frame 7"
    )
    target = tmp_path / "logs" / "frame-0007.stdout.txt"
    size = download_task_file(batch, job_id, "frame-0007", "stdout.txt", target)
    assert target.read_bytes().strip() == b"inputs ready, frame 7"
    assert size == target.stat().st_size

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TransferCancelledError):
        download_task_file(
            batch, job_id, "frame-0008", "stdout.txt", tmp_path / "f8.txt", cancel=cancel
        )
    assert not (tmp_path / "f8.txt").exists()
    assert not (tmp_path / "f8.txt.part").exists()

    begin_delete_job(batch, job_id, polling_interval=1).wait(timeout=30)
    with pytest.raises(NotFoundError):
        get_job(batch, job_id)
    begin_delete_pool(batch, pool_id, polling_interval=1).wait(timeout=30)


def test_a_job_terminated_without_a_reason_completes(batch):
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=0))
    create_job(batch, JobSpec(id=job_id, pool_id=pool_id, terminate_when_tasks_complete=False))
    begin_terminate_job(batch, job_id, polling_interval=1).wait(30)
    job = get_job(batch, job_id)
    assert job.state == "completed"
    assert job.execution_info is not None
    assert job.execution_info.termination_reason == "UserTerminate"
    begin_delete_job(batch, job_id, polling_interval=1)


def test_a_terminated_job_completes_with_its_reason(batch):
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=0))
    create_job(batch, JobSpec(id=job_id, pool_id=pool_id, terminate_when_tasks_complete=False))
    begin_terminate_job(batch, job_id, reason="cancelled by user", polling_interval=1).wait(30)
    job = get_job(batch, job_id)
    assert job.state == "completed"
    assert job.execution_info is not None
    assert job.execution_info.termination_reason == "cancelled by user"
    begin_delete_job(batch, job_id, polling_interval=1).wait(timeout=30)
    begin_delete_pool(batch, pool_id, polling_interval=1).wait(timeout=30)


def test_a_job_on_an_auto_pool_runs_and_takes_its_pool_with_it(batch):
    job_id = unique("job")
    python = "python" if sys.platform == "win32" else "python3"
    spec = JobSpec(id=job_id, auto_pool=ubuntu_pool("auto", dedicated_nodes=1))
    tasks = [TaskSpec(id="frame-0001", command_line=f"{python} -c \"print('auto')\"")]
    assert submit_job(batch, spec, tasks) == 1
    wait_for(lambda: get_job(batch, job_id, select=["state"]).state == "completed", timeout=60)
    job = get_job(batch, job_id)
    assert job.execution_info is not None
    pool_id = job.execution_info.pool_id
    assert pool_id is not None
    assert pool_id.startswith("auto")
    assert get_task_counts(batch, job_id).succeeded == 1
    wait_for(lambda: not pool_exists(batch, pool_id), timeout=60)
    begin_delete_job(batch, job_id, polling_interval=1).wait(timeout=30)


# Blobs under a prefix land under their full names in the working directory, as on Batch.
SHOUT = (
    "import pathlib; text = pathlib.Path('v1/inputs/scene.ma').read_text(); "
    "pathlib.Path('images').mkdir(); "
    "pathlib.Path('images/beauty.0001.exr').write_text(text.upper())"
)


def test_inputs_come_through_a_read_sas_and_frames_go_home_through_a_write_sas(
    batch, client, tmp_path
):
    inputs, outputs = unique("inputs"), unique("outputs")
    create_container(client, inputs)
    create_container(client, outputs)
    scene = tmp_path / "scene.ma"
    scene.write_text("//maya ascii")
    upload_file(client, inputs, scene, "v1/inputs/scene.ma")
    read = create_container_sas_url(
        client, inputs, access=SasAccess.INPUTS, time_limit=timedelta(hours=1)
    )
    write = create_container_sas_url(
        client, outputs, access=SasAccess.OUTPUTS, time_limit=timedelta(hours=1)
    )
    python = "python" if sys.platform == "win32" else "python3"
    task = TaskSpec(
        id="frame-0001",
        command_line=f'{python} -c "{SHOUT}"',
        resource_files=(ResourceFileSpec(container_url=read, blob_prefix="v1/"),),
        output_files=(OutputFileSpec(pattern="images/*.exr", container_url=write, path="shot010"),),
    )
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=1))
    submit_job(batch, JobSpec(id=job_id, pool_id=pool_id), [task])
    wait_for(lambda: get_task_counts(batch, job_id).completed == 1, timeout=60)
    assert get_task_counts(batch, job_id).succeeded == 1, read_task_file(
        batch, job_id, "frame-0001", "stderr.txt"
    )

    [frame] = list(list_blobs(client, outputs))
    assert frame.name == "shot010/beauty.0001.exr"
    home = tmp_path / "home" / "beauty.0001.exr"
    download_file(client, outputs, frame.name, home)
    assert home.read_text() == "//MAYA ASCII"
    begin_delete_job(batch, job_id, polling_interval=1).wait(timeout=30)
    begin_delete_pool(batch, pool_id, polling_interval=1).wait(timeout=30)
