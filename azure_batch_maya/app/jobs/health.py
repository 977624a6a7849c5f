"""Is a job stuck or failed, and why: the one verdict the CLI and the panel both show.

Batch never fails a job whose pool cannot get nodes: its tasks stay "active" for ever. This
module turns what the service says about the job, its pool and the pool's nodes into named
problems, each with the pool, the service's code and message, and what to do next. The verdict
is a pure function over plain facts (`PoolFacts`, `JobFacts`), so every state is testable with
values; `fetch_job_facts` and `fetch_pool_facts` gather those facts through the service layer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from azure.batch import models

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.render.scouts import META_SCOUTS
from azure_batch_maya.render.vmsizes import vm_size
from azure_batch_maya.services import jobs, pools, tasks
from azure_batch_maya.services.errors import NotFoundError
from azure_batch_maya.services.tasks import PreparationFailure, TaskCounts

DOCS = "docs/when-a-job-does-not-start.md"
QUOTA_PAGE = "Azure portal › your Batch account › Quotas › Request quota increase"
START_TASK_STDERR = "startup/stderr.txt"
OVER_STATES = frozenset({"completed", "terminating", "deleting"})
# Nodes that will never run a task without someone acting (Batch does not recover them).
DEAD_STATES = frozenset({"starttaskfailed", "unusable"})
POOL_FIELDS = (
    "id",
    "state",
    "allocationState",
    "vmSize",
    "resizeErrors",
    "enableAutoScale",
    "currentDedicatedNodes",
    "targetDedicatedNodes",
    "currentLowPriorityNodes",
    "targetLowPriorityNodes",
)
NODE_FIELDS = ("id", "state", "isDedicated", "startTaskInfo", "errors")

Status = Literal["waiting", "running", "stuck", "completed", "failed", "ended"]


# Facts ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResizeProblem:
    code: str
    message: str


@dataclass(frozen=True)
class NodeFacts:
    """What a node's state says about whether it will ever run a task."""

    id: str
    state: str
    dedicated: bool = True
    start_task_exit_code: int | None = None
    start_task_failure: str = ""  # the start task's failure code and message, if any
    errors: tuple[str, ...] = ()  # the node's own errors ("code: message")


@dataclass(frozen=True)
class PoolFacts:
    id: str
    vm_size: str
    state: str
    allocation_state: str
    dedicated: tuple[int, int]  # current, target
    spot: tuple[int, int]
    resize_errors: tuple[ResizeProblem, ...] = ()
    nodes: tuple[NodeFacts, ...] = ()
    auto_scale: bool = False
    local: bool = False  # the local pool on this machine: remedies name its slots, not quotas

    @property
    def steady(self) -> bool:
        return self.allocation_state == "steady"

    @property
    def live_nodes(self) -> int:
        """Nodes that run tasks now or may soon (neither dead nor preempted)."""
        return sum(1 for n in self.nodes if n.state not in DEAD_STATES | {"preempted"})


@dataclass(frozen=True)
class ScoutFailure:
    """A scout frame's task that failed: the rest of the job will never start."""

    task_id: str
    exit_code: int | None
    stderr_tail: str = ""

    @property
    def frame(self) -> str:
        found = re.match(r"frames-(m?)0*(\d+)", self.task_id)
        return f"{'-' if found.group(1) else ''}{found.group(2)}" if found else self.task_id


@dataclass(frozen=True)
class JobFacts:
    id: str
    state: str
    counts: TaskCounts
    pool_id: str = ""  # "" while an auto-pool is still being made
    pool: PoolFacts | None = None  # None: not made yet, or already gone
    preparation_failures: tuple[PreparationFailure, ...] = ()
    pool_missing: bool = False  # the service was asked and does not know the pool
    scout_failures: tuple[ScoutFailure, ...] = ()  # scouts failed: the rest is blocked
    awaiting_go: bool = False  # the scouts rendered; the rest waits for `jobs release`

    @property
    def over(self) -> bool:
        return self.state in OVER_STATES or (self.counts.done and self.counts.total > 0)


