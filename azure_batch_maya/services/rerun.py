"""Re-running a job's failed tasks: reactivated in place, or copied into a follow-up job.

Batch reactivates a failed task only while its job is active; ours end by themselves once every
task completed, so a finished job's failed tasks go into a new job made from the same job and
task bodies: the same command lines, the same (content-addressed) inputs and manifest, the
same output destinations, so their images land beside the job's others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from azure.batch import BatchClient, models

from azure_batch_maya.services.operations import batch_call
from azure_batch_maya.services.tasks import add_task_options

log = logging.getLogger(__name__)

RETRY_OF = "abm-retry-of"  # metadata naming the job whose tasks a follow-up job re-runs


def copy_task(task: models.BatchTask) -> models.BatchTaskCreateOptions:
    """A create-task body equal to an existing task's (what it ran, fetched, uploaded)."""
    return models.BatchTaskCreateOptions(
        id=task.id,
        display_name=task.display_name,
        command_line=task.command_line,
        container_settings=task.container_settings,
        resource_files=task.resource_files,
        output_files=task.output_files,
        environment_settings=task.environment_settings,
        constraints=task.constraints,
        required_slots=task.required_slots,
        user_identity=task.user_identity,
        exit_conditions=task.exit_conditions,
    )


def copy_job(job: models.BatchJob, new_id: str, *, retry_of: str) -> models.BatchJobCreateOptions:
    """A create-job body like `job` (pool or auto-pool, preparation, environment, limits)
    under `new_id`, marked as re-running `retry_of`'s tasks; it ends once they all completed
    (set after they are added, as `jobs.submit_job` does)."""
    metadata = [m for m in job.metadata or () if m.name != RETRY_OF]
    metadata.append(models.BatchMetadataItem(name=RETRY_OF, value=retry_of))
    return models.BatchJobCreateOptions(
        id=new_id,
        display_name=job.display_name,
        priority=job.priority,
        constraints=job.constraints,
        job_preparation_task=job.job_preparation_task,
        job_release_task=job.job_release_task,
        common_environment_settings=job.common_environment_settings,
        pool_info=job.pool_info,
        network_configuration=job.network_configuration,
        metadata=metadata,
        all_tasks_complete_mode=models.BatchAllTasksCompleteMode.NO_ACTION,
    )


def rerun_in_new_job(
    client: BatchClient,
    job: models.BatchJob,
    tasks: Sequence[models.BatchTask],
    new_id: str,
    *,
    retry_of: str,
) -> int:
    """Create the follow-up job with copies of `tasks`; the number of tasks added."""
    with batch_call(client, f"creating job {new_id} to re-run tasks of {retry_of}"):
        client.create_job(copy_job(job, new_id, retry_of=retry_of))
    added = add_task_options(client, new_id, [copy_task(t) for t in tasks])
    options = models.BatchJobUpdateOptions(
        all_tasks_complete_mode=models.BatchAllTasksCompleteMode.TERMINATE_JOB
    )
    with batch_call(client, f"updating job {new_id}"):
        client.update_job(new_id, options)
    log.info("re-running %d tasks of %s as job %s", added, job.id, new_id)
    return added
