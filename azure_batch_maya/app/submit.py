"""Submit a scene: upload what it needs, send the job, follow it, bring the frames home.

The steps the CLI's `submit` and the panel's Submit tab share. Everything slow reports
progress through callbacks (called from worker threads during uploads) and takes a cancel
event; nothing here prints.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from azure.storage.blob import BlobServiceClient

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.jobs.health import (
    START_TASK_STDERR,
    Problem,
    fetch_job_facts,
    job_verdict,
)
from azure_batch_maya.assets.project import AssetProject
from azure_batch_maya.node.fetch_inputs import blob_url
from azure_batch_maya.node.manifest import blob_name
from azure_batch_maya.render.cost import CostEstimate, PriceTable, estimate_job, load_prices
from azure_batch_maya.render.installroute import MAYAPY_WRAPPER, InstallRouteError
from azure_batch_maya.render.job import (
    JobInputs,
    RenderJob,
    RouteError,
    build_job,
    check_route,
    default_job_id,
)
from azure_batch_maya.render.settings import SubmitSettings, with_registry_password
from azure_batch_maya.render.shipping import shipped_files
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.services import jobs, pools, storage, tasks
from azure_batch_maya.services.batch import ContainerImage, MarketplaceImage, PoolSpec
from azure_batch_maya.services.errors import ServiceError
from azure_batch_maya.services.sas import (
    MAX_USER_DELEGATION,
    SasAccess,
    check_lifetime,
    create_container_sas_url,
    signs_with_user_delegation,
)
from azure_batch_maya.services.tasks import PreparationFailure, TaskCounts
from azure_batch_maya.transfer.download import DownloadReport, download_container
from azure_batch_maya.transfer.installers import (
    INSTALLERS_CONTAINER,
    InstallerError,
    list_installers,
)
from azure_batch_maya.transfer.manifest import STORE_CONTAINER
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
    notes: tuple[str, ...] = ()  # what was recovered on the way (a lost reply, lost blobs)

    @property
    def job_id(self) -> str:
        return self.job.job.id


@dataclass(frozen=True)
class FailedTask:
    task_id: str
    exit_code: int | None
    stderr_tail: str
    # The service's failure (code: message), e.g. an output upload that failed after the
    # command exited 0; empty when the exit code says it all.
    reason: str = ""

    @property
    def headline(self) -> str:
        """One line for people: what failed, by the exit code or by the service's reason."""
        if self.reason:
            return f"Task {self.task_id} failed (exit code {self.exit_code}): {self.reason}"
        return f"Task {self.task_id} failed (exit code {self.exit_code})"


@dataclass(frozen=True)
class StartTaskFailure:
    """A node whose start task failed (an installer at node start, say) and its stderr's end."""

    pool_id: str
    node_id: str
    exit_code: int | None
    stderr_tail: str

    def to_json(self) -> dict[str, Any]:
        return {
            "pool": self.pool_id,
            "node": self.node_id,
            "exit_code": self.exit_code,
            "stderr": self.stderr_tail,
        }


@dataclass(frozen=True)
class JobOutcome:
    job_id: str
    counts: TaskCounts
    failed: tuple[FailedTask, ...]
    # Set when the job cannot go on: its preparation failed on every node it reached.
    stuck: tuple[PreparationFailure, ...] = ()
    # Why it cannot go on (pool resize errors, dead nodes, failed preparations): app.jobs.health.
    problems: tuple[Problem, ...] = ()
    # The nodes behind a StartTaskFailed problem, with what their start task wrote to stderr.
    start_task_failures: tuple[StartTaskFailure, ...] = ()

    @property
    def succeeded(self) -> bool:
        return self.counts.done and self.counts.failed == 0 and not self.stuck and not self.blocked

    @property
    def blocked(self) -> bool:
        """Stopped waiting because only a person can unblock the job."""
        return any(p.definitive for p in self.problems)


