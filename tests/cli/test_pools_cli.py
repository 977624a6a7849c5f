"""`pools list|resize|delete` on the local pool: idle nodes flagged, resized to 0, deleted."""

from __future__ import annotations

import io
from typing import Any

import pytest

from azure_batch_maya.cli import main
from azure_batch_maya.services import pools
from tests.cli.localjobs import (
    delete_pool_if_any,
    empty_pool,
    local,
    run_json,
)

pytestmark = pytest.mark.slow


def listed(capsys, pool_id: str) -> dict[str, Any]:
    code, data = run_json(capsys, "pools", "list", "--local")
    assert code == 0 and data["currency"] == "USD"
    (pool,) = [p for p in data["pools"] if p["id"] == pool_id]
    result: dict[str, Any] = pool
    return result


def test_an_idle_node_is_flagged_until_the_pool_is_resized_to_0_then_deleted(
    local_home, capsys, monkeypatch
):
    conn = local()
    pool_id = empty_pool(conn)
    try:
        pool = listed(capsys, pool_id)
        assert (pool["state"], pool["allocation_state"]) == ("active", "steady")
        assert pool["dedicated"] == {"current": 0, "target": 0}
        assert pool["vm_size"] == "Standard_D4s_v5" and pool["node_os"] == "linux"

        code, resized = run_json(
            capsys, "pools", "resize", pool_id, "--dedicated", "1", "--spot", "0", "--local"
        )
        assert code == 0 and resized["finished"] is True
        assert resized["dedicated"] == {"current": 1, "target": 1}

        pool = listed(capsys, pool_id)
        assert pool["idle_nodes"] == {"dedicated": 1, "spot": 0}
        assert pool["idle_cost_per_hour"] == 0.0  # the local pool is free
        assert main(["pools", "list", "--local"]) == 0
        out = capsys.readouterr().out
        (line,) = [line for line in out.splitlines() if line.startswith(pool_id)]
        assert line.split() == [
            pool_id,
            "active",
            "steady",
            "1/1",
            "0/0",
            "Standard_D4s_v5",
            "-",  # no resize errors, no unusable nodes
        ]
        # what the node would cost on Azure: the shipped table's Standard_D4s_v5 Linux price
        assert f"Warning: pool {pool_id} has 1 idle node" in out and "0.19 USD/hour" in out

        assert main(["pools", "resize", pool_id, "--dedicated", "0", "--local"]) == 0
        assert f"Pool {pool_id} now has 0 dedicated and 0 Spot nodes." in capsys.readouterr().out
        assert listed(capsys, pool_id)["idle_nodes"] == {"dedicated": 0, "spot": 0}
        assert main(["pools", "list", "--local"]) == 0
        assert f"pool {pool_id} has" not in capsys.readouterr().out

        monkeypatch.setattr("sys.stdin", io.StringIO(""))
        assert main(["pools", "delete", pool_id, "--local"]) == 2
        assert "not deleting pool" in capsys.readouterr().err and pools.pool_exists(
            conn.batch, pool_id
        )
        code, deleted = run_json(capsys, "pools", "delete", pool_id, "--yes", "--local")
        assert (code, deleted) == (0, {"pool_id": pool_id, "deleted": True})
        assert not pools.pool_exists(conn.batch, pool_id)
    finally:
        delete_pool_if_any(conn, pool_id)


def test_resize_refuses_negative_counts_and_unknown_pools(local_home, capsys):
    assert main(["pools", "resize", "p", "--dedicated", "-1", "--local"]) == 2
    assert "--dedicated: -1: give a number from 0" in capsys.readouterr().err
    assert main(["pools", "resize", "no-such-pool", "--dedicated", "0", "--local"]) == 2
    assert "pool does not exist" in capsys.readouterr().err