# Verdict ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One reason a job cannot go on (or a warning), in the service's words, and what to do."""

    code: str
    pool_id: str
    message: str
    remedy: str
    definitive: bool  # nothing changes until someone acts: stop waiting

    @property
    def text(self) -> str:
        """One line: the pool, the code and the service's message."""
        where = f"Pool {self.pool_id}: " if self.pool_id else ""
        return f"{where}{self.code}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "pool": self.pool_id or None,
            "message": self.message,
            "remedy": self.remedy,
            "definitive": self.definitive,
            "text": self.text,
        }


@dataclass(frozen=True)
class Verdict:
    job_id: str
    status: Status
    problems: tuple[Problem, ...]
    counts: TaskCounts

    @property
    def definitive(self) -> bool:
        """Stuck in a way that only a person can change: waiting longer is pointless."""
        return self.status == "stuck" and any(p.definitive for p in self.problems)

    @property
    def over(self) -> bool:
        return self.status in ("completed", "failed", "ended")

    @property
    def final(self) -> bool:
        """Over, or stuck for good: nothing more happens without a person (a watcher stops,
        a followed job's end is news)."""
        return self.over or self.definitive

    @property
    def reason(self) -> str:
        """The first problem's line ("" when there is none), for lists and notifications."""
        return self.problems[0].text if self.problems else ""

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "definitive": self.definitive,
            "problems": [p.to_json() for p in self.problems],
        }


def pool_problems(pool: PoolFacts) -> tuple[Problem, ...]:
    """What keeps a pool from running tasks: resize errors and nodes that will not work."""
    dead_end = pool.steady and pool.live_nodes == 0
    # An autoscaled pool resizes itself again at its next evaluation: not yet a dead end.
    found = [
        Problem(
            e.code,
            pool.id,
            e.message,
            resize_remedy(e.code, pool),
            dead_end and not pool.auto_scale,
        )
        for e in pool.resize_errors
    ]
    failed = [n for n in pool.nodes if n.state == "starttaskfailed"]
    if failed:
        first = failed[0]
        said = first.start_task_failure or (
            f"exit code {first.start_task_exit_code}"
            if first.start_task_exit_code is not None
            else "no reason given"
        )
        found.append(
            Problem(
                "StartTaskFailed",
                pool.id,
                f"the start task failed on {_nodes(failed, pool)} ({first.id}: {said})",
                f"read the start task's stderr at {START_TASK_STDERR} on node {first.id} "
                f"(Batch Explorer, or `az batch node file download --pool-id {pool.id} "
                f"--node-id {first.id} --file-path {START_TASK_STDERR} --destination "
                "stderr.txt`); fix the pool's start task, then reboot the nodes or recreate "
                "the pool",
                dead_end,
            )
        )
    unusable = [n for n in pool.nodes if n.state == "unusable"]
    if unusable:
        first = unusable[0]
        said = "; ".join(first.errors) or "no error given"
        found.append(
            Problem(
                "NodeUnusable",
                pool.id,
                f"{_nodes(unusable, pool)} unusable ({first.id}: {said})",
                "Batch does not recover these nodes: a failed package or container download, "
                "a full disk or a network rule (inbound 29876-29877, outbound 443 to Storage) "
                "is the usual cause; fix it, then resize the pool to 0 and back, or recreate it",
                dead_end,
            )
        )
    preempted = [n for n in pool.nodes if n.state == "preempted"]
    if preempted:
        found.append(
            Problem(
                "NodePreempted",
                pool.id,
                f"Azure took back {_nodes(preempted, pool)} (Spot); their tasks wait to run again",
                "Batch brings Spot nodes back when capacity returns; for a deadline, resize the "
                "pool with dedicated nodes",
                False,
            )
        )
    no_target = pool.dedicated[1] + pool.spot[1] == 0
    if pool.steady and no_target and not pool.auto_scale and not pool.nodes and not found:
        found.append(
            Problem(
                "PoolHasNoNodes",
                pool.id,
                "the pool is steady at 0 nodes, so the job's tasks wait",
                f"resize it: `azure-batch-maya pools resize {pool.id} --dedicated N` (or on the "
                "Pools tab)",
                False,
            )
        )
    return tuple(found)


