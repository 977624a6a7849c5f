"""The Jobs tab lists jobs as `jobs list` does: the same pool ids (an auto-pool's, once Batch
made it), the same state and the same task counts, fetched on the tab's worker."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from azure_batch_maya.controllers.jobs import JobsController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.services import jobs, pools
from azure_batch_maya.services.batch import JobSpec, TaskSpec
from azure_batch_maya.ui.jobs_view import COLUMNS, STATE_COLUMN, JobsView
from azure_batch_maya.ui.qt import QtWidgets
from azure_batch_maya.ui.worker import Workers
from tests.cli.localjobs import command_line, empty_pool, failing_job, run_json, wait_for_job

pytestmark = pytest.mark.slow
POOL_COLUMN = COLUMNS.index("Pool")
PROGRESS_COLUMN = COLUMNS.index("Progress")


def test_the_jobs_tab_shows_the_pool_ids_and_counts_of_jobs_list(
    connected: Session, qtbot: QtBot, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = connected.require_connection()
    on_auto_pool = failing_job(conn, exit_code=3, stderr="missing\n")  # Batch names its pool
    wait_for_job(conn, on_auto_pool)
    pool_id = empty_pool(conn)
    waiting = f"{pool_id}-job"  # on a pool of 0 nodes: two tasks wait
    specs = [TaskSpec(f"frame-{i}", command_line(["true"])) for i in (1, 2)]
    jobs.submit_job(conn.batch, JobSpec(waiting, pool_id=pool_id), specs)

    workers = Workers()
    view = JobsView(JobsController(connected), workers)
    qtbot.addWidget(view)
    view.refresh()  # on the tab's worker, as its timer does
    qtbot.waitUntil(lambda: {on_auto_pool, waiting} <= _listed(view), timeout=30000)
    code, listed = run_json(capsys, "jobs", "list", "--local")
    assert code == 0
    by_id = {job["id"]: job for job in listed["jobs"]}
    for job_id in (on_auto_pool, waiting):
        cli = by_id[job_id]
        item = _item(view.table, job_id)
        assert item.text(POOL_COLUMN) == cli["pool"] != ""
        assert item.text(STATE_COLUMN) == cli["status"]
        line = next(r for r in view.controller.rows if r.id == job_id)
        counts = cli["tasks"]
        assert (line.counts.total, line.counts.completed, line.counts.failed) == (
            counts["total"],
            counts["completed"],
            counts["failed"],
        )
        bar = view.table.itemWidget(item, PROGRESS_COLUMN)
        assert isinstance(bar, QtWidgets.QProgressBar)
        assert bar.format() == line.progress_text
    assert by_id[waiting]["pool"] == pool_id
    assert by_id[on_auto_pool]["pool"] != "auto-pool"  # the id Batch gave it
    assert _item(view.table, on_auto_pool).text(PROGRESS_COLUMN) == ""  # the bar says it
    assert "1 failed" in _bar_text(view, on_auto_pool)
    assert _bar_text(view, waiting) == "0/2 done"
    workers.wait()
    jobs.begin_delete_job(conn.batch, waiting)
    pools.begin_delete_pool(conn.batch, pool_id)


def _listed(view: JobsView) -> set[str]:
    return {r.id for r in view.controller.rows}


def _item(table: QtWidgets.QTreeWidget, key: str) -> QtWidgets.QTreeWidgetItem:
    for i in range(table.topLevelItemCount()):
        item = table.topLevelItem(i)
        if item is not None and item.text(0) == key:
            return item
    raise AssertionError(f"no line for {key}")


def _bar_text(view: JobsView, job_id: str) -> str:
    bar = view.table.itemWidget(_item(view.table, job_id), PROGRESS_COLUMN)
    assert isinstance(bar, QtWidgets.QProgressBar)
    return bar.format()
