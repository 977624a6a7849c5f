"""Pools: the list with node counts and the idle warning, resize to 0, delete."""

from __future__ import annotations

import pytest

from azure_batch_maya.controllers.pools import PoolRow, PoolsController
from azure_batch_maya.services import pools
from azure_batch_maya.services.batch import MarketplaceImage, PoolSpec
from tests.services.specs import unique, wait_for

pytestmark = pytest.mark.slow

UBUNTU = MarketplaceImage("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04")


def test_a_pool_is_listed_resized_to_zero_and_deleted(connected):
    batch = connected.require_connection().batch
    pool_id = unique("panel-pool")
    pools.create_pool(batch, PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU, dedicated_nodes=1))
    controller = PoolsController(connected)

    def listed() -> PoolRow | None:
        rows = controller.list_pools()
        row = next((r for r in rows if r.id == pool_id), None)
        return row if row and row.idle_nodes == 1 else None

    row = wait_for(listed)
    assert row is not None
    controller.apply(controller.list_pools())
    assert row.dedicated == (1, 1) and row.spot == (0, 0)
    assert row.vm_size.lower() == "standard_d4s_v5" and row.state == "active"
    assert row.idle_cost_per_hour is None  # the local pool costs nothing
    assert row.warning == "1 idle node: resize to 0 when no job needs them"

    controller.resize(pool_id, dedicated=0)
    shrunk = wait_for(
        lambda: next(
            (r for r in controller.list_pools() if r.id == pool_id and r.dedicated == (0, 0)),
            None,
        )
    )
    assert shrunk is not None and shrunk.warning == ""
    controller.delete(pool_id)
    wait_for(lambda: pool_id not in {r.id for r in controller.list_pools()})


def test_the_warning_names_the_hourly_cost_when_priced():
    row = PoolRow("p", "active", "steady", (3, 3), (2, 2), "Standard_D8s_v5", 3, 1.234, "USD")
    assert row.warning == "3 idle nodes cost 1.23 USD/hour doing nothing: resize to 0 between jobs"


def test_negative_counts_are_refused(connected):
    with pytest.raises(ValueError, match="negative"):
        PoolsController(connected).resize("any", dedicated=-1)