def job_verdict(job: JobFacts) -> Verdict:
    """Whether the job runs, waits, is stuck (and why), or ended (completed or failed)."""
    c = job.counts
    failed_tasks = (
        (
            Problem(
                "TasksFailed",
                "",
                f"{c.failed} task{'s' if c.failed != 1 else ''} failed after their retries",
                f"see why with `azure-batch-maya jobs show {job.id}`; once fixed, re-run only "
                f"those with `azure-batch-maya jobs retry {job.id}`",
                False,
            ),
        )
        if c.failed
        else ()
    )
    if job.over:
        if c.failed:
            return Verdict(job.id, "failed", failed_tasks, c)
        status: Status = "completed" if c.total and c.completed == c.total else "ended"
        return Verdict(job.id, status, (), c)
    problems = list(_scout_problems(job)) + list(_preparation_problems(job))
    if job.pool_missing:
        problems.append(
            Problem(
                "PoolNotFound",
                job.pool_id,
                "the job's pool does not exist (deleted?), so its tasks wait for ever",
                f"cancel the job (`azure-batch-maya jobs cancel {job.id}`) and submit again",
                True,
            )
        )
    if job.pool is not None:
        problems += pool_problems(job.pool)
    problems += failed_tasks
    if c.running:
        return Verdict(job.id, "running", tuple(problems), c)
    blocking = [p for p in problems if p.code != "TasksFailed"]
    if c.active and blocking:
        return Verdict(job.id, "stuck", tuple(problems), c)
    return Verdict(job.id, "waiting", tuple(problems), c)


def resize_remedy(code: str, pool: PoolFacts) -> str:
    """What to do about a resize error with this code."""
    if pool.local and code == "AccountCoreQuotaReached":
        return (
            "every slot of the local pool is taken: resize other pools down (`azure-batch-maya "
            "pools list --local`), or restart it with more (`local down`, then `local up "
            "--slots N`); then resize this pool"
        )
    size = vm_size(pool.vm_size)
    family = size.family if size else f"the family of {pool.vm_size or 'its VM size'}"
    then = f"then resize the pool (`azure-batch-maya pools resize {pool.id} --dedicated N`)"
    remedies = {
        "AccountCoreQuotaReached": (
            "the Batch account's dedicated core quota is used up: request more dedicated cores "
            f"for {family} ({QUOTA_PAGE}), resize other pools down, or pick a smaller VM size; "
            + then
        ),
        "AccountLowPriorityCoreQuotaReached": (
            f"the account's Spot (low-priority) core quota is used up: request more Spot cores "
            f"({QUOTA_PAGE}), or use dedicated nodes; {then}"
        ),
        "AccountSpotCoreQuotaReached": (
            f"the account's Spot core quota is used up: request more Spot cores ({QUOTA_PAGE}), "
            f"or use dedicated nodes; {then}"
        ),
        "AccountVMSeriesCoreQuotaReached": (
            f"the quota of the {family} VM family is used up: request more cores for {family} "
            f"({QUOTA_PAGE}), or pick a VM size of another family; {then}"
        ),
        "AllocationFailed": (
            f"Azure could not allocate {pool.vm_size or 'this VM size'} nodes (no capacity in "
            "the region, or no free addresses in the pool's subnet): pick another VM size, ask "
            f"for fewer nodes, or try later; {then}"
        ),
        "AllocationTimedout": (
            "the nodes did not come within the pool's resize timeout: resize again, or recreate "
            f"the pool with a longer resize timeout; {then}"
        ),
        "RemoveNodesFailed": (
            "some nodes could not be removed: resize again, or delete the pool "
            f"(`azure-batch-maya pools delete {pool.id}`)"
        ),
        "ResizeStopped": f"a stop-resize request ended the resize early: {then}",
    }
    return remedies.get(
        code,
        f"the service gave this reason; fix what it names, {then}, or recreate the pool "
        f"(see {DOCS})",
    )


