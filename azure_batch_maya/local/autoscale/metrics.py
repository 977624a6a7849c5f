"""The read-only service variables of a pool, measured from its jobs' tasks and its nodes.

Task counts cover the jobs that run on the pool: `$ActiveTasks` only jobs that may schedule
(active or enabling), the others every job. A task whose job preparation runs counts as
active, as the local pool's task counts do. The resource metrics (`$CPUPercent`, memory,
disk, network, `$SampleNodeCount`) are not measured here: they have no samples and no value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Doc = Mapping[str, Any]
Counts = Mapping[str, tuple[int, int]]

TASK_METRICS = (
    "$ActiveTasks",
    "$RunningTasks",
    "$PendingTasks",
    "$SucceededTasks",
    "$FailedTasks",
)
NODE_METRICS = (
    "$CurrentDedicatedNodes",
    "$CurrentLowPriorityNodes",
    "$PreemptedNodeCount",
    "$UsableNodeCount",
    "$TaskSlotsPerNode",
)
MEASURED = TASK_METRICS + NODE_METRICS
RESOURCE_METRICS = (
    "$CPUPercent",
    "$WallClockSeconds",
    "$MemoryBytes",
    "$DiskBytes",
    "$DiskReadBytes",
    "$DiskWriteBytes",
    "$DiskReadOps",
    "$DiskWriteOps",
    "$NetworkInBytes",
    "$NetworkOutBytes",
    "$SampleNodeCount",
)
# An older name Microsoft's PowerShell example still uses.
ALIASES = {"$CurrentDedicated": "$CurrentDedicatedNodes"}
_USABLE = ("idle", "running")
_SCHEDULING = ("active", "enabling")


def measure(
    pool: Doc, nodes: Iterable[Doc], jobs: Iterable[tuple[Doc, Counts]]
) -> dict[str, float]:
    """Every measured variable's value now; `jobs` pairs each job of the pool with its
    task counts (`store.task_counts`: (tasks, slots) per active/running/succeeded/failed)."""
    active = running = succeeded = failed = 0
    for job, counts in jobs:
        if job.get("state") in _SCHEDULING:
            active += counts["active"][0]
        running += counts["running"][0]
        succeeded += counts["succeeded"][0]
        failed += counts["failed"][0]
    states = [str(node.get("state")) for node in nodes]
    values = {
        "$ActiveTasks": active,
        "$RunningTasks": running,
        "$PendingTasks": active + running,
        "$SucceededTasks": succeeded,
        "$FailedTasks": failed,
        "$CurrentDedicatedNodes": int(pool.get("currentDedicatedNodes", 0)),
        "$CurrentLowPriorityNodes": int(pool.get("currentLowPriorityNodes", 0)),
        "$PreemptedNodeCount": states.count("preempted"),
        "$UsableNodeCount": sum(states.count(state) for state in _USABLE),
        "$TaskSlotsPerNode": int(pool.get("taskSlotsPerNode", 1)),
    }
    return {name: float(value) for name, value in values.items()}