def estimate(
    scene: SceneInfo,
    settings: SubmitSettings,
    *,
    minutes_per_frame: float = 5.0,
    prices: PriceTable | None = None,
) -> CostEstimate:
    """The price of rendering `scene` with `settings` on Azure, before anything is sent; a
    renderer outside the renderer table has none (`UnsupportedRendererError`). `prices`: a
    table read already (the panel reads it on a worker), else it is read now."""
    from azure_batch_maya.render.renderers import renderer_for
    from azure_batch_maya.render.tasks import plan_tasks

    renderer_for(scene.renderer)

    return estimate_job(
        prices or load_prices(),
        settings,
        plan_tasks(scene, settings),
        minutes_per_frame=minutes_per_frame,
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
    on_note: Callable[[str], None] | None = None,
) -> Submitted:
    """Upload the project's missing files, then create the pool (if asked) and the job.

    Each submission has a random token: it makes the default job id unique, names the plan
    blob (nothing another submission writes can land on it) and tags the job and pool, so a
    create whose reply was lost is recognised as ours on retry (see `jobs.submit_job`).
    Just before the job is created the store is listed again and anything the job reads that
    storage no longer holds is sent again. `on_note` hears what was recovered.
    """
    now = now or datetime.now(timezone.utc)
    notes: list[str] = []

    def note(line: str) -> None:
        notes.append(line)
        if on_note is not None:
            on_note(line)

    token = secrets.token_hex(8)
    job_id = settings.job_id or default_job_id(scene, now, suffix=token[:6])
    settings = replace(settings, job_id=job_id)
    settings = with_install_route(conn, settings)
    settings = with_pool_container(conn, settings, note)
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
    plan_blob = f"{PLANS_PREFIX}{job_id}/{token}.json"  # this submission's own name
    inputs = JobInputs(
        store_url=store_url,
        manifest_url=blob_url(store_url, upload.manifest.blob_name),
        plan_url=blob_url(store_url, plan_blob),
        code_urls={rel: blob_url(store_url, name) for rel, name in code.items()},
        outputs_url=outputs_url,
    )
    job = _tagged(build_job(scene, project, settings, inputs, now=now), token)
    put_text(conn.blobs, STORE_CONTAINER, plan_blob, job.plan_text)
    sent_again = verify_store(
        conn.blobs,
        _needed_blobs(project, upload, code, plan_blob, job.plan_text),
    )
    if sent_again:
        note(f"Storage had lost {sent_again} of this job's files since they were sent; "
                "they were sent again.")  # fmt: skip
    if job.new_pool is not None:
        _create_pool(conn, job.new_pool, note)
    try:
        jobs.submit_job(conn.batch, job.job, job.tasks, on_note=note)
    except ServiceError as error:
        if job.new_pool is not None:  # made by this submission: it must not stay idle
            raise _pool_cleaned_up(conn, job.new_pool.id, error) from None
        raise
    log.info("submitted %s with %d tasks to %s", job_id, len(job.tasks), conn.where)
    cost = None if conn.local else estimate(scene, settings)
    return Submitted(job, upload, cost, tuple(notes))


def with_install_route(
    conn: Connection, settings: SubmitSettings, *, container: str = INSTALLERS_CONTAINER
) -> SubmitSettings:
    """`settings` with the install-at-start route's start task and mayapy wrapper, if it applies.

    It applies to a pool made for this job from a marketplace image (the Env tab's "install at
    node start") rendering with Maya: on Azure always (no installers: `check_route` refuses);
    on the local pool only when installers were added (its nodes are this machine, which may
    have its own mayapy). The start task's URLs last as `app.pools.install.default_lifetime` says:
    a pool adds nodes long after this job. A start task or interpreter already chosen stays.
    """
    from azure_batch_maya.app.pools.install import default_lifetime, install_start_task

    if (
        settings.pool.mode == "existing"
        or settings.stand_in
        or settings.start_task is not None
        or not isinstance(settings.image, MarketplaceImage)
    ):
        return settings
    node_os = settings.node_os
    try:
        if not any(i.os == node_os for i in list_installers(conn.blobs, container=container)):
            return settings  # Azure: check_route says what to do; local: this machine's mayapy
        start = install_start_task(
            conn.blobs,
            node_os=node_os,
            lifetime=default_lifetime(conn.blobs),
            container=container,
        )
    except (InstallRouteError, InstallerError) as exc:  # one line for the CLI and the panel
        raise RouteError(f"install at node start: {exc}") from None
    log.info("the new pool installs the uploaded installers at node start")
    return replace(
        settings, start_task=start, node_python=settings.node_python or MAYAPY_WRAPPER[node_os]
    )


def with_pool_container(
    conn: Connection, settings: SubmitSettings, note: Callable[[str], None] | None = None
) -> SubmitSettings:
    """`settings` whose tasks name the container of the existing pool they go to, if it runs
    tasks in containers and the Env tab's route is not a container.

    Batch fails every task without container settings on a container pool
    (ContainerTaskSettingsNotFound), so a job sent with the install or custom-image route to
    such a pool would fail frame by frame: its tasks run in the pool's first prefetched image.
    """
    if settings.pool.mode != "existing" or isinstance(settings.image, ContainerImage):
        return settings
    pool_id = settings.pool.pool_id or ""
    pool = pools.get_pool(conn.batch, pool_id, select=["id", "virtualMachineConfiguration"])
    try:
        container = pools.task_container_for(pool)
    except pools.ContainerPoolError as exc:
        raise RouteError(str(exc)) from None
    if container is None:
        return settings
    if note is not None:
        note(f"Pool {pool_id} runs tasks in containers: they run in its image {container.image}.")
    return replace(
        settings, image=ContainerImage(container.image, settings.image, container.registry)
    )


