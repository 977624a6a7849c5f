"""What each pool holds and what its idle nodes cost: for `pools list` and the Pools tab.

A node with no task to run is billed all the same; the point of listing pools is to catch
those before the invoice does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from azure.batch import models

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.jobs.health import DEAD_STATES, Problem, pool_facts, pool_problems
from azure_batch_maya.app.jobs.status import node_os_of, state_name
from azure_batch_maya.app.pools.autoscale import autoscale_json
from azure_batch_maya.render.cost import PriceError, PriceTable
from azure_batch_maya.render.pathmap import NodeOS
from azure_batch_maya.services import pools
from azure_batch_maya.services.autoscale import AUTOSCALE_OFF, AutoscaleState, autoscale_state

NODE_CODES = frozenset({"StartTaskFailed", "NodeUnusable"})  # counted as unusable
POOL_FIELDS = (
    "id",
    "state",
    "allocationState",
    "vmSize",
    "virtualMachineConfiguration",
    "currentDedicatedNodes",
    "targetDedicatedNodes",
    "currentLowPriorityNodes",
    "targetLowPriorityNodes",
    "resizeErrors",
    "enableAutoScale",
    "autoScaleFormula",
    "autoScaleEvaluationInterval",
    "autoScaleRun",
)
NODE_FIELDS = ("id", "state", "isDedicated", "runningTasksCount", "startTaskInfo", "errors")


@dataclass(frozen=True)
class IdleNodes:
    dedicated: int
    spot: int

    @property
    def total(self) -> int:
        return self.dedicated + self.spot


@dataclass(frozen=True)
class PoolRow:
    """One line of the pool list."""

    id: str
    state: str
    allocation_state: str
    vm_size: str
    node_os: NodeOS
    dedicated: tuple[int, int]  # current, target
    spot: tuple[int, int]
    idle: IdleNodes
    # Resize errors and nodes that will not run tasks, as app.jobs.health names them.
    problems: tuple[Problem, ...] = ()
    unusable_nodes: int = 0  # start task failed or unusable
    autoscale: AutoscaleState = AUTOSCALE_OFF

    @property
    def trouble(self) -> str:
        """The pool-list column: each problem's code, and how many nodes are out of use."""
        codes = [p.code for p in self.problems if p.code not in NODE_CODES]
        if self.unusable_nodes:
            codes.append(f"{self.unusable_nodes} unusable")
        return ", ".join(codes)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "allocation_state": self.allocation_state,
            "vm_size": self.vm_size,
            "node_os": self.node_os,
            "dedicated": {"current": self.dedicated[0], "target": self.dedicated[1]},
            "spot": {"current": self.spot[0], "target": self.spot[1]},
            "idle_nodes": {"dedicated": self.idle.dedicated, "spot": self.idle.spot},
            "unusable_nodes": self.unusable_nodes,
            "problems": [p.to_json() for p in self.problems],
            "autoscale": autoscale_json(self.autoscale),
        }


def idle_nodes(nodes: Iterable[models.BatchNode]) -> IdleNodes:
    """Nodes up and running no task: paid for, doing nothing."""
    dedicated = spot = 0
    for node in nodes:
        if state_name(node.state) != "idle" or (node.running_tasks_count or 0) > 0:
            continue
        if node.is_dedicated:
            dedicated += 1
        else:
            spot += 1
    return IdleNodes(dedicated, spot)


def pool_row(
    pool: models.BatchPool, nodes: Sequence[models.BatchNode], *, local: bool = False
) -> PoolRow:
    """A pool's line, with its resize errors and dead nodes (a pool at 0 is no problem here)."""
    facts = pool_facts(pool, nodes, local=local)
    problems = tuple(p for p in pool_problems(facts) if p.code != "PoolHasNoNodes")
    return PoolRow(
        pool.id or "",
        state_name(pool.state),
        state_name(pool.allocation_state),
        pool.vm_size or "",
        node_os_of(pool.virtual_machine_configuration),
        (pool.current_dedicated_nodes or 0, pool.target_dedicated_nodes or 0),
        (pool.current_low_priority_nodes or 0, pool.target_low_priority_nodes or 0),
        idle_nodes(nodes),
        problems,
        sum(1 for n in facts.nodes if n.state in DEAD_STATES),
        autoscale_state(pool),
    )


def idle_cost_per_hour(row: PoolRow, table: PriceTable) -> float | None:
    """What the idle nodes cost an hour on Azure; None when the table has no price for them."""
    try:
        price = table.price(row.vm_size, row.node_os)
    except PriceError:
        return None
    return row.idle.dedicated * price.dedicated + row.idle.spot * price.spot


def list_pool_rows(conn: Connection) -> list[PoolRow]:
    """Every pool with its idle nodes (one node listing per pool that has nodes)."""
    rows = []
    for pool in pools.list_pools(conn.batch, select=POOL_FIELDS):
        has_nodes = (pool.current_dedicated_nodes or 0) + (pool.current_low_priority_nodes or 0)
        nodes = (
            pools.list_nodes(conn.batch, pool.id or "", select=NODE_FIELDS, missing_ok=True)
            if has_nodes
            else []
        )
        rows.append(pool_row(pool, nodes, local=conn.local))
    return sorted(rows, key=lambda r: r.id)


def get_pool_row(conn: Connection, pool_id: str) -> PoolRow:
    pool = pools.get_pool(conn.batch, pool_id, select=POOL_FIELDS)
    nodes = pools.list_nodes(conn.batch, pool_id, select=NODE_FIELDS)
    return pool_row(pool, nodes, local=conn.local)