def _scout_problems(job: JobFacts) -> Iterable[Problem]:
    """Failed scouts block the rest for ever (Batch's `dependencyAction: block`); scouts that
    all rendered leave the rest waiting for the artist's go."""
    if job.scout_failures:
        first = job.scout_failures[0]
        lines = [line for line in first.stderr_tail.strip().splitlines() if line.strip()]
        said = f": {lines[-1].strip()}" if lines else ""
        more = len(job.scout_failures) - 1
        others = f" and {more} other scout{'s' if more != 1 else ''}" if more else ""
        yield Problem(
            "ScoutsFailed",
            "",
            f"scouts failed: frame {first.frame} (task {first.task_id}, exit code "
            f"{first.exit_code}){others}, so the rest of the job will not start{said}",
            f"read the whole stderr with `azure-batch-maya jobs show {job.id}`; fix the scene, "
            f"cancel this job (`azure-batch-maya jobs cancel {job.id}`) and submit again",
            True,
        )
    elif job.awaiting_go:
        yield Problem(
            "WaitingForRelease",
            "",
            "the scout frames rendered; the rest of the job waits for your go",
            f"look at the scout frames (`azure-batch-maya download {job.id} --to DIR`), then "
            f"`azure-batch-maya jobs release {job.id}` (Render the Rest on the Jobs tab), or "
            f"`azure-batch-maya jobs cancel {job.id}`",
            True,
        )


def _preparation_problems(job: JobFacts) -> Iterable[Problem]:
    """A failed job preparation keeps its node from the job's tasks; everywhere: stuck."""
    failures = job.preparation_failures
    if not failures:
        return ()
    first = failures[0]
    said = first.message or f"exit code {first.exit_code}"
    remedy = (
        f"read its stderr with `azure-batch-maya jobs show {job.id}`; fix the inputs (or the "
        "image), then submit again"
    )
    if any(f.exit_code == 127 for f in failures):
        remedy = (
            "exit code 127: a program was not found on the node; without Maya here, try the "
            "pipeline with --stand-in; on Azure, give the nodes Maya by one of the Env tab's "
            "routes (install at node start, custom image, container: docs/azure.md); " + remedy
        )
    live = job.pool.live_nodes if job.pool is not None else len(failures)
    nodes = f"{len(failures)} node{'s' if len(failures) != 1 else ''}"
    return (
        Problem(
            "JobPreparationFailed",
            job.pool_id,
            f"fetching the job's inputs failed on {nodes} ({first.node_id}: {said})",
            remedy,
            len({f.node_id for f in failures}) >= live,
        ),
    )


def _nodes(which: list[NodeFacts], pool: PoolFacts) -> str:
    return f"{len(which)} of {len(pool.nodes)} node{'s' if len(pool.nodes) != 1 else ''}"


# From the service's models (the data-layer seam) ------------------------------------------------


def node_facts(node: models.BatchNode) -> NodeFacts:
    info = node.start_task_info
    failure = info.failure_info if info is not None else None
    said = ""
    if failure is not None:
        said = ": ".join(part for part in (failure.code, failure.message) if part)
    errors = tuple(
        ": ".join(part for part in (e.code, e.message) if part) for e in node.errors or ()
    )
    return NodeFacts(
        id=node.id or "",
        state=_name(node.state),
        dedicated=bool(node.is_dedicated),
        start_task_exit_code=info.exit_code if info is not None else None,
        start_task_failure=said,
        errors=errors,
    )


def pool_facts(
    pool: models.BatchPool, nodes: Iterable[models.BatchNode], *, local: bool
) -> PoolFacts:
    return PoolFacts(
        id=pool.id or "",
        vm_size=pool.vm_size or "",
        state=_name(pool.state),
        allocation_state=_name(pool.allocation_state),
        dedicated=(pool.current_dedicated_nodes or 0, pool.target_dedicated_nodes or 0),
        spot=(pool.current_low_priority_nodes or 0, pool.target_low_priority_nodes or 0),
        resize_errors=tuple(
            ResizeProblem(e.code or "Unknown", e.message or "") for e in pool.resize_errors or ()
        ),
        nodes=tuple(node_facts(n) for n in nodes),
        auto_scale=bool(pool.enable_auto_scale),
        local=local,
    )