def _tagged(job: RenderJob, token: str) -> RenderJob:
    """The job (and its new pool) with this submission's token in their metadata."""
    tag = {jobs.SUBMISSION_KEY: token}
    spec = replace(job.job, metadata={**job.job.metadata, **tag})
    if spec.auto_pool is not None:
        pool_tags = {**spec.auto_pool.metadata, **tag}
        spec = replace(spec, auto_pool=replace(spec.auto_pool, metadata=pool_tags))
    pool = job.new_pool
    if pool is not None:
        pool = replace(pool, metadata={**pool.metadata, **tag})
    return replace(job, job=spec, new_pool=pool)


@dataclass(frozen=True)
class _Needed:
    """A blob the job reads, and how to send it again: a local file or a text."""

    name: str
    size: int
    path: Path | None = None
    text: str | None = None


def _needed_blobs(
    project: AssetProject,
    upload: UploadReport,
    code: dict[str, str],
    plan_blob: str,
    plan_text: str,
) -> list[_Needed]:
    """Every blob the job reads, each once: its contents, the node code, manifest and plan."""
    needed = {blob_name(f.sha256): _Needed(blob_name(f.sha256), f.size, Path(f.local))
              for f in project.files}  # fmt: skip
    for rel, local in shipped_files():
        needed[code[rel]] = _Needed(code[rel], local.stat().st_size, local)
    manifest_text = upload.manifest.to_json()
    for name, text in ((upload.manifest.blob_name, manifest_text), (plan_blob, plan_text)):
        needed[name] = _Needed(name, len(text.encode("utf-8")), text=text)
    return list(needed.values())


def verify_store(client: BlobServiceClient, needed: list[_Needed]) -> int:
    """Send again whatever of `needed` the store lacks now; how many were sent.

    Asked of the store (`storage.stored_sizes`) rather than trusting the upload: a storage
    that crashed (Azurite saves its index every few seconds) may have lost blobs it had
    accepted. A content-addressed blob sent again is the same content. Each folder the job's
    blobs are in (`sha256/`, `code/sha256/`, this job's `plans/…/` and `manifests/…/`) is asked
    for those names only: a store kept for years must not make each submit read all of it.
    """
    present: dict[str, int] = {}
    folders: dict[str, list[str]] = {}
    for n in needed:
        folders.setdefault(_folder_of(n.name), []).append(n.name)
    for prefix, names in sorted(folders.items()):
        present.update(storage.stored_sizes(client, STORE_CONTAINER, names, prefix=prefix or None))
    missing = [n for n in needed if present.get(n.name) != n.size]
    if not missing:
        return 0
    log.warning("the store lacks %d blobs this job reads; sending them again", len(missing))
    files = [storage.UploadItem(n.path, n.name) for n in missing if n.path is not None]
    storage.upload_files(client, STORE_CONTAINER, files)
    for n in missing:
        if n.text is not None:
            put_text(client, STORE_CONTAINER, n.name, n.text)
    return len(missing)


def _folder_of(name: str) -> str:
    """`plans/job-1/` of `plans/job-1/ab12.json`; `` for a name at the top."""
    folder, _, _ = name.rpartition("/")
    return f"{folder}/" if folder else ""


def _create_pool(conn: Connection, spec: PoolSpec, note: Callable[[str], None]) -> None:
    """Create the submission's new pool (a lost reply's pool, found and recognised as ours,
    counts as created: if the job then fails, it is deleted with it)."""
    from azure_batch_maya.services.batch import metadata_dict
    from azure_batch_maya.services.errors import AlreadyExistsError, NotFoundError

    token = spec.metadata.get(jobs.SUBMISSION_KEY)
    try:
        pools.create_pool(conn.batch, spec)
        return
    except ServiceError as error:
        if not isinstance(error, AlreadyExistsError) and not jobs.maybe_applied(error):
            raise
        try:
            found = pools.get_pool(conn.batch, spec.id, select=["id", "metadata"])
        except NotFoundError:
            raise error from None
        if metadata_dict(found.metadata).get(jobs.SUBMISSION_KEY) != token:
            raise
    note(
        f"The reply to creating pool {spec.id} was lost; the pool was found, recognised as "
        "this submission's, and used."
    )


