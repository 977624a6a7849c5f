"""What a job is doing and, once it is over, what it used: for `jobs list|show` and the Jobs tab.

Progress comes from one task-count call per job, never from listing tasks. Node-hours come from
the tasks' own start and end times, so they count rendering, not nodes left idle.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.batch import models

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.jobs.health import (
    PoolFacts,
    Verdict,
    facts_of_job,
    job_pool_id,
    job_verdict,
)
from azure_batch_maya.render.cost import (
    CostEstimate,
    NodeHours,
    PriceError,
    cost_of,
    load_prices,
    node_hours,
)
from azure_batch_maya.render.pathmap import NodeOS
from azure_batch_maya.services import jobs, pools, tasks
from azure_batch_maya.services.errors import NotFoundError
from azure_batch_maya.services.tasks import TaskCounts

log = logging.getLogger(__name__)

JOB_FIELDS = ("id", "state", "creationTime", "poolInfo", "executionInfo", "metadata")
COUNT_WORKERS = 8
OVER_STATES = frozenset({"completed", "terminating", "deleting"})


@dataclass(frozen=True)
class JobRow:
    """One line of the job list."""

    id: str
    state: str
    created: datetime | None
    pool_id: str
    counts: TaskCounts
    verdict: Verdict | None = None  # why it waits, or how it ended (see app.jobs.health)

    @property
    def over(self) -> bool:
        """The job ended (completed or stopped) or all its tasks did."""
        return self.state in OVER_STATES or (self.counts.done and self.counts.total > 0)

    @property
    def stuck(self) -> bool:
        """Nothing will run without someone: the verdict names what stops it."""
        return self.verdict is not None and self.verdict.status == "stuck"

    @property
    def status(self) -> str:
        """The state people need: "stuck" when nothing will run without them, else the job's."""
        return "stuck" if self.stuck else self.state

    @property
    def progress(self) -> int:
        """Percent of tasks finished (0 with no tasks yet)."""
        c = self.counts
        return round(100 * c.completed / c.total) if c.total else 0

    @property
    def progress_text(self) -> str:
        """ "3/10 done, 2 running, 1 failed": `jobs list`'s Progress column and the tab's bar."""
        c = self.counts
        text = f"{c.completed}/{c.total} done"
        if c.running:
            text += f", {c.running} running"
        if c.failed:
            text += f", {c.failed} failed"
        return text

    def to_json(self) -> dict[str, Any]:
        c = self.counts
        return {
            "id": self.id,
            "state": self.state,
            "status": self.status,
            "health": self.verdict.to_json() if self.verdict else None,
            "created": self.created.isoformat() if self.created else None,
            "pool": self.pool_id,
            "tasks": {
                "total": c.total,
                "active": c.active,
                "running": c.running,
                "completed": c.completed,
                "succeeded": c.succeeded,
                "failed": c.failed,
            },
        }


@dataclass(frozen=True)
class PoolShape:
    """What a job's nodes were: enough to price them."""

    vm_size: str
    node_os: NodeOS
    dedicated_nodes: int
    spot_nodes: int


@dataclass(frozen=True)
class JobUsage:
    """Node-hours a finished job's tasks ran, and their price (None: no price to give)."""

    used: NodeHours
    cost: CostEstimate | None
    note: str  # why there is no cost, or how it was reckoned

    def to_json(self) -> dict[str, Any]:
        return {
            "node_hours": {
                "dedicated": round(self.used.dedicated, 6),
                "spot": round(self.used.spot, 6),
            },
            "cost": self.cost.to_json() if self.cost else None,
            "note": self.note,
        }


def state_name(state: object) -> str:
    """`BatchJobState.ACTIVE` (or a plain string from an older service) as `active`."""
    return str(getattr(state, "value", state) or "unknown")


def job_row(job: models.BatchJob, counts: TaskCounts, verdict: Verdict | None = None) -> JobRow:
    return JobRow(
        job.id or "", state_name(job.state), job.creation_time, job_pool_id(job), counts, verdict
    )


def list_job_rows(
    conn: Connection, *, final_counts: MutableMapping[str, TaskCounts] | None = None
) -> list[JobRow]:
    """Every job, newest first, each with its progress (one task-count call per job).

    The task counts are asked for a few jobs at a time: an account with hundreds of jobs
    would otherwise wait on hundreds of round trips in a row. Jobs whose tasks wait with none
    running also get a verdict (their pool is asked once, however many jobs share it). A job
    deleted between the listing and its count is left out: it is gone. `final_counts` keeps
    completed jobs' counts, which never change, for a caller that lists again and again (the
    Jobs tab): they are asked once.
    """
    listed = jobs.list_jobs(conn.batch, select=JOB_FIELDS)
    known = final_counts if final_counts is not None else {}

    def count(job: models.BatchJob) -> TaskCounts | None:
        job_id = job.id or ""
        if job_id in known:
            return known[job_id]
        try:
            counts = tasks.get_task_counts(conn.batch, job_id)
        except NotFoundError:
            return None
        if state_name(job.state) == "completed":
            known[job_id] = counts
        return counts

    with ThreadPoolExecutor(max_workers=COUNT_WORKERS, thread_name_prefix="taskcounts") as pool:
        counted = list(pool.map(count, listed))
    seen: dict[str, PoolFacts | None] = {}
    rows = [
        job_row(job, c, _verdict(conn, job, c, seen))
        for job, c in zip(listed, counted, strict=True)
        if c is not None
    ]
    return sorted(rows, key=lambda r: (r.created is not None, r.created), reverse=True)


