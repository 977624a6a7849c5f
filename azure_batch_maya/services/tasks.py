"""Tasks: added 100 a request, listed, counted for progress; the files they leave on the node."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from azure.batch import BatchClient, models
from azure.core.exceptions import HttpResponseError

from azure_batch_maya.services.batch import TaskSpec, task_create_options
from azure_batch_maya.services.errors import (
    TaskSubmissionError,
    TransferCancelledError,
    service_call,
)
from azure_batch_maya.services.operations import account_name, batch_call

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
TASKS_PER_REQUEST = 100
TASK_SUBMISSION_ROUNDS = 3
TASK_RETRY_BACKOFF = 1.0


@dataclass(frozen=True)
class TaskCounts:
    """A job's progress, from one `taskcounts` call rather than listing every task."""

    active: int
    running: int
    completed: int
    succeeded: int
    failed: int

    @property
    def total(self) -> int:
        return self.active + self.running + self.completed

    @property
    def done(self) -> bool:
        return self.active == 0 and self.running == 0


@dataclass(frozen=True)
class TaskFile:
    """A file in a task's directory on its node (`stdout.txt`, `wd/...`)."""

    name: str
    size: int
    is_directory: bool
    url: str | None = None


def create_tasks(
    client: BatchClient, job_id: str, specs: Sequence[TaskSpec], *, max_concurrency: int = 4
) -> int:
    """Add tasks 100 a request, `max_concurrency` requests at a time; returns how many were added.

    Tasks that already exist count as added, so a cut-off submission can simply be repeated.
    This replaces azure-batch 15.1.0's `create_tasks`, which passes tasks the service refused
    as added (it compares "ClientError" with "clienterror") and loops for ever while the service
    answers 5xx. Retries of each request are still azure-core's.
    """
    return add_task_options(
        client,
        job_id,
        [task_create_options(spec) for spec in specs],
        max_concurrency=max_concurrency,
    )


def add_task_options(
    client: BatchClient,
    job_id: str,
    options: Sequence[models.BatchTaskCreateOptions],
    *,
    max_concurrency: int = 4,
) -> int:
    """`create_tasks` for task bodies already made (copies of existing tasks, for a re-run)."""
    account = account_name(client)
    action = f"adding {len(options)} tasks to job {job_id}"
    pending = list(options)
    added = 0
    for round_ in range(TASK_SUBMISSION_ROUNDS):
        if round_:
            time.sleep(TASK_RETRY_BACKOFF * round_)
        chunks = [
            pending[i : i + TASKS_PER_REQUEST] for i in range(0, len(pending), TASKS_PER_REQUEST)
        ]
        if not chunks:
            break
        workers = max(1, min(max_concurrency, len(chunks)))
        with (
            service_call("batch", account=account, action=action),
            ThreadPoolExecutor(max_workers=workers) as pool,
        ):
            outcomes = list(pool.map(lambda c: _add_chunk(client, job_id, c), chunks))
        refused = [r for outcome in outcomes for r in outcome.refused]
        if refused:
            raise _refused_tasks(refused, action=action)
        added += sum(outcome.added for outcome in outcomes)
        pending = [task for outcome in outcomes for task in outcome.retry]
    if pending:
        raise TaskSubmissionError(
            "ServerError",
            f"{action[:1].upper()}{action[1:]} failed: the service could not add "
            f"{len(pending)} tasks after {TASK_SUBMISSION_ROUNDS} tries; submit the job again "
            "later (tasks already added are kept)",
            tuple(task.id for task in pending),
        )
    log.info("added %d tasks to job %s", added, job_id)
    return added


@dataclass(frozen=True)
class _ChunkOutcome:
    added: int
    retry: list[models.BatchTaskCreateOptions]
    refused: list[models.BatchTaskCreateResult]


def _add_chunk(
    client: BatchClient, job_id: str, chunk: list[models.BatchTaskCreateOptions]
) -> _ChunkOutcome:
    try:
        result = client.create_task_collection(job_id, models.BatchTaskGroup(task_values=chunk))
    except HttpResponseError as error:
        too_large = error.error is not None and error.error.code == "RequestBodyTooLarge"
        if not too_large or len(chunk) == 1:
            raise
        half = len(chunk) // 2
        first, second = (
            _add_chunk(client, job_id, chunk[:half]),
            _add_chunk(client, job_id, chunk[half:]),
        )
        return _ChunkOutcome(
            first.added + second.added, first.retry + second.retry, first.refused + second.refused
        )
    by_id = {task.id: task for task in chunk}
    added, retry, refused = 0, [], []
    for outcome in result.result_values or []:
        status = str(getattr(outcome.status, "value", outcome.status)).lower()
        code = outcome.error.code if outcome.error else None
        if status == models.BatchTaskAddStatus.SUCCESS.value or code == "TaskExists":
            added += 1
        elif status == models.BatchTaskAddStatus.SERVER_ERROR.value and outcome.task_id in by_id:
            retry.append(by_id[outcome.task_id])
        else:
            refused.append(outcome)
    return _ChunkOutcome(added, retry, refused)


