from __future__ import annotations

from azure_batch_maya.local.allocation import plan_allocation
from azure_batch_maya.local.entities import node_id


def pool(dedicated, low=0, state="resizing"):
    return {
        "id": "p",
        "allocationState": state,
        "targetDedicatedNodes": dedicated,
        "targetLowPriorityNodes": low,
    }


def nodes(count, dedicated=True):
    return [{"id": node_id("p", i, dedicated), "isDedicated": dedicated} for i in range(count)]


def test_grows_within_the_room_left_on_the_machine():
    plan = plan_allocation(pool(2, 1), [], {}, room=8, freeing=0)
    assert plan.add == ((0, True), (1, True), (0, False))
    assert (plan.dedicated, plan.low_priority, plan.short, plan.steady) == (2, 1, False, True)


def test_short_of_room_settles_with_an_error_unless_nodes_are_being_freed():
    settled = plan_allocation(pool(5), [], {}, room=2, freeing=0)
    assert (len(settled.add), settled.short, settled.steady) == (2, True, True)
    waiting = plan_allocation(pool(5), [], {}, room=2, freeing=3)
    assert (len(waiting.add), waiting.short, waiting.steady) == (2, True, False)


def test_shrinks_idle_nodes_first_and_drains_busy_ones():
    have = nodes(3)
    busy = {have[0]["id"]: 1, have[1]["id"]: 1}
    plan = plan_allocation(pool(1), have, busy, room=0, freeing=0)
    assert plan.remove == (have[2]["id"],)
    assert plan.leave == (sorted([have[0]["id"], have[1]["id"]])[0],)
    assert (plan.dedicated, plan.steady) == (2, False)


def test_stop_resize_keeps_what_is_there():
    plan = plan_allocation(pool(9, state="stopping"), nodes(2), {}, room=5, freeing=0)
    assert (plan.add, plan.remove, plan.dedicated, plan.steady) == ((), (), 2, True)
