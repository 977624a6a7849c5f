"""Scout frames after submitting: how they went, what the rest will take, and the artist's go.

The measuring is a pure function over task data (`ScoutRun`): each scout task renders one
frame, so its run time on the node (Batch's `executionInfo` start to end) is the measured time
a frame. That time × the rest's frames ÷ the pool's nodes is the rest's time on the pool,
priced by `render/cost.py`'s table. `release` adds the gate task the rest depends on
(`render/scouts.py` says why a gate).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.batch import models

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.render.cost import CostEstimate, PriceError, estimate_cost, load_prices
from azure_batch_maya.render.scouts import GATE_TASK_ID, META_AUTO, META_REST_FRAMES, META_SCOUTS
from azure_batch_maya.services import jobs, tasks
from azure_batch_maya.services.batch import metadata_dict


class ReleaseError(ValueError):
    """The job has no scouts to release, or its scouts failed; the message says what to do."""


@dataclass(frozen=True)
class ScoutRun:
    """One scout task as Batch reports it."""

    id: str
    state: str  # active, preparing, running, completed
    start: datetime | None = None
    end: datetime | None = None
    exit_code: int | None = None
    succeeded: bool = False


@dataclass(frozen=True)
class ScoutState:
    """The scouts of one job, what a frame measured, and whether the rest may start."""

    job_id: str
    scouts: tuple[ScoutRun, ...]
    rest_frames: int  # frames (× layer/camera tasks) the rest renders
    released: bool  # the gate task exists: the rest starts once the scouts succeed
    auto: bool = False
    rest_begun: int = 0  # tasks of the rest no longer waiting (running or done)

    @property
    def done(self) -> tuple[ScoutRun, ...]:
        return tuple(s for s in self.scouts if s.state == "completed")

    @property
    def failed(self) -> tuple[ScoutRun, ...]:
        return tuple(s for s in self.done if not s.succeeded)

    @property
    def all_succeeded(self) -> bool:
        return bool(self.scouts) and all(s.succeeded for s in self.scouts)

    @property
    def awaiting_go(self) -> bool:
        """Every scout rendered and the rest waits only for the artist."""
        return self.all_succeeded and not self.released and self.rest_frames > 0

    @property
    def started_without_go(self) -> bool:
        """The rest ran with no gate task: the service did not hold it (render/scouts.py's
        one guess about Azure); said loudly, never silently."""
        return self.rest_begun > 0 and not self.released

    @property
    def warning(self) -> str:
        if not self.started_without_go:
            return ""
        return (
            f"{self.rest_begun} task(s) of the rest started without the go: this Batch service "
            "does not hold a task on a task not yet added (the gate). Cancel the job "
            f"(`azure-batch-maya jobs cancel {self.job_id}`) if that was not wanted, and report it"
        )

    @property
    def minutes_per_frame(self) -> float | None:
        return measured_minutes_per_frame(self.scouts)

    def to_json(self) -> dict[str, Any]:
        return {
            "scouts": [s.id for s in self.scouts],
            "done": len(self.done),
            "failed": [s.id for s in self.failed],
            "minutes_per_frame": self.minutes_per_frame,
            "rest_frames": self.rest_frames,
            "released": self.released,
            "awaiting_go": self.awaiting_go,
            "warning": self.warning or None,
        }


@dataclass(frozen=True)
class RestEstimate:
    """The rest of the job at the scouts' measured pace on the pool's nodes."""

    minutes_per_frame: float
    frames: int
    nodes: int
    hours: float  # wall-clock on the pool
    cost: CostEstimate | None
    note: str  # why there is no cost, or where the prices come from

    def text(self) -> str:
        """'Measured 0.4 min a frame: the other 9 frames take about 0.1 h on 2 nodes, …'."""
        line = (
            f"Measured {duration(self.minutes_per_frame)} a frame (scout frames): the other "
            f"{self.frames} frames take about {duration(self.hours * 60)} on {self.nodes} "
            f"node{'s' if self.nodes != 1 else ''}"
        )
        if self.cost is None:
            return f"{line} ({self.note})."
        return f"{line}, about {self.cost.total:.2f} {self.cost.currency} ({self.note})."

    def to_json(self) -> dict[str, Any]:
        return {
            "minutes_per_frame": round(self.minutes_per_frame, 6),
            "frames": self.frames,
            "nodes": self.nodes,
            "hours": round(self.hours, 6),
            "cost": self.cost.to_json() if self.cost else None,
            "note": self.note,
        }


def duration(minutes: float) -> str:
    """'12 s', '4.5 min' or '2.3 h': the unit a person reads at a glance."""
    if minutes < 1 / 6:
        return f"{minutes * 60:.1f} s"
    if minutes < 1:
        return f"{minutes * 60:.0f} s"
    if minutes < 60:
        return f"{minutes:.1f} min"
    return f"{minutes / 60:.1f} h"


def measured_minutes_per_frame(runs: tuple[ScoutRun, ...]) -> float | None:
    """The mean run time of the scouts that succeeded (one frame each); None before any did."""
    times = [
        (r.end - r.start).total_seconds() / 60
        for r in runs
        if r.succeeded and r.start is not None and r.end is not None
    ]
    if not times:
        return None
    return max(sum(times) / len(times), 0.0)


def rest_hours(minutes_per_frame: float, frames: int, nodes: int, slots_per_node: int = 1) -> float:
    """The rest's wall-clock hours: its frames at the measured pace, `nodes × slots` at once."""
    lanes = max(nodes, 1) * max(slots_per_node, 1)
    return minutes_per_frame * math.ceil(frames / lanes) / 60 if frames else 0.0


