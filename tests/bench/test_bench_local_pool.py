"""Local pool benchmark: bulk task submission and dispatch overhead. Prints figures only.

Run with `python3 dev.py bench -k local_pool`.
"""

from __future__ import annotations

import math
import re
import sys
import time

from azure.batch import BatchClient
from azure.batch import models as m

from azure_batch_maya.local.process import start_local_pool

N_BULK = 10_000
N_SINGLE = 500
N_DISPATCH = 200
SLOTS = 4
IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(publisher="canonical", offer="o", sku="s"),
    node_agent_sku_id="batch.node.ubuntu 24.04",
)
COMMAND = f'"{sys.executable}" -S -c "pass"'


def _pool(batch: BatchClient, pool_id: str, nodes: int) -> None:
    batch.create_pool(
        m.BatchPoolCreateOptions(
            id=pool_id,
            vm_size="standard_d2s_v3",
            virtual_machine_configuration=IMAGE,
            target_dedicated_nodes=nodes,
        )
    )


def _tasks(prefix: str, count: int) -> list[m.BatchTaskCreateOptions]:
    return [
        m.BatchTaskCreateOptions(id=f"{prefix}-{i:05d}", command_line=COMMAND) for i in range(count)
    ]


def test_bench_local_pool(tmp_path):
    requests = {"count": 0}

    def count(_request):
        requests["count"] += 1

    with start_local_pool(tmp_path / "pool", slots=SLOTS) as pool:
        batch = BatchClient(pool.url, pool.credential(), raw_request_hook=count)
        # Submission: a pool with no nodes, so nothing runs while tasks are added.
        _pool(batch, "queue", 0)
        for job in ("bulk", "single"):
            batch.create_job(
                m.BatchJobCreateOptions(id=job, pool_info=m.BatchPoolInfo(pool_id="queue"))
            )
        before = requests["count"]
        started = time.perf_counter()
        result = batch.create_tasks("bulk", _tasks("t", N_BULK), max_concurrency=4)
        bulk_seconds = time.perf_counter() - started
        bulk_requests = requests["count"] - before
        assert len(result.result_values or []) == N_BULK

        tasks = _tasks("s", N_SINGLE)
        started = time.perf_counter()
        for task in tasks:
            batch.create_task("single", task)
        single_seconds = time.perf_counter() - started
        single_estimate = single_seconds / N_SINGLE * N_BULK

        counts = batch.get_job_task_counts("bulk").task_counts
        assert counts.active == N_BULK

        # Dispatch: trivial tasks on SLOTS nodes; overhead is wall time per slot beyond the
        # command's own run time (host start, scheduling, state writes).
        _pool(batch, "run", SLOTS)
        batch.create_job(
            m.BatchJobCreateOptions(id="dispatch", pool_info=m.BatchPoolInfo(pool_id="run"))
        )
        while batch.get_pool("run").allocation_state != "steady":
            time.sleep(0.05)
        started = time.perf_counter()
        batch.create_tasks("dispatch", _tasks("d", N_DISPATCH), max_concurrency=2)
        while batch.get_job_task_counts("dispatch").task_counts.completed < N_DISPATCH:
            time.sleep(0.05)
        dispatch_seconds = time.perf_counter() - started
        run_seconds = []
        for done in batch.list_tasks("dispatch", select=["id", "executionInfo"]):
            info = done.execution_info
            if info is not None and info.start_time is not None and info.end_time is not None:
                run_seconds.append((info.end_time - info.start_time).total_seconds())
        command_mean = sum(run_seconds) / len(run_seconds)
        per_task_wall = dispatch_seconds * SLOTS / N_DISPATCH
    served = re.findall(r"served (\d+) requests", (tmp_path / "pool" / "server.log").read_text())

    print()
    print(f"local pool: {N_BULK} tasks via create_tasks(max_concurrency=4)")
    print(
        f"  {bulk_requests} HTTP requests (aim ceil(N/100) = {math.ceil(N_BULK / 100)}),"
        f" {bulk_seconds:.2f} s, {N_BULK / bulk_seconds:.0f} tasks/s"
    )
    print(
        f"  one create_task per task: {N_SINGLE} tasks in {single_seconds:.2f} s"
        f" ({single_seconds / N_SINGLE * 1000:.1f} ms each); {N_BULK} extrapolated from"
        f" {N_SINGLE}: {single_estimate:.1f} s"
    )
    print(f"  speed-up of create_tasks over create_task: {single_estimate / bulk_seconds:.1f}x")
    print(
        f"  server counted {served[-1] if served else '?'} requests in all"
        f" (client sent {requests['count']})"
    )
    print(f"local pool dispatch: {N_DISPATCH} trivial tasks on {SLOTS} slots")
    print(
        f"  {dispatch_seconds:.2f} s wall, {N_DISPATCH / dispatch_seconds:.1f} tasks/s;"
        f" per slot {per_task_wall * 1000:.0f} ms a task, of which the command itself"
        f" {command_mean * 1000:.0f} ms: dispatch overhead"
        f" {(per_task_wall - command_mean) * 1000:.0f} ms per task"
    )
