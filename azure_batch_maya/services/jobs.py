"""Jobs: create (and submit with their tasks), inspect, list, terminate and delete."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from azure.batch import BatchClient, models

# The SDK's own terminate signature names this model, which its `models` does not export.
from azure.batch.models._models import BatchJobTerminateOptions

from azure_batch_maya.services.batch import JobSpec, TaskSpec, job_create_options, metadata_dict
from azure_batch_maya.services.errors import (
    AlreadyExistsError,
    ConnectionFailedError,
    NotFoundError,
    ServiceError,
)
from azure_batch_maya.services.operations import Operation, account_name, batch_call
from azure_batch_maya.services.tasks import create_tasks

log = logging.getLogger(__name__)

# Job (and pool) metadata naming the submission that created it: a random token per
# submission, so a retry whose first reply was lost recognises the job as its own.
SUBMISSION_KEY = "abm_submission"


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
    client: BatchClient,
    spec: JobSpec,
    tasks: Sequence[TaskSpec],
    *,
    max_concurrency: int = 4,
    on_note: Callable[[str], None] | None = None,
) -> int:
    """Create a job, add its tasks, and only then let it end when they are all complete.

    Creating it with "terminate when all tasks complete" would end it as soon as the first
    tasks finished while later ones were still being added; the service documents this.
    Safe across lost replies: a job that exists already and carries this spec's
    `SUBMISSION_KEY` metadata is ours (created by a try whose reply was lost) and is carried
    on; adding tasks counts those already there. If the tasks cannot be added, the job is
    deleted (with its auto-pool), so no empty job and idle pool stay behind; the error says so.
    `on_note` hears what was recovered, for the person submitting.
    """
    if _create_or_adopt(client, spec):
        message = (
            f"The reply to creating job {spec.id} was lost; the job was found, recognised as "
            "this submission's, and carried on."
        )
        log.info("%s", message)
        if on_note is not None:
            on_note(message)
    try:
        added = create_tasks(client, spec.id, tasks, max_concurrency=max_concurrency)
        if spec.terminate_when_tasks_complete:
            update_job(client, spec.id, terminate_when_tasks_complete=True)
    except ServiceError as error:
        raise _cleaned_up(client, spec, error) from None
    return added


def _create_or_adopt(client: BatchClient, spec: JobSpec) -> bool:
    """Create the job; True when it was there already as ours (an earlier try's reply lost)."""
    try:
        create_job(client, replace(spec, terminate_when_tasks_complete=False))
        return False
    except AlreadyExistsError as taken:
        if _is_ours(client, spec) is True:
            return True
        raise AlreadyExistsError(
            taken.code,
            f"Job id {spec.id} is taken by another job; choose another id (or leave it empty "
            "for a unique one). Nothing was submitted.",
            taken.status,
            request_id=taken.request_id,
        ) from None
    except ServiceError as error:
        if not maybe_applied(error):
            raise
        ours = _is_ours(client, spec)
        if ours is True:
            return True
        if ours is False:
            raise with_message(error, f"Job {spec.id} was not created; submit again.") from None
        raise with_message(
            error,
            f"Job {spec.id} may have been created all the same: check with `azure-batch-maya "
            f"jobs show {spec.id}` and delete it with `azure-batch-maya jobs delete {spec.id}` "
            "before submitting again.",
        ) from None


def maybe_applied(error: ServiceError) -> bool:
    """A lost reply (no answer) or a server error: the request may have been carried out."""
    return isinstance(error, ConnectionFailedError) or error.status >= 500


def _is_ours(client: BatchClient, spec: JobSpec) -> bool | None:
    """Whether job `spec.id` exists and carries this spec's submission token (None: unknown)."""
    token = spec.metadata.get(SUBMISSION_KEY)
    try:
        existing = get_job(client, spec.id, select=["id", "metadata"])
    except NotFoundError:
        return False
    except ServiceError as error:
        log.warning("cannot tell whether job %s was created: %s", spec.id, error)
        return None
    return token is not None and metadata_dict(existing.metadata).get(SUBMISSION_KEY) == token


def _cleaned_up(client: BatchClient, spec: JobSpec, error: ServiceError) -> ServiceError:
    """Delete the half-submitted job and say so in a copy of `error`'s message."""
    try:
        begin_delete_job(client, spec.id, polling_interval=1)
        what = (
            f"Job {spec.id} was deleted{' with its pool' if spec.auto_pool else ''}, so "
            "nothing is left waiting or billing; submit again."
        )
    except NotFoundError:
        what = f"Job {spec.id} is gone; submit again."
    except ServiceError as second:
        what = (
            f"Deleting job {spec.id} failed too ({second.message}): delete it with "
            f"`azure-batch-maya jobs delete {spec.id}` so its nodes do not stay idle."
        )
    log.warning("submission of %s failed: %s; %s", spec.id, error, what)
    kept = " (tasks already added are kept)"  # create_tasks' own advice, void once deleted
    return with_message(error, what, replace_text=kept)


def with_message(error: ServiceError, then: str, *, replace_text: str = "") -> ServiceError:
    """A copy of `error` (same class, code, status) whose message goes on with `then`."""
    copy = type(error).__new__(type(error))
    copy.__dict__.update(error.__dict__)
    said = error.message.replace(replace_text, "") if replace_text else error.message
    copy.message = f"{said.rstrip('.')}. {then}"
    copy.args = (copy.message,)
    return copy


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
