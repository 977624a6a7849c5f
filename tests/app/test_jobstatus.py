"""Job rows, pool shapes and task runs from the service's models, without a service."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from azure.batch import models

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.jobs.status import (
    job_row,
    list_job_rows,
    node_os_of,
    pool_shape,
    task_runs,
)
from azure_batch_maya.render.cost import node_hours
from azure_batch_maya.services.errors import NotFoundError
from azure_batch_maya.services.tasks import TaskCounts

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
WINDOWS = models.VirtualMachineConfiguration(
    image_reference=models.BatchVmImageReference(publisher="microsoftwindowsserver"),
    node_agent_sku_id="batch.node.windows amd64",
)


def counts(active=0, running=0, completed=0, failed=0) -> TaskCounts:
    return TaskCounts(active, running, completed, completed - failed, failed)


def auto_pool_job(dedicated: int, spot: int) -> models.BatchJob:
    spec = models.BatchPoolSpecification(
        vm_size="Standard_D8s_v5",
        virtual_machine_configuration=WINDOWS,
        target_dedicated_nodes=dedicated,
        target_low_priority_nodes=spot,
    )
    auto = models.BatchAutoPoolSpecification(pool_lifetime_option="job", pool=spec)
    job = models.BatchJob({"id": "shot-1", "state": "active", "creationTime": T0.isoformat()})
    job.pool_info = models.BatchPoolInfo(auto_pool_specification=auto)
    return job


def test_a_row_takes_the_auto_pool_id_once_the_pool_is_made():
    job = auto_pool_job(1, 0)
    assert job_row(job, counts(active=3)).pool_id == ""
    job.execution_info = models.BatchJobExecutionInfo(start_time=T0, pool_id="azbm-shot_1")
    row = job_row(job, counts(active=3))
    assert (row.id, row.state, row.pool_id, row.created) == ("shot-1", "active", "azbm-shot_1", T0)


def test_a_job_is_over_when_its_tasks_are_done_or_it_was_stopped():
    job = auto_pool_job(1, 0)
    assert not job_row(job, counts()).over  # no tasks yet: not done, just empty
    assert not job_row(job, counts(running=1, completed=4)).over
    assert job_row(job, counts(completed=5, failed=1)).over
    job.state = "completed"  # cancelled: its unstarted tasks stay active
    assert job_row(job, counts(active=5)).over


def test_the_pool_shape_comes_from_the_pool_else_from_the_jobs_auto_pool_spec():
    job = auto_pool_job(0, 4)
    shape = pool_shape(job, None)
    assert shape is not None
    assert (shape.vm_size, shape.node_os, shape.dedicated_nodes, shape.spot_nodes) == (
        "Standard_D8s_v5",
        "windows",
        0,
        4,
    )
    pool = models.BatchPool({"id": "p", "vmSize": "Standard_D4s_v5", "targetDedicatedNodes": 2})
    shape = pool_shape(job, pool)
    assert shape is not None and (shape.vm_size, shape.node_os) == ("Standard_D4s_v5", "linux")
    assert pool_shape(models.BatchJob(pool_info=models.BatchPoolInfo(pool_id="gone")), None) is None


def test_node_os_is_read_from_the_node_agent():
    assert node_os_of(WINDOWS) == "windows"
    assert node_os_of(None) == "linux"


def test_task_runs_split_dedicated_and_spot_by_node_and_skip_tasks_that_never_ran():
    def task(node: str | None, minutes: float | None) -> models.BatchTask:
        end = T0 + timedelta(minutes=minutes) if minutes is not None else None
        info = models.BatchTaskExecutionInfo(
            start_time=T0, end_time=end, retry_count=0, requeue_count=0
        )
        node_info = models.BatchNodeInfo(node_id=node) if node else None
        task = models.BatchTask({"id": "t"})
        task.execution_info, task.node_info = info, node_info
        return task

    done = [task("n-dedicated", 30), task("n-spot", 60), task("n-gone", 6), task(None, None)]
    runs = task_runs(done, {"n-dedicated": True, "n-spot": False}, default_dedicated=False)
    used = node_hours(runs)
    assert (round(used.dedicated, 3), round(used.spot, 3)) == (0.5, 1.1)


class _CountingBatch:
    """Just enough of a BatchClient to count what `list_job_rows` asks for."""

    def __init__(self, job_ids: list[str], *, completed: tuple[str, ...] = ()) -> None:
        self.job_ids = job_ids
        self.completed = completed
        self.gone: set[str] = set()  # deleted after the listing, before their count
        self.calls: list[str] = []

    def list_jobs(self, **_options: object) -> list[models.BatchJob]:
        self.calls.append("list_jobs")
        return [
            models.BatchJob({"id": i, "state": "completed" if i in self.completed else "active"})
            for i in self.job_ids
        ]

    def get_job_task_counts(self, job_id: str) -> models.BatchTaskCountsResult:
        self.calls.append(f"counts {job_id}")
        if job_id in self.gone:
            raise NotFoundError("JobNotFound", f"job {job_id} not found")
        counts = {"active": 900, "running": 90, "completed": 10, "succeeded": 9, "failed": 1}
        return models.BatchTaskCountsResult({"taskCounts": counts, "taskSlotCounts": counts})

    def __getattr__(self, name: str) -> object:
        if name.startswith("_"):  # the account name for messages is read from `_config`
            raise AttributeError(name)
        raise AssertionError(f"list_job_rows should not call {name}")


def test_progress_of_every_job_costs_one_request_each_whatever_its_number_of_tasks():
    batch = _CountingBatch(["a", "b", "c"])
    conn = Connection(batch=batch, blobs=None, where="test", local=True)  # type: ignore[arg-type]
    rows = list_job_rows(conn)
    assert sorted(batch.calls) == ["counts a", "counts b", "counts c", "list_jobs"]
    assert {r.id for r in rows} == {"a", "b", "c"}
    assert all(r.counts.total == 1000 and r.counts.failed == 1 for r in rows)


def test_a_completed_jobs_counts_are_asked_once_across_listings_and_a_vanished_job_is_left_out():
    batch = _CountingBatch(["a", "done"], completed=("done",))
    conn = Connection(batch=batch, blobs=None, where="test", local=True)  # type: ignore[arg-type]
    final: dict[str, TaskCounts] = {}
    list_job_rows(conn, final_counts=final)
    assert set(final) == {"done"}  # its counts never change again
    batch.calls.clear()
    rows = list_job_rows(conn, final_counts=final)
    assert sorted(batch.calls) == ["counts a", "list_jobs"]
    assert {r.id for r in rows} == {"a", "done"} and rows[0].counts.total == 1000
    batch.gone.add("a")
    assert [r.id for r in list_job_rows(conn, final_counts=final)] == ["done"]
