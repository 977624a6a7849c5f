"""How a resizing pool's nodes change in one step: a pure plan the engine then carries out.

Nodes are this machine's slots, shared by all pools up to the server's `--slots`. Shrinking
removes nodes asked to leave first, then idle ones; busy ones leave the pool once their
tasks are dealt with. A pool that cannot get its nodes waits while another pool is freeing
some, and otherwise settles with the service's quota error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from azure_batch_maya.local.entities import node_id

Doc = Mapping[str, Any]


@dataclass(frozen=True)
class AllocationPlan:
    """One resize step: nodes to create, to delete (idle), to drain (busy), and the outcome."""

    add: tuple[tuple[int, bool], ...]
    remove: tuple[str, ...]
    leave: tuple[str, ...]
    dedicated: int
    low_priority: int
    short: bool
    steady: bool


def plan_allocation(
    pool: Doc, nodes: Sequence[Doc], used: Mapping[str, int], room: int, freeing: int
) -> AllocationPlan:
    """Plan the next step of `pool`'s resize with `room` free slots on the machine.

    `used` gives the busy slots per node; `freeing` counts nodes of other pools on their way
    out, worth waiting for rather than failing the resize.
    """
    add: list[tuple[int, bool]] = []
    remove: list[str] = []
    leave: list[str] = []
    counts: dict[bool, int] = {}
    short = False
    stopping = pool["allocationState"] == "stopping"
    leaving = {node["id"] for node in nodes if node.get("state") == "leavingpool"}
    for dedicated, target_name in (
        (True, "targetDedicatedNodes"),
        (False, "targetLowPriorityNodes"),
    ):
        mine = [node["id"] for node in nodes if node["isDedicated"] == dedicated]
        target = len(mine) if stopping else int(pool[target_name])
        # Nodes asked to leave (remove nodes) go first, then idle ones.
        idle_first = sorted(mine, key=lambda n: (n not in leaving, used.get(n, 0), n))
        for node in idle_first[: max(0, len(mine) - target)]:
            (leave if used.get(node, 0) else remove).append(node)
        kept = len(mine) - len([n for n in mine if n in remove])
        room -= kept
        taken = set(mine)
        index = 0
        while kept < target:
            if room <= 0:
                short = True
                break
            if node_id(str(pool["id"]), index, dedicated) not in taken:
                add.append((index, dedicated))
                kept += 1
                room -= 1
            index += 1
        counts[dedicated] = kept
    draining = counts[True] > int(pool["targetDedicatedNodes"]) or counts[False] > int(
        pool["targetLowPriorityNodes"]
    )
    waiting = short and freeing > 0 and not stopping
    return AllocationPlan(
        add=tuple(add),
        remove=tuple(remove),
        leave=tuple(leave),
        dedicated=counts[True],
        low_priority=counts[False],
        short=short,
        steady=stopping or not (draining or waiting),
    )