def _verdict(
    conn: Connection, job: models.BatchJob, counts: TaskCounts, seen: dict[str, PoolFacts | None]
) -> Verdict | None:
    try:
        return job_verdict(facts_of_job(conn, job, counts, pools_seen=seen))
    except NotFoundError:  # deleted meanwhile: the next listing leaves it out
        return None


def get_job_row(conn: Connection, job_id: str) -> JobRow:
    job = jobs.get_job(conn.batch, job_id, select=JOB_FIELDS)
    counts = tasks.get_task_counts(conn.batch, job_id)
    return job_row(job, counts, job_verdict(facts_of_job(conn, job, counts)))


def node_os_of(config: models.VirtualMachineConfiguration | None) -> NodeOS:
    agent = (config.node_agent_sku_id or "") if config is not None else ""
    return "windows" if agent.lower().startswith("batch.node.windows") else "linux"


def pool_shape(job: models.BatchJob, pool: models.BatchPool | None) -> PoolShape | None:
    """The VM size and OS of a job's pool, from the pool while it exists, else the job's spec."""
    if pool is not None and pool.vm_size:
        return PoolShape(
            pool.vm_size,
            node_os_of(pool.virtual_machine_configuration),
            pool.target_dedicated_nodes or 0,
            pool.target_low_priority_nodes or 0,
        )
    auto = job.pool_info.auto_pool_specification if job.pool_info else None
    spec = auto.pool if auto else None
    if spec is None or not spec.vm_size:
        return None
    return PoolShape(
        spec.vm_size,
        node_os_of(spec.virtual_machine_configuration),
        spec.target_dedicated_nodes or 0,
        spec.target_low_priority_nodes or 0,
    )


def task_runs(
    done: Iterable[models.BatchTask], dedicated: Mapping[str, bool], *, default_dedicated: bool
) -> list[tuple[datetime, datetime, bool]]:
    """(start, end, on a dedicated node) of each task that ran, for `cost.node_hours`.

    `dedicated` maps node ids to whether they are dedicated; nodes no longer known (an
    auto-pool goes with its job) take `default_dedicated`.
    """
    runs = []
    for task in done:
        info = task.execution_info
        if info is None or info.start_time is None or info.end_time is None:
            continue
        node = task.node_info.node_id if task.node_info else None
        runs.append((info.start_time, info.end_time, dedicated.get(node or "", default_dedicated)))
    return runs


def job_usage(conn: Connection, job_id: str) -> JobUsage:
    """Node-hours a job's tasks used and their cost at the price table's prices."""
    job = jobs.get_job(conn.batch, job_id)
    pool_id = job_pool_id(job)
    pool = _pool_if_any(conn, pool_id)
    dedicated: dict[str, bool] = {}
    if pool is not None:
        for node in pools.list_nodes(
            conn.batch, pool_id, select=["id", "isDedicated"], missing_ok=True
        ):
            dedicated[node.id or ""] = bool(node.is_dedicated)
    shape = pool_shape(job, pool)
    all_spot = shape is not None and shape.dedicated_nodes == 0 and shape.spot_nodes > 0
    ran = tasks.list_tasks(
        conn.batch,
        job_id,
        filter="state eq 'completed'",
        select=["id", "executionInfo", "nodeInfo"],
    )
    used = node_hours(task_runs(ran, dedicated, default_dedicated=not all_spot))
    if conn.local:
        return JobUsage(used, None, "the local pool costs nothing")
    if shape is None:
        return JobUsage(used, None, "the job's VM size is unknown, so it cannot be priced")
    try:
        cost = cost_of(load_prices(), shape.vm_size, shape.node_os, used)
    except PriceError as exc:
        return JobUsage(used, None, str(exc))
    return JobUsage(used, cost, f"task time on {shape.vm_size} ({shape.node_os}), not idle nodes")


def _pool_if_any(conn: Connection, pool_id: str) -> models.BatchPool | None:
    if not pool_id:
        return None
    try:
        return pools.get_pool(conn.batch, pool_id)
    except NotFoundError:
        return None
