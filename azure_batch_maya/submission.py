"""Submit a scene: upload what it needs, send the job, follow it, bring the frames home.

The steps the CLI's `submit` and the panel's Submit tab share. Everything slow reports
progress through callbacks (called from worker threads during uploads) and takes a cancel
event; nothing here prints.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from azure.storage.blob import BlobServiceClient

from azure_batch_maya.assets.project import AssetProject
from azure_batch_maya.connection import Connection
from azure_batch_maya.jobhealth import Problem, fetch_job_facts, job_verdict
from azure_batch_maya.node.fetch_inputs import blob_url
from azure_batch_maya.render.cost import CostEstimate, estimate_job, load_prices
from azure_batch_maya.render.job import (
    JobInputs,
    RenderJob,
    build_job,
    check_route,
    default_job_id,
)
from azure_batch_maya.render.settings import SubmitSettings, with_registry_password
from azure_batch_maya.render.shipping import shipped_files
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.services import jobs, pools, storage, tasks
from azure_batch_maya.services.sas import (
    MAX_USER_DELEGATION,
    SasAccess,
    check_lifetime,
    create_container_sas_url,
    signs_with_user_delegation,
)
from azure_batch_maya.services.tasks import PreparationFailure, TaskCounts
from azure_batch_maya.transfer.download import DownloadReport, download_container
from azure_batch_maya.transfer.manifest import STORE_CONTAINER, blob_name
from azure_batch_maya.transfer.upload import UploadReport, put_text, upload_project

log = logging.getLogger(__name__)

OUTPUTS_CONTAINER = "abm-outputs"
PLANS_PREFIX = "plans/"
DEFAULT_TIME_LIMIT = timedelta(days=7)
# The SAS outlives the job by this much, so the last task can still upload its outputs.
SAS_MARGIN = timedelta(hours=6)
STDERR_TAIL = 2000


@dataclass(frozen=True)
class Submitted:
    job: RenderJob
    upload: UploadReport
    estimate: CostEstimate | None  # None on the local pool: it costs nothing

    @property
    def job_id(self) -> str:
        return self.job.job.id


@dataclass(frozen=True)
class FailedTask:
    task_id: str
    exit_code: int | None
    stderr_tail: str


@dataclass(frozen=True)
class JobOutcome:
    job_id: str
    counts: TaskCounts
    failed: tuple[FailedTask, ...]
    # Set when the job cannot go on: its preparation failed on every node it reached.
    stuck: tuple[PreparationFailure, ...] = ()
    # Why it cannot go on (pool resize errors, dead nodes, failed preparations): see jobhealth.
    problems: tuple[Problem, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.counts.done and self.counts.failed == 0 and not self.stuck and not self.blocked

    @property
    def blocked(self) -> bool:
        """Stopped waiting because only a person can unblock the job."""
        return any(p.definitive for p in self.problems)


def estimate(
    scene: SceneInfo, settings: SubmitSettings, *, minutes_per_frame: float = 5.0
) -> CostEstimate:
    """The price of rendering `scene` with `settings` on Azure, before anything is sent; a
    renderer outside the renderer table has none (`UnsupportedRendererError`)."""
    from azure_batch_maya.render.renderers import renderer_for
    from azure_batch_maya.render.tasks import plan_tasks

    renderer_for(scene.renderer)

    return estimate_job(
        load_prices(), settings, plan_tasks(scene, settings), minutes_per_frame=minutes_per_frame
    )


def submit(
    conn: Connection,
    scene: SceneInfo,
    project: AssetProject,
    settings: SubmitSettings,
    *,
    progress: storage.Progress | None = None,
    cancel: threading.Event | None = None,
    now: datetime | None = None,
) -> Submitted:
    """Upload the project's missing files, then create the pool (if asked) and the job."""
    now = now or datetime.now(timezone.utc)
    job_id = settings.job_id or default_job_id(scene, now)
    settings = replace(settings, job_id=job_id)
    check_route(settings, entra=conn.entra, local=conn.local)
    if conn.local and settings.network is not None:
        # the Env tab's subnet is for Azure: local nodes use this machine's network
        log.info("the local pool has no subnet; %s is left out", settings.network.subnet_id)
        settings = replace(settings, network=None)
    settings = with_registry_password(settings)
    settings, lifetime = sas_lifetime(
        settings, user_delegation=signs_with_user_delegation(conn.blobs)
    )
    upload = upload_project(conn.blobs, project, job_id, progress=progress, cancel=cancel)
    code = _upload_code(conn.blobs)
    storage.ensure_container(conn.blobs, OUTPUTS_CONTAINER)
    store_url = create_container_sas_url(
        conn.blobs, STORE_CONTAINER, access=SasAccess.INPUTS, time_limit=lifetime, now=now
    )
    outputs_url = create_container_sas_url(
        conn.blobs, OUTPUTS_CONTAINER, access=SasAccess.OUTPUTS, time_limit=lifetime, now=now
    )
    plan_blob = f"{PLANS_PREFIX}{job_id}.json"
    inputs = JobInputs(
        store_url=store_url,
        manifest_url=blob_url(store_url, upload.manifest.blob_name),
        plan_url=blob_url(store_url, plan_blob),
        code_urls={rel: blob_url(store_url, name) for rel, name in code.items()},
        outputs_url=outputs_url,
    )
    job = build_job(scene, project, settings, inputs, now=now)
    put_text(conn.blobs, STORE_CONTAINER, plan_blob, job.plan_text)
    if job.new_pool is not None:
        pools.create_pool(conn.batch, job.new_pool)
    jobs.submit_job(conn.batch, job.job, job.tasks)
    log.info("submitted %s with %d tasks to %s", job_id, len(job.tasks), conn.where)
    cost = None if conn.local else estimate(scene, settings)
    return Submitted(job, upload, cost)


