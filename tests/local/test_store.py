from __future__ import annotations

import sqlite3

import pytest

from azure_batch_maya.local.store import Store


def task(task_id, state="active"):
    return {"id": task_id, "state": state, "requiredSlots": 1, "executionInfo": {}}


def test_state_survives_reopening(tmp_path):
    store = Store(tmp_path / "state.sqlite")
    store.put_pool({"id": "p", "state": "active"})
    store.put_job({"id": "j", "state": "active"})
    with store.transaction():
        for i in range(3):
            store.add_task("j", task(f"t{i}"))
    done = task("t1", "completed")
    done["executionInfo"]["result"] = "failure"
    store.put_task("j", done)
    store.close()

    reopened = Store(tmp_path / "state.sqlite")
    assert reopened.get_pool("p") == {"id": "p", "state": "active"}
    assert [t["id"] for t in reopened.list_tasks("j")] == ["t0", "t1", "t2"]
    assert [t["id"] for t in reopened.list_tasks("j", "t0")] == ["t1", "t2"]
    assert [t["id"] for t in reopened.tasks_in_state("j", "active", 1)] == ["t0"]
    counts = reopened.task_counts("j")
    assert counts["active"] == (2, 2) and counts["failed"] == (1, 1)
    reopened.add_task("j", task("t3"))
    assert [t["id"] for t in reopened.tasks_in_state("j", "active")] == ["t0", "t2", "t3"]


def test_a_duplicate_task_is_refused_and_a_failed_transaction_rolls_back(tmp_path):
    store = Store(tmp_path / "state.sqlite")
    store.add_task("j", task("t"))
    with pytest.raises(sqlite3.IntegrityError):
        store.add_task("j", task("t"))
    with pytest.raises(RuntimeError), store.transaction():
        store.add_task("j", task("u"))
        raise RuntimeError("abort")
    assert [t["id"] for t in store.list_tasks("j")] == ["t"]


def test_ticks_strictly_increase(tmp_path):
    store = Store(tmp_path / "state.sqlite")
    ticks = [store.ticks() for _ in range(1000)]
    assert ticks == sorted(set(ticks))


def test_a_data_folder_from_before_task_retention_is_upgraded(tmp_path):
    old = sqlite3.connect(tmp_path / "state.sqlite")
    old.execute(
        "CREATE TABLE tasks (job_id TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL,"
        " state TEXT NOT NULL, result TEXT, slots INTEGER NOT NULL, doc TEXT NOT NULL,"
        " PRIMARY KEY (job_id, id))"
    )
    old.commit()
    old.close()
    store = Store(tmp_path / "state.sqlite")
    store.add_task("j", task("t"))
    done = task("t", "completed")
    done["nodeInfo"] = {"nodeId": "n"}
    done["constraints"] = {"retentionTime": "PT1S"}
    done["executionInfo"] = {"result": "success", "endTime": "2026-01-22T21:43:18Z"}
    store.put_task("j", done)
    assert [t["id"] for _, t in store.expired_tasks(store.ticks())] == ["t"]
    store.forget_expiry("j", "t")
    assert store.expired_tasks(store.ticks()) == []
