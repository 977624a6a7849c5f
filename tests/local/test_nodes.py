"""Node actions on the local pool: reboot, disable/enable scheduling, remove nodes."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from azure.batch import models as m
from azure.batch.models._models import BatchNodeRebootOptions  # not exported by the SDK
from azure.core.exceptions import HttpResponseError

from tests.local.conftest import code_of, pool_options, py, wait_for


def gated(marker: Path) -> str:
    """A task command that runs until `marker` exists."""
    return py(
        "import os, time; [time.sleep(0.05) for _ in range(1200)"
        f" if not os.path.exists(r'{marker}')]"
    )


def _job(batch, job_id, pool_id):
    batch.create_job(m.BatchJobCreateOptions(id=job_id, pool_info=m.BatchPoolInfo(pool_id=pool_id)))


def _running_on(batch, job_id, task_id):
    task = batch.get_task(job_id, task_id)
    return task.node_info.node_id if task.state == "running" else None


def test_reboot_requeues_the_running_task_and_reruns_the_start_task(batch, tmp_path):
    boots = tmp_path / "boots"
    batch.create_pool(
        pool_options(
            "reboot",
            nodes=1,
            start_task=m.BatchStartTask(command_line=py(f"open(r'{boots}', 'a').write('boot ')")),
        )
    )
    _job(batch, "reboot-job", "reboot")
    go = tmp_path / "go"
    batch.create_task("reboot-job", m.BatchTaskCreateOptions(id="t", command_line=gated(go)))
    node_id = wait_for(lambda: _running_on(batch, "reboot-job", "t"))
    before = batch.get_node("reboot", node_id)
    batch.begin_reboot_node(
        "reboot", node_id, BatchNodeRebootOptions(node_reboot_kind="requeue"), polling_interval=0.1
    ).result()
    go.touch()
    done = wait_for(lambda: (t := batch.get_task("reboot-job", "t")).state == "completed" and t)
    assert done.execution_info.requeue_count == 1 and done.execution_info.result == "success"
    node = batch.get_node("reboot", node_id)
    assert node.last_boot_time > before.last_boot_time
    assert boots.read_text().split() == ["boot", "boot"]
    assert node.start_task_info.start_time > before.start_task_info.end_time
    batch.begin_delete_job("reboot-job", polling_interval=0.1).result()
    batch.begin_delete_pool("reboot", polling_interval=0.1)


def test_reboot_with_terminate_ends_the_task(batch, tmp_path):
    batch.create_pool(pool_options("reboot-end", nodes=1))
    _job(batch, "reboot-end-job", "reboot-end")
    go = tmp_path / "go"
    batch.create_task("reboot-end-job", m.BatchTaskCreateOptions(id="t", command_line=gated(go)))
    node_id = wait_for(lambda: _running_on(batch, "reboot-end-job", "t"))
    batch.begin_reboot_node(
        "reboot-end",
        node_id,
        BatchNodeRebootOptions(node_reboot_kind="terminate"),
        polling_interval=0.1,
    ).result()
    task = batch.get_task("reboot-end-job", "t")
    assert task.state == "completed" and task.execution_info.failure_info.code == "TaskEnded"
    wait_for(lambda: batch.get_node("reboot-end", node_id).state == "idle")
    with pytest.raises(HttpResponseError) as refused:
        batch.begin_reboot_node(
            "reboot-end", "tvmps_nope_d", BatchNodeRebootOptions(node_reboot_kind="requeue")
        )
    assert code_of(refused.value) == "NodeNotFound"
    go.touch()
    batch.begin_delete_job("reboot-end-job", polling_interval=0.1).result()
    batch.begin_delete_pool("reboot-end", polling_interval=0.1)


def test_disable_scheduling_takes_the_node_offline_until_enabled(batch, tmp_path):
    batch.create_pool(pool_options("offline", nodes=1))
    _job(batch, "offline-job", "offline")
    go = tmp_path / "go"
    batch.create_task("offline-job", m.BatchTaskCreateOptions(id="a", command_line=gated(go)))
    node_id = wait_for(lambda: _running_on(batch, "offline-job", "a"))
    batch.disable_node_scheduling(
        "offline",
        node_id,
        m.BatchNodeDisableSchedulingOptions(node_disable_scheduling_option="taskcompletion"),
    )
    node = batch.get_node("offline", node_id)
    assert (node.state, node.scheduling_state) == ("running", "disabled")
    with pytest.raises(HttpResponseError) as again:
        batch.disable_node_scheduling(
            "offline",
            node_id,
            m.BatchNodeDisableSchedulingOptions(node_disable_scheduling_option="requeue"),
        )
    assert code_of(again.value) == "NodeAlreadyInTargetSchedulingState"
    batch.create_task("offline-job", m.BatchTaskCreateOptions(id="b", command_line=py("pass")))
    go.touch()
    wait_for(lambda: batch.get_node("offline", node_id).state == "offline")
    assert batch.get_task("offline-job", "a").execution_info.result == "success"
    time.sleep(0.5)
    assert batch.get_task("offline-job", "b").state == "active"  # no usable node
    counts = next(c for c in batch.list_pool_node_counts() if c.pool_id == "offline")
    assert counts.dedicated.offline == 1

    batch.enable_node_scheduling("offline", node_id)
    assert batch.get_node("offline", node_id).scheduling_state == "enabled"
    done = wait_for(lambda: (t := batch.get_task("offline-job", "b")).state == "completed" and t)
    assert done.execution_info.result == "success"
    batch.begin_delete_job("offline-job", polling_interval=0.1).result()
    batch.begin_delete_pool("offline", polling_interval=0.1)


def test_disable_scheduling_with_requeue_moves_the_task_to_another_node(batch, tmp_path):
    batch.create_pool(pool_options("move", nodes=2))
    _job(batch, "move-job", "move")
    go = tmp_path / "go"
    batch.create_task("move-job", m.BatchTaskCreateOptions(id="t", command_line=gated(go)))
    first = wait_for(lambda: _running_on(batch, "move-job", "t"))
    batch.disable_node_scheduling(
        "move", first, m.BatchNodeDisableSchedulingOptions(node_disable_scheduling_option="requeue")
    )
    second = wait_for(lambda: (n := _running_on(batch, "move-job", "t")) != first and n)
    assert second != first
    assert batch.get_task("move-job", "t").execution_info.requeue_count == 1
    wait_for(lambda: batch.get_node("move", first).state == "offline")
    go.touch()
    batch.begin_delete_job("move-job", polling_interval=0.1).result()
    batch.begin_delete_pool("move", polling_interval=0.1)


def test_remove_nodes_drops_the_target_and_drains_a_busy_node(batch, tmp_path):
    batch.create_pool(pool_options("trim", nodes=3))
    _job(batch, "trim-job", "trim")
    go = tmp_path / "go"
    batch.create_task("trim-job", m.BatchTaskCreateOptions(id="t", command_line=gated(go)))
    busy = wait_for(lambda: _running_on(batch, "trim-job", "t"))
    wait_for(lambda: batch.get_pool("trim").allocation_state == "steady")
    idle = next(n.id for n in batch.list_nodes("trim") if n.id != busy)
    batch.begin_remove_nodes(
        "trim", m.BatchNodeRemoveOptions(node_ids=[idle]), polling_interval=0.1
    ).result()
    pool = batch.get_pool("trim")
    assert (pool.target_dedicated_nodes, pool.current_dedicated_nodes) == (2, 2)
    assert idle not in {n.id for n in batch.list_nodes("trim")}

    with pytest.raises(HttpResponseError) as unknown:
        batch.begin_remove_nodes("trim", m.BatchNodeRemoveOptions(node_ids=["tvmps_nope_d"]))
    assert code_of(unknown.value) == "NodeNotFound"

    poller = batch.begin_remove_nodes(
        "trim",
        m.BatchNodeRemoveOptions(node_ids=[busy], node_deallocation_option="taskcompletion"),
        polling_interval=0.1,
    )
    assert batch.get_node("trim", busy).state == "leavingpool"
    assert batch.get_pool("trim").target_dedicated_nodes == 1
    go.touch()
    poller.result()
    assert batch.get_task("trim-job", "t").execution_info.result == "success"
    assert [n.id for n in batch.list_nodes("trim")] != [busy]
    assert batch.get_pool("trim").current_dedicated_nodes == 1
    batch.begin_delete_job("trim-job", polling_interval=0.1).result()
    batch.begin_delete_pool("trim", polling_interval=0.1)


def test_reboot_after_task_completion_lets_the_task_finish_first(batch, tmp_path):
    batch.create_pool(pool_options("reboot-late", nodes=1))
    _job(batch, "reboot-late-job", "reboot-late")
    go = tmp_path / "go"
    batch.create_task("reboot-late-job", m.BatchTaskCreateOptions(id="t", command_line=gated(go)))
    node_id = wait_for(lambda: _running_on(batch, "reboot-late-job", "t"))
    booted = batch.get_node("reboot-late", node_id).last_boot_time
    poller = batch.begin_reboot_node(
        "reboot-late",
        node_id,
        BatchNodeRebootOptions(node_reboot_kind="taskcompletion"),
        polling_interval=0.1,
    )
    time.sleep(0.5)
    assert batch.get_node("reboot-late", node_id).state == "rebooting"
    assert batch.get_task("reboot-late-job", "t").state == "running"
    with pytest.raises(HttpResponseError) as again:
        batch.begin_reboot_node(
            "reboot-late", node_id, BatchNodeRebootOptions(node_reboot_kind="requeue")
        )
    assert code_of(again.value) == "NodeBeingRebooted"
    go.touch()
    poller.result()
    task = batch.get_task("reboot-late-job", "t")
    assert task.execution_info.result == "success" and task.execution_info.requeue_count == 0
    node = wait_for(lambda: (n := batch.get_node("reboot-late", node_id)).state == "idle" and n)
    assert node.last_boot_time > booted
    batch.begin_delete_job("reboot-late-job", polling_interval=0.1).result()
    batch.begin_delete_pool("reboot-late", polling_interval=0.1)


# A recorded node's properties, in order (js get_a_compute_node_reference, 2025-06-01).
RECORDED_NODE = [
    "id", "url", "state", "schedulingState", "stateTransitionTime", "lastBootTime",
    "allocationTime", "ipAddress", "affinityId", "vmSize", "totalTasksRun", "totalTasksSucceeded",
    "runningTasksCount", "runningTaskSlotsCount", "startTask", "startTaskInfo", "isDedicated",
    "nodeAgentInfo", "virtualMachineInfo",
]  # fmt: skip


def test_nodes_and_pools_keep_no_previous_state_as_the_service_sends_them(batch, tmp_path):
    """The service's nodes and pools have no `previousState` (its jobs and tasks do): a node
    through starting, waitingforstarttask, idle, running and idle again has none either."""
    batch.create_pool(
        pool_options("history", nodes=1, start_task=m.BatchStartTask(command_line=py("pass")))
    )
    _job(batch, "history-job", "history")
    go = tmp_path / "go"
    batch.create_task("history-job", m.BatchTaskCreateOptions(id="t", command_line=gated(go)))
    node_id = wait_for(lambda: _running_on(batch, "history-job", "t"))
    go.touch()
    wait_for(lambda: batch.get_task("history-job", "t").state == "completed")
    node = wait_for(lambda: (n := batch.get_node("history", node_id)).state == "idle" and n)
    listed = next(iter(batch.list_nodes("history")))
    pool = batch.get_pool("history")
    for doc in (node, listed, pool):
        assert not {"previousState", "previousStateTransitionTime"} & set(doc)
    assert [key for key in node if key in RECORDED_NODE] == RECORDED_NODE
    assert batch.get_task("history-job", "t").previous_state == "running"  # tasks keep theirs
    batch.begin_delete_job("history-job", polling_interval=0.1).result()
    batch.begin_delete_pool("history", polling_interval=0.1)