def sas_lifetime(
    settings: SubmitSettings, *, user_delegation: bool
) -> tuple[SubmitSettings, timedelta]:
    """The nodes' storage access lifetime: the job's time limit plus time for its last uploads.

    With Entra ID (a user delegation SAS, at most 7 days) a job without a time limit gets the
    longest that fits, so Batch ends it before its SAS does; a longer limit is refused before
    any upload. (Refreshing is not possible: a task's resource and output URLs cannot be
    changed once it is added.)
    """
    if user_delegation and settings.job_time_limit is None:
        settings = replace(settings, job_time_limit=MAX_USER_DELEGATION - SAS_MARGIN)
    lifetime = (settings.job_time_limit or DEFAULT_TIME_LIMIT) + SAS_MARGIN
    check_lifetime(lifetime, user_delegation=user_delegation)
    return settings, lifetime


def wait_for_job(
    conn: Connection,
    job_id: str,
    *,
    on_progress: Callable[[TaskCounts], None] | None = None,
    on_problem: Callable[[Problem], None] | None = None,
    interval: float = 5.0,
    timeout: float | None = None,
    cancel: threading.Event | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> JobOutcome:
    """Follow a job by its task counts (one request a poll, whatever the number of tasks).

    While tasks wait and none runs, it asks `jobhealth` why: each new problem goes to
    `on_problem` once, and a definitive one (a steady pool with resize errors and no nodes,
    dead nodes, a preparation failed everywhere) ends the wait: Batch would keep the tasks
    waiting for a node that never comes.
    """
    started = time.monotonic()
    told: set[str] = set()
    while True:
        counts = tasks.get_task_counts(conn.batch, job_id)
        if on_progress is not None:
            on_progress(counts)
        if counts.done and counts.total > 0:
            return JobOutcome(job_id, counts, failed_tasks(conn, job_id))
        if counts.active and not counts.running:
            facts = fetch_job_facts(conn, job_id, counts=counts)
            verdict = job_verdict(facts)
            for problem in verdict.problems:
                if on_problem is not None and problem.text not in told:
                    on_problem(problem)
                told.add(problem.text)
            if verdict.definitive:
                return JobOutcome(job_id, counts, (), facts.preparation_failures, verdict.problems)
        if cancel is not None and cancel.is_set():
            return JobOutcome(job_id, counts, ())
        if timeout is not None and time.monotonic() - started > timeout:
            raise TimeoutError(f"job {job_id} was still running after {timeout:.0f} s")
        sleep(interval)


def failed_tasks(conn: Connection, job_id: str) -> tuple[FailedTask, ...]:
    """The failed tasks with their exit codes and the end of their stderr."""
    failed = tasks.list_tasks(
        conn.batch,
        job_id,
        filter="executionInfo/result eq 'failure'",
        select=["id", "executionInfo"],
    )
    return tuple(
        FailedTask(
            t.id or "",
            t.execution_info.exit_code if t.execution_info else None,
            stderr_tail(conn.blobs, job_id, t.id or ""),
        )
        for t in failed
    )


def stderr_tail(client: BlobServiceClient, job_id: str, task_id: str) -> str:
    """The end of a task's stderr from the outputs container (the node may be gone)."""
    name = f"{job_id}/logs/{task_id}/stderr.txt"
    try:
        blob = client.get_blob_client(OUTPUTS_CONTAINER, name)
        size = blob.get_blob_properties().size
        offset = max(0, size - STDERR_TAIL)
        data = blob.download_blob(offset=offset).readall()
    except Exception as exc:  # the log is a nicety: never let it hide the failure itself
        log.debug("no stderr for %s: %s", name, exc)
        return ""
    return data.decode("utf-8", errors="replace")


def download_outputs(
    conn: Connection,
    job_id: str,
    folder: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
) -> DownloadReport:
    """The job's images and logs into `folder` (`images/…`, `logs/<task>/…`)."""
    return download_container(
        conn.blobs,
        OUTPUTS_CONTAINER,
        folder,
        prefix=f"{job_id}/",
        progress=progress,
        cancel=cancel,
    )


def _upload_code(client: BlobServiceClient) -> dict[str, str]:
    """The node-side code, content-addressed beside the assets: shipped path → blob name."""
    names: dict[str, str] = {}
    items: list[storage.UploadItem] = []
    present = {b.name for b in storage.list_blobs(client, STORE_CONTAINER, prefix="code/")}
    for rel, local in shipped_files():
        digest = hashlib.sha256(local.read_bytes()).hexdigest()
        name = f"code/{blob_name(digest)}"
        names[rel] = name
        if name not in present:
            items.append(storage.UploadItem(local, name))
    storage.upload_files(client, STORE_CONTAINER, items)
    return names