def scout_runs(listed: list[models.BatchTask], scout_ids: tuple[str, ...]) -> tuple[ScoutRun, ...]:
    """The scouts among a job's tasks (the data-layer seam: SDK models to plain facts)."""
    by_id = {(t.id or "").lower(): t for t in listed}
    runs = []
    for task_id in scout_ids:
        task = by_id.get(task_id.lower())
        if task is None:
            runs.append(ScoutRun(task_id, "missing"))
            continue
        info = task.execution_info
        result = str(getattr(info.result, "value", info.result)) if info is not None else ""
        runs.append(
            ScoutRun(
                task_id,
                str(getattr(task.state, "value", task.state) or ""),
                info.start_time if info is not None else None,
                info.end_time if info is not None else None,
                info.exit_code if info is not None else None,
                result == "success",
            )
        )
    return tuple(runs)


def state_of(job_id: str, metadata: dict[str, str], listed: list[models.BatchTask]) -> ScoutState:
    scout_ids = tuple(i for i in metadata.get(META_SCOUTS, "").split(",") if i)
    held = {i.lower() for i in scout_ids} | {GATE_TASK_ID}
    begun = sum(
        1
        for t in listed
        if (t.id or "").lower() not in held
        and str(getattr(t.state, "value", t.state) or "") != "active"
    )
    return ScoutState(
        job_id,
        scout_runs(listed, scout_ids),
        int(metadata.get(META_REST_FRAMES, "0") or 0),
        any((t.id or "").lower() == GATE_TASK_ID for t in listed),
        metadata.get(META_AUTO) == "True",
        begun,
    )


def fetch_scout_state(conn: Connection, job_id: str) -> ScoutState | None:
    """The job's scouts now; None for a job submitted without scouts."""
    job = jobs.get_job(conn.batch, job_id, select=["id", "metadata"])
    metadata = metadata_dict(job.metadata)
    if not metadata.get(META_SCOUTS):
        return None
    listed = tasks.list_tasks(conn.batch, job_id, select=["id", "state", "executionInfo"])
    return state_of(job_id, metadata, listed)


def estimate_rest(conn: Connection, state: ScoutState) -> RestEstimate | None:
    """The rest at the measured pace on the job's pool; None until a scout has succeeded."""
    from azure_batch_maya.app.jobs.health import job_pool_id
    from azure_batch_maya.app.jobs.status import _pool_if_any, pool_shape

    per_frame = state.minutes_per_frame
    if per_frame is None:
        return None
    job = jobs.get_job(conn.batch, state.job_id)
    pool = _pool_if_any(conn, job_pool_id(job))
    shape = pool_shape(job, pool)
    slots = (pool.task_slots_per_node or 1) if pool is not None else 1
    nodes = (shape.dedicated_nodes + shape.spot_nodes) if shape is not None else 0
    hours = rest_hours(per_frame, state.rest_frames, nodes, slots)
    if shape is None or nodes == 0:
        note = "the pool's size is unknown, so its time assumes one node and is not priced"
        return RestEstimate(per_frame, state.rest_frames, max(nodes, 1), hours, None, note)
    try:
        cost = estimate_cost(
            load_prices(),
            shape.vm_size,
            shape.node_os,
            dedicated_nodes=shape.dedicated_nodes,
            spot_nodes=shape.spot_nodes,
            hours=hours,
        )
    except PriceError as exc:
        return RestEstimate(per_frame, state.rest_frames, nodes, hours, None, str(exc))
    where = "on Azure; the local pool itself costs nothing" if conn.local else "on Azure"
    note = f"{shape.vm_size} {where}, {cost.prices_note()}"
    return RestEstimate(per_frame, state.rest_frames, nodes, hours, cost, note)


@dataclass(frozen=True)
class Released:
    job_id: str
    already: bool  # the rest had already been let go (or starts by itself)
    scouts_pending: int  # scouts still rendering: the rest starts when they succeed


def release(conn: Connection, job_id: str) -> Released:
    """The artist's go: add the gate task, so the rest starts once every scout succeeded."""
    from azure_batch_maya.render.job import gate_from_metadata

    job = jobs.get_job(conn.batch, job_id, select=["id", "metadata"])
    metadata = metadata_dict(job.metadata)
    gate = gate_from_metadata(metadata)
    if gate is None:
        raise ReleaseError(
            f"job {job_id} was not submitted with scout frames (--scout); its tasks run as they are"
        )
    listed = tasks.list_tasks(conn.batch, job_id, select=["id", "state", "executionInfo"])
    state = state_of(job_id, metadata, listed)
    if state.failed:
        first = state.failed[0]
        raise ReleaseError(
            f"scout task {first.id} failed (exit code {first.exit_code}), so the rest would "
            f"never start: see why with `azure-batch-maya jobs show {job_id}`, fix the scene and "
            "submit again"
        )
    pending = len(state.scouts) - len(state.done)
    if state.released:
        return Released(job_id, True, pending)
    tasks.create_tasks(conn.batch, job_id, [gate])
    return Released(job_id, False, pending)