def _refused_tasks(
    refused: list[models.BatchTaskCreateResult], *, action: str
) -> TaskSubmissionError:
    codes = sorted({r.error.code for r in refused if r.error and r.error.code})
    said = next((r.error.message.value for r in refused if r.error and r.error.message), None)
    detail = f"{', '.join(codes)}: {said}" if said else ", ".join(codes) or "no reason given"
    return TaskSubmissionError(
        codes[0] if codes else "TaskRefused",
        f"{action[:1].upper()}{action[1:]} failed: the service refused {len(refused)} tasks "
        f"({detail}); fix the job settings and submit again (tasks already added are kept)",
        tuple(r.task_id for r in refused if r.task_id),
    )


def list_tasks(
    client: BatchClient,
    job_id: str,
    *,
    filter: str | None = None,
    select: Sequence[str] | None = None,
) -> list[models.BatchTask]:
    """A job's tasks matching an OData `$filter`, with only the `$select`ed properties if given."""
    with batch_call(client, f"listing tasks of job {job_id}"):
        return list(
            client.list_tasks(job_id, filter=filter, select=list(select) if select else None)
        )


def reactivate_task(client: BatchClient, job_id: str, task_id: str) -> None:
    """Run a failed task again with its retries renewed (Batch refuses it once the job ended)."""
    with batch_call(client, f"re-running task {task_id} of job {job_id}"):
        client.reactivate_task(job_id, task_id)
    log.info("reactivated task %s of job %s", task_id, job_id)


def get_task_counts(client: BatchClient, job_id: str) -> TaskCounts:
    """A job's progress in one call."""
    with batch_call(client, f"getting the progress of job {job_id}"):
        counts = client.get_job_task_counts(job_id).task_counts
    return TaskCounts(
        active=counts.active,
        running=counts.running,
        completed=counts.completed,
        succeeded=counts.succeeded,
        failed=counts.failed,
    )


def list_task_files(
    client: BatchClient, job_id: str, task_id: str, *, recursive: bool = True
) -> list[TaskFile]:
    """The files in a task's directory on its node (names use the node's separators)."""
    with batch_call(client, f"listing files of task {task_id} in job {job_id}"):
        files = list(client.list_task_files(job_id, task_id, recursive=recursive))
    return [
        TaskFile(
            name=f.name or "",
            size=int(f.properties.content_length) if f.properties else 0,
            is_directory=bool(f.is_directory),
            url=f.url,
        )
        for f in files
    ]


def download_task_file(
    client: BatchClient,
    job_id: str,
    task_id: str,
    file_path: str,
    destination: Path,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Save a task's file (`stdout.txt`, `stderr.txt`, `wd/...`) through `destination.part`.

    Returns the size; a cancelled or failed download leaves no file under either name.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(destination.name + PART_SUFFIX)
    done = 0
    try:
        with batch_call(client, f"downloading {file_path} of task {task_id}"), part.open("wb") as f:
            for chunk in client.download_task_file(job_id, task_id, file_path):
                if cancel is not None and cancel.is_set():
                    raise TransferCancelledError(
                        "Cancelled", f"The download of {file_path} of task {task_id} was cancelled"
                    )
                f.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done)
        part.replace(destination)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return done


def read_task_file(client: BatchClient, job_id: str, task_id: str, file_path: str) -> bytes:
    """A small task file's bytes (a log to show in the UI)."""
    with batch_call(client, f"reading {file_path} of task {task_id}"):
        return b"".join(client.download_task_file(job_id, task_id, file_path))


@dataclass(frozen=True)
class PreparationFailure:
    """A job preparation task that failed on a node: that node will run none of the job's tasks."""

    node_id: str
    exit_code: int | None
    message: str
    stderr_tail: str


def preparation_failures(
    client: BatchClient, job_id: str, *, tail: int = 2000
) -> tuple[PreparationFailure, ...]:
    """The nodes where the job's preparation task failed, with the end of its stderr.

    Batch keeps a job's tasks off a node whose preparation failed and waits for another node,
    so a job whose preparation fails everywhere waits forever; this is how to tell.
    """
    with batch_call(client, f"getting the preparation status of job {job_id}"):
        statuses = list(client.list_job_preparation_and_release_task_status(job_id))
    failures = []
    for status in statuses:
        info = status.job_preparation_task_execution_info
        if info is None or info.result != models.BatchTaskExecutionResult.FAILURE:
            continue
        failure = info.failure_info
        message = (failure.message or failure.code or "") if failure else ""
        stderr = ""
        if status.pool_id and status.node_id and info.task_root_directory:
            root = info.task_root_directory
            separator = "\\" if "\\" in root else "/"  # the service answers with the node's own
            path = f"{root.rstrip(separator)}{separator}stderr.txt"
            try:
                data = b"".join(client.download_node_file(status.pool_id, status.node_id, path))
                stderr = data[-tail:].decode("utf-8", errors="replace")
            except HttpResponseError as exc:  # the node may be gone; the exit code still says
                log.debug("no stderr for the preparation on %s: %s", status.node_id, exc)
        failures.append(
            PreparationFailure(status.node_id or "", info.exit_code, message or "", stderr)
        )
    return tuple(failures)
