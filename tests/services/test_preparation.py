"""A job whose preparation fails: Batch keeps its tasks waiting, and we can tell why."""

from __future__ import annotations

import sys

from azure_batch_maya.services.batch import JobPreparationSpec, JobSpec, TaskSpec
from azure_batch_maya.services.jobs import begin_delete_job, submit_job
from azure_batch_maya.services.pools import begin_delete_pool, create_pool
from azure_batch_maya.services.tasks import get_task_counts, preparation_failures
from tests.services.specs import ubuntu_pool, unique, wait_for

FAIL = "import sys; sys.stderr.write('cannot reach the asset store\\n'); sys.exit(4)"


def test_a_failed_preparation_is_named_with_its_exit_code_and_stderr(batch):
    python = "python" if sys.platform == "win32" else "python3"
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=1))
    job = JobSpec(
        id=job_id,
        pool_id=pool_id,
        preparation=JobPreparationSpec(command_line=f'{python} -c "{FAIL}"', max_retries=0),
    )
    submit_job(batch, job, [TaskSpec(id="frame-1", command_line=f'{python} -c "print(1)"')])
    try:
        (failure,) = wait_for(lambda: preparation_failures(batch, job_id), timeout=60)
        assert failure.exit_code == 4
        assert failure.node_id
        assert failure.stderr_tail == "cannot reach the asset store\n"
        counts = get_task_counts(batch, job_id)
        assert (counts.active, counts.running, counts.completed) == (1, 0, 0)  # waits for ever
    finally:
        begin_delete_job(batch, job_id, polling_interval=1)
        begin_delete_pool(batch, pool_id, polling_interval=1)


def test_no_failure_when_the_preparation_succeeds(batch):
    python = "python" if sys.platform == "win32" else "python3"
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=1))
    job = JobSpec(
        id=job_id, pool_id=pool_id, preparation=JobPreparationSpec(command_line=f"{python} -V")
    )
    submit_job(batch, job, [TaskSpec(id="frame-1", command_line=f"{python} -V")])
    try:
        wait_for(lambda: get_task_counts(batch, job_id).completed == 1, timeout=60)
        assert preparation_failures(batch, job_id) == ()
    finally:
        begin_delete_job(batch, job_id, polling_interval=1)
        begin_delete_pool(batch, pool_id, polling_interval=1)