def _name(state: object) -> str:
    return str(getattr(state, "value", state) or "unknown")


# Fetching ---------------------------------------------------------------------------------------


def fetch_pool_facts(conn: Connection, pool_id: str) -> PoolFacts | None:
    """The pool and, when it has any, its nodes; None when it is gone (or not yet made)."""
    try:
        pool = pools.get_pool(conn.batch, pool_id, select=POOL_FIELDS)
    except NotFoundError:
        return None
    has_nodes = (pool.current_dedicated_nodes or 0) + (pool.current_low_priority_nodes or 0)
    nodes = (
        pools.list_nodes(conn.batch, pool_id, select=NODE_FIELDS, missing_ok=True)
        if has_nodes
        else []
    )
    return pool_facts(pool, nodes, local=conn.local)


def fetch_job_facts(
    conn: Connection,
    job_id: str,
    *,
    counts: TaskCounts | None = None,
    pools_seen: dict[str, PoolFacts | None] | None = None,
) -> JobFacts:
    """What the verdict needs, asking for the pool only when tasks wait and none runs."""
    counts = counts if counts is not None else tasks.get_task_counts(conn.batch, job_id)
    job = jobs.get_job(
        conn.batch, job_id, select=["id", "state", "poolInfo", "executionInfo", "metadata"]
    )
    return facts_of_job(conn, job, counts, pools_seen=pools_seen)


def job_pool_id(job: models.BatchJob) -> str:
    """The pool a job runs on: its own, or the auto-pool made for it (once made)."""
    if job.execution_info is not None and job.execution_info.pool_id:
        return job.execution_info.pool_id
    if job.pool_info is not None and job.pool_info.pool_id:
        return job.pool_info.pool_id
    return ""


def facts_of_job(
    conn: Connection,
    job: models.BatchJob,
    counts: TaskCounts,
    *,
    pools_seen: dict[str, PoolFacts | None] | None = None,
) -> JobFacts:
    """The facts of a job already fetched (with `poolInfo` and `executionInfo`).

    `pools_seen` lets a listing of many jobs ask for each pool once.
    """
    job_id = job.id or ""
    pool_id = job_pool_id(job)
    facts = JobFacts(job_id, _name(job.state), counts, pool_id)
    if facts.over or counts.running or not counts.active:
        return facts
    failures, awaiting = _scout_facts(conn, job)
    facts = JobFacts(job_id, facts.state, counts, pool_id, None, (), False, failures, awaiting)
    if not pool_id or failures or awaiting:
        return facts
    if pools_seen is not None and pool_id in pools_seen:
        pool = pools_seen[pool_id]
    else:
        pool = fetch_pool_facts(conn, pool_id)
        if pools_seen is not None:
            pools_seen[pool_id] = pool
    preparation = tasks.preparation_failures(conn.batch, job_id) if pool and pool.nodes else ()
    return JobFacts(job_id, facts.state, counts, pool_id, pool, preparation, pool is None)


def _scout_facts(conn: Connection, job: models.BatchJob) -> tuple[tuple[ScoutFailure, ...], bool]:
    """Failed scouts (with their stderr's end), and whether the rest waits for the go."""
    from azure_batch_maya.app.jobs.scouts import state_of
    from azure_batch_maya.app.submit import stderr_tail
    from azure_batch_maya.services.batch import metadata_dict

    metadata = metadata_dict(job.metadata)
    if not metadata.get(META_SCOUTS):
        return (), False
    job_id = job.id or ""
    listed = tasks.list_tasks(conn.batch, job_id, select=["id", "state", "executionInfo"])
    state = state_of(job_id, metadata, listed)
    failures = tuple(
        ScoutFailure(s.id, s.exit_code, stderr_tail(conn.blobs, job_id, s.id)) for s in state.failed
    )
    return failures, state.awaiting_go


def check_job(conn: Connection, job_id: str) -> Verdict:
    """The job's verdict now (a few calls; one when tasks are running)."""
    return job_verdict(fetch_job_facts(conn, job_id))
