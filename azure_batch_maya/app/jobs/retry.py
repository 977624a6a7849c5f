"""Re-run a job's failed frames on the inputs it was submitted with (`jobs retry`, the Jobs
tab's Re-run Failed).

Only failed tasks run again, with the same command lines, manifest and output destinations, so
their images arrive where the job's others are and a watching downloader of the job picks them
up. While the job is active its tasks are reactivated in place; once it ended (ours end when
all tasks completed, and Batch then refuses reactivation) they go into a follow-up job
`<job>-r<N>` that names the job in its metadata.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from azure.batch import models

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.services import jobs, tasks
from azure_batch_maya.services.batch import metadata_dict
from azure_batch_maya.services.errors import ConflictError
from azure_batch_maya.services.rerun import RETRY_OF, rerun_in_new_job

log = logging.getLogger(__name__)

FAILED = "executionInfo/result eq 'failure'"
MAX_ID = 64  # Batch's limit on job ids
MIN_LINK_LIFE = timedelta(minutes=30)  # what a re-run needs left on its storage links
# Batch's answers to reactivating a task of a job that has ended or is ending.
JOB_ENDED_CODES = frozenset({"JobCompleted", "JobNotActive", "JobBeingTerminated"})


class NothingToRetry(Exception):
    """The job has no failed task to run again (or is already re-running them)."""


@dataclass(frozen=True)
class Retried:
    job_id: str  # the job asked about
    task_ids: tuple[str, ...]
    follow_up: str | None  # the job now running them, when not the job itself

    @property
    def running_in(self) -> str:
        return self.follow_up or self.job_id


def follow_ups(conn: Connection, job_id: str) -> list[models.BatchJob]:
    """The follow-up jobs re-running `job_id`'s tasks, oldest first."""
    prefix = f"{job_id}-r"
    found = [
        j
        for j in jobs.list_jobs(
            conn.batch,
            filter=f"startswith(id,'{prefix}')",
            select=["id", "state", "metadata", "creationTime"],
        )
        if metadata_dict(j.metadata).get(RETRY_OF) == job_id
    ]
    return sorted(found, key=lambda j: _number(j.id or "", prefix))


def latest_follow_up(conn: Connection, job_id: str) -> str | None:
    chain = follow_ups(conn, job_id)
    return chain[-1].id if chain else None


def links_expire(failed: list[models.BatchTask]) -> datetime | None:
    """When the first SAS link the tasks use (inputs, outputs) expires; None: no SAS expiry."""
    urls = [
        url
        for task in failed
        for url in (
            *(r.http_url or r.storage_container_url for r in task.resource_files or ()),
            *(
                o.destination.container.container_url
                for o in task.output_files or ()
                if o.destination is not None and o.destination.container is not None
            ),
        )
        if url
    ]
    found = []
    for url in urls:
        for value in parse_qs(urlsplit(url).query).get("se", ()):
            try:
                found.append(datetime.fromisoformat(value.replace("Z", "+00:00")))
            except ValueError:
                log.debug("unreadable SAS expiry %r", value)
    return min(found, default=None)


def retry_failed(conn: Connection, job_id: str, *, now: datetime | None = None) -> Retried:
    """Run the failed tasks of `job_id` (or of its latest follow-up) again."""
    chain = follow_ups(conn, job_id)
    newest = chain[-1].id or job_id if chain else job_id
    target = jobs.get_job(conn.batch, newest)
    failed = tasks.list_tasks(conn.batch, newest, filter=FAILED)
    state = str(getattr(target.state, "value", target.state))
    if not failed:
        if newest != job_id and state == "active":
            raise NothingToRetry(f"job {newest} is already re-running the failed tasks of {job_id}")
        raise NothingToRetry(f"job {job_id} has no failed tasks to run again")
    ids = tuple(t.id or "" for t in failed)
    expiry = links_expire(failed)
    if expiry is not None and expiry < (now or datetime.now(timezone.utc)) + MIN_LINK_LIFE:
        raise NothingToRetry(
            f"the storage links job {job_id} was submitted with expire at {expiry:%Y-%m-%d %H:%M} "
            "UTC, too soon for its tasks to fetch their inputs and upload their images; submit "
            "those frames again (`submit --frames`)"
        )
    if state == "active":
        try:
            for task_id in ids:
                tasks.reactivate_task(conn.batch, newest, task_id)
            return Retried(job_id, ids, newest if newest != job_id else None)
        except ConflictError as exc:
            # The job ended between reading it and the first reactivation (its last task
            # finished): Batch refuses reactivation now, so the follow-up job runs them.
            if task_id != ids[0] or exc.code not in JOB_ENDED_CODES:
                raise
            log.info("job %s ended before its tasks were reactivated (%s)", newest, exc.code)
    new_id = f"{job_id}-r{len(chain) + 1}"
    if len(new_id) > MAX_ID:
        raise NothingToRetry(
            f"job id {job_id} is too long to name a follow-up job ({new_id}); submit the "
            "frames again with --frames"
        )
    rerun_in_new_job(conn.batch, target, failed, new_id, retry_of=job_id)
    return Retried(job_id, ids, new_id)


def _number(job_id: str, prefix: str) -> int:
    tail = job_id[len(prefix) :]
    return int(tail) if tail.isdigit() else 0
