"""Measuring a pool's read-only variables from its jobs' task counts and its nodes."""

from __future__ import annotations

from azure_batch_maya.local.autoscale.metrics import MEASURED, measure


def _counts(active=0, running=0, succeeded=0, failed=0):
    return {
        "active": (active, active),
        "running": (running, running),
        "completed": (succeeded + failed, succeeded + failed),
        "succeeded": (succeeded, succeeded),
        "failed": (failed, failed),
    }


def test_task_and_node_counts():
    pool = {"currentDedicatedNodes": 2, "currentLowPriorityNodes": 1, "taskSlotsPerNode": 4}
    nodes = [{"state": "idle"}, {"state": "running"}, {"state": "preempted"}]
    jobs = [
        ({"state": "active"}, _counts(active=3, running=2, succeeded=4, failed=1)),
        ({"state": "disabled"}, _counts(active=5, running=1)),
        ({"state": "terminating"}, _counts(running=1, failed=2)),
    ]
    values = measure(pool, nodes, jobs)
    assert set(values) == set(MEASURED)
    assert values == {
        "$ActiveTasks": 3.0,  # a disabled job's tasks cannot be scheduled
        "$RunningTasks": 4.0,
        "$PendingTasks": 7.0,
        "$SucceededTasks": 4.0,
        "$FailedTasks": 3.0,
        "$CurrentDedicatedNodes": 2.0,
        "$CurrentLowPriorityNodes": 1.0,
        "$PreemptedNodeCount": 1.0,
        "$UsableNodeCount": 2.0,
        "$TaskSlotsPerNode": 4.0,
    }


def test_an_empty_pool_counts_zero():
    values = measure({}, [], [])
    assert values["$PendingTasks"] == 0.0 and values["$TaskSlotsPerNode"] == 1.0
