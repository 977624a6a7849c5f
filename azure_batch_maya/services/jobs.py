"""Jobs: create (and submit with their tasks), inspect, list, terminate and delete."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from azure.batch import BatchClient, models

# The SDK's own terminate signature names this model, which its `models` does not export.
from azure.batch.models._models import BatchJobTerminateOptions

from azure_batch_maya.services.batch import JobSpec, TaskSpec, job_create_options
from azure_batch_maya.services.operations import Operation, account_name, batch_call
from azure_batch_maya.services.tasks import create_tasks

log = logging.getLogger(__name__)


def create_job(client: BatchClient, spec: JobSpec) -> None:
    """Create a job on its pool or auto-pool (with tasks to add, `submit_job` is safer)."""
    with batch_call(client, f"creating job {spec.id}"):
        client.create_job(job_create_options(spec))
    log.info("created job %s", spec.id)


def update_job(
    client: BatchClient,
    job_id: str,
    *,
    terminate_when_tasks_complete: bool | None = None,
    priority: int | None = None,
) -> None:
    """Change what can change on a running job (leaves other properties as they are)."""
    mode = None
    if terminate_when_tasks_complete is not None:
        mode = (
            models.BatchAllTasksCompleteMode.TERMINATE_JOB
            if terminate_when_tasks_complete
            else models.BatchAllTasksCompleteMode.NO_ACTION
        )
    options = models.BatchJobUpdateOptions(priority=priority, all_tasks_complete_mode=mode)
    with batch_call(client, f"updating job {job_id}"):
        client.update_job(job_id, options)


def submit_job(
    client: BatchClient, spec: JobSpec, tasks: Sequence[TaskSpec], *, max_concurrency: int = 4
) -> int:
    """Create a job, add its tasks, and only then let it end when they are all complete.

    Creating it with "terminate when all tasks complete" would end it as soon as the first
    tasks finished while later ones were still being added; the service documents this. If
    adding tasks fails, the job stays (with its auto-pool, if any): call `create_tasks` again,
    or delete the job.
    """
    create_job(client, replace(spec, terminate_when_tasks_complete=False))
    added = create_tasks(client, spec.id, tasks, max_concurrency=max_concurrency)
    if spec.terminate_when_tasks_complete:
        update_job(client, spec.id, terminate_when_tasks_complete=True)
    return added


def get_job(
    client: BatchClient, job_id: str, *, select: Sequence[str] | None = None
) -> models.BatchJob:
    with batch_call(client, f"getting job {job_id}"):
        return client.get_job(job_id, select=list(select) if select else None)


def list_jobs(
    client: BatchClient, *, filter: str | None = None, select: Sequence[str] | None = None
) -> list[models.BatchJob]:
    """Jobs matching an OData `$filter` (e.g. "state eq 'active'"), `$select`ed if given."""
    with batch_call(client, "listing jobs"):
        return list(client.list_jobs(filter=filter, select=list(select) if select else None))


def begin_terminate_job(
    client: BatchClient, job_id: str, *, reason: str | None = None, polling_interval: int = 5
) -> Operation:
    """Stop a job: running tasks end, active ones never start; its files stay.

    A body is always sent: azure-batch 15.1 fails inside the SDK when it has none.
    """
    action = f"terminating job {job_id}"
    options = BatchJobTerminateOptions(termination_reason=reason or "UserTerminate")
    with batch_call(client, action):
        poller = client.begin_terminate_job(job_id, options, polling_interval=polling_interval)
    log.info("terminating job %s", job_id)
    return Operation(poller, account=account_name(client), action=action)


def begin_delete_job(client: BatchClient, job_id: str, *, polling_interval: int = 5) -> Operation:
    """Delete a job, its tasks and (for an auto-pool job) its pool."""
    action = f"deleting job {job_id}"
    with batch_call(client, action):
        poller = client.begin_delete_job(job_id, polling_interval=polling_interval)
    log.info("deleting job %s", job_id)
    return Operation(poller, account=account_name(client), action=action)
