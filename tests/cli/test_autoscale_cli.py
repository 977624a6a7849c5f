"""A pool that sizes itself, end to end on a local pool with second-long autoscale intervals.

`submit --pool new:ID --autoscale MAX` makes the pool with our formula and no nodes; the job
makes it grow, and once its tasks end and the idle minutes pass it goes back to 0 nodes.
`pools autoscale` changes the formula, turns it off, and shows its state.
"""

from __future__ import annotations

import uuid

import pytest

from azure_batch_maya.cli import main
from azure_batch_maya.render.autoscale import formula
from azure_batch_maya.services import autoscale, pools, tasks
from tests.cli.localjobs import (
    delete_pool_if_any,
    empty_pool,
    local,
    run_json,
    submit_stand_in,
    wait_for_job,
    wait_until,
)

pytestmark = pytest.mark.slow

INTERVAL_MINUTES = "0.05"  # 3 s between evaluations
IDLE_MINUTES = "0.05"  # 0 nodes after 3 s without work


def _nodes(pool_id: str) -> tuple[int, int]:
    pool = pools.get_pool(local().batch, pool_id)
    return (pool.current_dedicated_nodes or 0, pool.current_low_priority_nodes or 0)


def test_an_autoscale_pool_grows_for_a_job_and_empties_after_its_tasks(
    autoscale_home, example, capsys
):
    conn = local()
    pool_id = f"auto-{uuid.uuid4().hex[:8]}"
    try:
        job_id = submit_stand_in(
            capsys,
            example,
            "--frames",
            "1-3",
            "--pool",
            f"new:{pool_id}",
            "--autoscale",
            "2",
            "--idle-minutes",
            IDLE_MINUTES,
            "--autoscale-interval",
            INTERVAL_MINUTES,
        )
        pool = pools.get_pool(conn.batch, pool_id)
        assert pool.enable_auto_scale is True
        assert pool.auto_scale_formula == formula(2, 0.0, 0.05)
        # The pool starts with no node: only the formula can give the job somewhere to run.
        wait_until(lambda: sum(_nodes(pool_id)) > 0, timeout=20, what="the pool to grow")
        wait_for_job(conn, job_id)
        assert tasks.get_task_counts(conn.batch, job_id).succeeded == 3
        wait_until(lambda: _nodes(pool_id) == (0, 0), timeout=30, what="the pool to empty")

        code, data = run_json(capsys, "pools", "list", "--local")
        assert code == 0
        (row,) = [p for p in data["pools"] if p["id"] == pool_id]
        state = row["autoscale"]
        assert state["enabled"] is True and state["error"] is None
        assert (state["max_nodes"], state["idle_minutes"], state["interval_seconds"]) == (
            2,
            0.05,
            3.0,
        )
        assert state["evaluated_at"] and "$TargetDedicatedNodes=0" in state["results"]

        assert main(["pools", "list", "--local"]) == 0
        out = capsys.readouterr().out
        assert f"{pool_id}: autoscale: up to 2 nodes, empties after 0.05 idle minutes" in out
        assert "→ 0 dedicated, 0 Spot" in out
    finally:
        delete_pool_if_any(conn, pool_id)


def test_pools_autoscale_turns_it_on_changes_it_and_off(autoscale_home, capsys):
    conn = local()
    pool_id = empty_pool(conn)
    try:
        pools.begin_resize_pool(conn.batch, pool_id, dedicated_nodes=1, polling_interval=1).wait(30)
        assert main(["pools", "autoscale", pool_id, "--local"]) == 0
        assert "has no autoscale" in capsys.readouterr().out

        code, data = run_json(
            capsys,
            "pools",
            "autoscale",
            pool_id,
            "--max",
            "3",
            "--spot-share",
            "0.5",
            "--interval",
            INTERVAL_MINUTES,
            "--local",
        )
        assert code == 0
        assert data["autoscale"]["max_nodes"] == 3 and data["autoscale"]["spot_share"] == 0.5
        assert data["autoscale"]["idle_minutes"] == 10  # the default
        # Too short a history to call the pool idle: it keeps its node.
        assert data["autoscale"]["results"].startswith("$TargetDedicatedNodes=1;")

        # Idle nodes of an autoscale pool are no alarm: the list says when they go.
        assert main(["pools", "list", "--local"]) == 0
        out = capsys.readouterr().out
        assert f"Pool {pool_id} has 1 idle node; the pool empties itself after 10 idle" in out
        assert f"Warning: pool {pool_id}" not in out

        # A change keeps what is not named (the Spot share), and the formula says it.
        assert main(["pools", "autoscale", pool_id, "--max", "4", "--local"]) == 0
        out = capsys.readouterr().out
        assert "autoscale: up to 4 nodes (50% Spot), empties after 10 idle minutes" in out
        interval = pools.get_pool(conn.batch, pool_id).auto_scale_evaluation_interval
        assert interval is not None and interval.total_seconds() == 3  # kept, not reset to 5 min
        state = autoscale.evaluate_pool_autoscale(conn.batch, pool_id, formula(4, 0.5, 10))
        assert state.error is None and state.result("maxNodes") == "4"

        assert main(["pools", "autoscale", pool_id, "--off", "--local"]) == 0
        out = capsys.readouterr().out
        assert f"Autoscale is now off for pool {pool_id}; it keeps its 1 dedicated" in out
        assert pools.get_pool(conn.batch, pool_id).enable_auto_scale is False
    finally:
        delete_pool_if_any(conn, pool_id)


def test_bad_autoscale_arguments_are_refused_with_what_to_do(autoscale_home, capsys):
    assert main(["pools", "autoscale", "p", "--idle-minutes", "5", "--local"]) == 2
    assert "go with --max N" in capsys.readouterr().err
    assert main(["pools", "autoscale", "p", "--max", "0", "--local"]) == 2
    assert "give a number from 1" in capsys.readouterr().err
    assert main(["pools", "autoscale", "p", "--max", "2", "--idle-minutes", "nan", "--local"]) == 2
    assert "use more than 0 minutes" in capsys.readouterr().err
    assert main(["pools", "autoscale", "p", "--max", "2", "--spot-share", "2", "--local"]) == 2
    assert "Spot share 2.0: use 0 (none) to 1" in capsys.readouterr().err
