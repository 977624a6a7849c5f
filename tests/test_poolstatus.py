"""Pool rows and the hourly cost of their idle nodes, without a service."""

from __future__ import annotations

from azure.batch import models

from azure_batch_maya.poolstatus import IdleNodes, idle_cost_per_hour, idle_nodes, pool_row
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
    row = pool_row(pool(), IdleNodes(dedicated=1, spot=2))
    assert (row.dedicated, row.spot) == ((2, 2), (3, 4))
    assert row.to_json()["spot"] == {"current": 3, "target": 4}
    cost = idle_cost_per_hour(row, TABLE)
    assert cost is not None and round(cost, 4) == 0.6


def test_a_vm_size_without_a_price_has_no_idle_cost():
    row = pool_row(pool("Standard_Unknown"), IdleNodes(dedicated=1, spot=0))
    assert idle_cost_per_hour(row, TABLE) is None