def _pool_cleaned_up(conn: Connection, pool_id: str, error: ServiceError) -> ServiceError:
    """Delete the pool this submission made for a job that could not be submitted."""
    try:
        pools.begin_delete_pool(conn.batch, pool_id, polling_interval=1)
        what = f"Pool {pool_id}, made for it, was deleted too."
    except ServiceError as second:
        what = (
            f"Deleting pool {pool_id}, made for it, failed ({second.message}): delete it with "
            f"`azure-batch-maya pools delete {pool_id}` so its nodes do not stay idle."
        )
    return jobs.with_message(error, what)


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

    While tasks wait and none runs, it asks `app.jobs.health` why: each new problem goes to
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
                return JobOutcome(
                    job_id,
                    counts,
                    (),
                    facts.preparation_failures,
                    verdict.problems,
                    start_task_failures(conn, verdict.problems),
                )
        if cancel is not None and cancel.is_set():
            return JobOutcome(job_id, counts, ())
        if timeout is not None and time.monotonic() - started > timeout:
            raise TimeoutError(f"job {job_id} was still running after {timeout:.0f} s")
        sleep(interval)


def start_task_failures(
    conn: Connection, problems: tuple[Problem, ...]
) -> tuple[StartTaskFailure, ...]:
    """The failed nodes of each pool with a StartTaskFailed problem, with their stderr's end
    (read from the node: the service's failure says only "exit code representing a failure")."""
    found: list[StartTaskFailure] = []
    for pool_id in dict.fromkeys(p.pool_id for p in problems if p.code == "StartTaskFailed"):
        try:
            nodes = pools.list_nodes(conn.batch, pool_id)
        except ServiceError as exc:
            log.debug("no nodes of %s: %s", pool_id, exc)
            continue
        for node in nodes:
            if str(getattr(node.state, "value", node.state)) != "starttaskfailed":
                continue
            info = node.start_task_info
            found.append(
                StartTaskFailure(
                    pool_id,
                    node.id or "",
                    info.exit_code if info is not None else None,
                    pools.node_file_text(conn.batch, pool_id, node.id or "", START_TASK_STDERR)[
                        -STDERR_TAIL:
                    ],
                )
            )
    return tuple(found)


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
            _reason(t.execution_info),
        )
        for t in failed
    )


def _reason(info: Any) -> str:
    """`code: message` of a task's failure info, unless it only restates a non-zero exit."""
    failure = getattr(info, "failure_info", None)
    if failure is None or failure.code in (None, "FailureExitCode"):
        return ""
    return f"{failure.code}: {failure.message or 'no message'}"


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


def missing_outputs(conn: Connection, job_id: str) -> tuple[str, ...]:
    """Outputs the job's finished tasks delivered that storage no longer holds (sorted).

    A succeeded task of a job `submit` made delivered its images (named in the job's plan)
    and its two logs; of other jobs nothing is known, and nothing is reported. Storage
    that crashed may lose accepted blobs (Azurite saves its index every few seconds):
    `download` must say so rather than report success with fewer files.
    """
    import json

    plans = list(storage.list_blobs(conn.blobs, STORE_CONTAINER, prefix=f"{PLANS_PREFIX}{job_id}/"))
    if not plans:
        return ()  # not a job `submit` made: what its tasks promised to deliver is unknown
    text = conn.blobs.get_blob_client(STORE_CONTAINER, plans[0].name).download_blob().readall()
    images = {str(t["id"]): [str(i) for i in t.get("images", [])]
              for t in json.loads(text).get("tasks", [])}  # fmt: skip
    done = tasks.list_tasks(
        conn.batch, job_id, filter="state eq 'completed'", select=["id", "executionInfo"]
    )
    expected: list[str] = []
    for task in done:
        task_id, info = task.id or "", task.execution_info
        if info is None or str(getattr(info.result, "value", info.result)) != "success":
            continue  # a failed task is reported as failed; what it left is no promise
        expected += [f"{job_id}/logs/{task_id}/stdout.txt", f"{job_id}/logs/{task_id}/stderr.txt"]
        expected += [f"{job_id}/images/{image}" for image in images.get(task_id, [])]
    present = {
        b.name for b in storage.list_blobs(conn.blobs, OUTPUTS_CONTAINER, prefix=f"{job_id}/")
    }
    return tuple(sorted(name for name in expected if name not in present))


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
