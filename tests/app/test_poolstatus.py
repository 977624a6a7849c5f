"""Pool rows and the hourly cost of their idle nodes, without a service."""

from __future__ import annotations

from azure.batch import models

from azure_batch_maya.app.pools.status import IdleNodes, idle_cost_per_hour, idle_nodes, pool_row
from azure_batch_maya.render.cost import parse_prices

TABLE = parse_prices(
    {
        "as_of": "2026-11-26",
        "currency": "USD",
        "region": "eastus",
        "prices": {"Standard_D8s_v5": {"linux": {"dedicated": 0.4, "spot": 0.1}}},
    },
    "test",
)


def node(state: str, dedicated: bool, running: int = 0) -> models.BatchNode:
    return models.BatchNode(
        {"id": "n", "state": state, "isDedicated": dedicated, "runningTasksCount": running}
    )


def pool(vm_size: str = "Standard_D8s_v5") -> models.BatchPool:
    return models.BatchPool(
        {
            "id": "render",
            "state": "active",
            "allocationState": "steady",
            "vmSize": vm_size,
            "currentDedicatedNodes": 2,
            "targetDedicatedNodes": 2,
            "currentLowPriorityNodes": 3,
            "targetLowPriorityNodes": 4,
        }
    )


def test_only_nodes_up_and_running_nothing_are_idle():
    nodes = [
        node("idle", True),
        node("running", True, running=1),
        node("idle", False),
        node("idle", False),
        node("starting", False),
        node("preempted", False),
    ]
    assert idle_nodes(nodes) == IdleNodes(dedicated=1, spot=2)


def test_idle_nodes_cost_their_hourly_price_dedicated_and_spot_apart():
    nodes = [node("idle", True), node("idle", False), node("idle", False)]
    row = pool_row(pool(), nodes)
    assert row.idle == IdleNodes(dedicated=1, spot=2)
    assert (row.dedicated, row.spot) == ((2, 2), (3, 4))
    assert row.to_json()["spot"] == {"current": 3, "target": 4}
    cost = idle_cost_per_hour(row, TABLE)
    assert cost is not None and round(cost, 4) == 0.6


def test_a_vm_size_without_a_price_has_no_idle_cost():
    row = pool_row(pool("Standard_Unknown"), [node("idle", True)])
    assert idle_cost_per_hour(row, TABLE) is None


def test_resize_errors_and_dead_nodes_make_the_trouble_column_and_the_json():
    data = pool().as_dict()
    data["resizeErrors"] = [{"code": "AllocationFailed", "message": "No capacity for D8s_v5."}]
    nodes = [
        models.BatchNode(
            {
                "id": "tvm-1",
                "state": "starttaskfailed",
                "isDedicated": True,
                "startTaskInfo": {"state": "completed", "exitCode": 1, "retryCount": 0},
            }
        ),
        models.BatchNode(
            {
                "id": "tvm-2",
                "state": "unusable",
                "isDedicated": True,
                "errors": [{"code": "DiskFull", "message": "The node's disk is full."}],
            }
        ),
        node("idle", False),
    ]
    row = pool_row(models.BatchPool(data), nodes)
    assert row.trouble == "AllocationFailed, 2 unusable"
    assert row.unusable_nodes == 2
    codes = [p["code"] for p in row.to_json()["problems"]]
    assert codes == ["AllocationFailed", "StartTaskFailed", "NodeUnusable"]
    # one node still works, so nothing here is a dead end
    assert not any(p.definitive for p in row.problems)


def test_a_pool_resized_to_zero_is_no_problem_in_the_list():
    data = pool().as_dict()
    data.update(
        currentDedicatedNodes=0,
        targetDedicatedNodes=0,
        currentLowPriorityNodes=0,
        targetLowPriorityNodes=0,
    )
    row = pool_row(models.BatchPool(data), [])
    assert (row.problems, row.trouble) == ((), "")
