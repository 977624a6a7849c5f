"""The Jobs and Pools tabs name a stuck job and a pool's resize errors in red, with the same
text as the CLI; the Jobs tab tells the artist (notification area) when a followed job ends."""

from __future__ import annotations

import sys
import uuid

import pytest

from azure_batch_maya.app.jobs.notice import Notice, record_outcome
from azure_batch_maya.controllers.config import ConfigController
from azure_batch_maya.controllers.jobs import JobsController
from azure_batch_maya.controllers.pools import PoolsController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.services import jobs, pools
from azure_batch_maya.services.batch import JobSpec, PoolSpec, TaskSpec
from azure_batch_maya.ui.icons import BAD
from azure_batch_maya.ui.jobs_view import PROBLEM_COLUMN, STATE_COLUMN, JobsView
from azure_batch_maya.ui.pools_view import ERRORS_COLUMN, PoolsView
from azure_batch_maya.ui.qt import QtWidgets
from azure_batch_maya.ui.worker import Workers
from tests.cli.localjobs import command_line
from tests.controllers.conftest import connected
from tests.fixtures.full_pool import UBUNTU
from tests.services.specs import wait_for

pytestmark = pytest.mark.slow
__all__ = ["connected"]

QUOTA = "AccountCoreQuotaReached"


def waiting_job(session: Session, pool_id: str, *, exit_code: int = 0) -> str:
    """A one-task job on a pool with no nodes yet: it waits until the pool is resized."""
    job_id = f"panel-{uuid.uuid4().hex[:8]}"
    code = f"import sys; sys.exit({exit_code})"
    task = TaskSpec("frame-0001", command_line([sys.executable, "-c", code]))
    jobs.submit_job(session.require_connection().batch, JobSpec(job_id, pool_id=pool_id), [task])
    return job_id


def empty_pool(session: Session) -> str:
    pool_id = f"panel-pool-{uuid.uuid4().hex[:8]}"
    pools.create_pool(
        session.require_connection().batch, PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU)
    )
    return pool_id


def row_item(table: QtWidgets.QTreeWidget, key: str) -> QtWidgets.QTreeWidgetItem:
    """The table's line whose first column is `key`."""
    for i in range(table.topLevelItemCount()):
        item = table.topLevelItem(i)
        if item is not None and item.text(0) == key:
            return item
    raise AssertionError(f"no line for {key}")


def listed(controller: JobsController) -> None:
    controller.apply(controller.list_jobs())


def test_a_stuck_job_and_its_pool_are_red_with_the_cli_text_and_the_artist_is_told(
    full_pool, memory_keyring, qtbot, mocker
):
    session = Session()
    config = ConfigController(session)
    assert config.use_local_pool()
    config.apply(config.authenticate())
    pool_id = empty_pool(session)
    job_id = waiting_job(session, pool_id)

    jobs_tab = JobsController(session)
    view = JobsView(jobs_tab, Workers())
    qtbot.addWidget(view)
    shown = mocker.patch.object(view.notifier.icon, "showMessage")
    listed(jobs_tab)  # waiting on a pool at 0 nodes: followed, nothing to say yet
    (row,) = [r for r in jobs_tab.rows if r.id == job_id]
    assert row.status == "stuck" and row.verdict is not None and not row.verdict.definitive
    assert shown.call_count == 0

    # Resized, the pool cannot get a node: both slots are the holder's.
    pools.begin_resize_pool(full_pool.batch, pool_id, dedicated_nodes=1)
    wait_for(lambda: pools.get_pool(full_pool.batch, pool_id).resize_errors)
    listed(jobs_tab)
    (row,) = [r for r in jobs_tab.rows if r.id == job_id]
    reason = f"Pool {pool_id}: {QUOTA}: The local pool has 2 slots in all"
    assert row.note.startswith(reason)
    item = row_item(view.table, job_id)
    assert item.text(STATE_COLUMN) == "stuck" and item.text(PROBLEM_COLUMN) == row.note
    assert item.foreground(STATE_COLUMN).color().name() == BAD
    assert item.foreground(PROBLEM_COLUMN).color().name() == BAD
    assert "What to do:" in item.toolTip(PROBLEM_COLUMN)
    shown.assert_called_once()
    title, text = shown.call_args.args[:2]
    assert title == f"Render stuck: {job_id}" and text.startswith(reason)
    listed(jobs_tab)  # still stuck: said once
    assert shown.call_count == 1
    view.refresh()  # the tab's own listing also says it in the status line, in red
    qtbot.waitUntil(lambda: f"{job_id} is stuck: {reason}" in view.status.text(), timeout=20000)
    assert BAD in view.status.styleSheet()

    pools_tab = PoolsController(session)
    pools_view = PoolsView(pools_tab, Workers())
    qtbot.addWidget(pools_view)
    pools_tab.apply(pools_tab.list_pools())
    pool_item = row_item(pools_view.table, pool_id)
    assert pool_item.text(ERRORS_COLUMN) == QUOTA
    assert pool_item.foreground(ERRORS_COLUMN).color().name() == BAD
    assert reason in pool_item.toolTip(ERRORS_COLUMN)
    assert reason in pools_view.status.text() and BAD in pools_view.status.styleSheet()


def test_done_and_failed_jobs_the_panel_followed_are_notified_once(connected, qtbot, mocker, home):
    pool_id = empty_pool(connected)
    good = waiting_job(connected, pool_id)
    bad = waiting_job(connected, pool_id, exit_code=3)
    jobs_tab = JobsController(connected)
    view = JobsView(jobs_tab, Workers())
    qtbot.addWidget(view)
    shown = mocker.patch.object(view.notifier.icon, "showMessage")
    listed(jobs_tab)
    assert shown.call_count == 0

    batch = connected.require_connection().batch
    pools.begin_resize_pool(batch, pool_id, dedicated_nodes=1)

    def both_over() -> bool:
        listed(jobs_tab)
        verdicts = {r.id: r.verdict for r in jobs_tab.rows}
        return all((v := verdicts[j]) is not None and v.over for j in (good, bad))

    wait_for(both_over, timeout=60)
    said = {call.args[0]: call.args[1] for call in shown.call_args_list}
    assert said[f"Render done: {good}"] == "All 1 frame task rendered."
    assert said[f"Render failed: {bad}"].startswith("1 of 1 frame task failed; ")
    assert f"jobs retry {bad}" in said[f"Render failed: {bad}"]
    assert shown.call_count == 2
    pools.begin_delete_pool(batch, pool_id)


def test_notifications_can_be_turned_off_and_it_is_remembered(connected, qtbot, home):
    jobs_tab = JobsController(connected)
    view = JobsView(jobs_tab, Workers())
    qtbot.addWidget(view)
    assert view.notify_box.isChecked()
    view.notify_box.setChecked(False)
    assert JobsController(connected).notify is False  # read back from the user's settings


def test_what_a_background_download_said_shows_on_the_jobs_tab(connected, qtbot, home):
    pool_id = empty_pool(connected)
    job_id = waiting_job(connected, pool_id)
    record_outcome(Notice(job_id, "failed", f"Render failed: {job_id}", "2 of 5 failed", at="t"))
    jobs_tab = JobsController(connected)
    view = JobsView(jobs_tab, Workers())
    qtbot.addWidget(view)
    listed(jobs_tab)
    item = row_item(view.table, job_id)
    # stuck (a pool at 0 nodes) wins over the old outcome; once it is not, the outcome shows
    assert item.text(PROBLEM_COLUMN).startswith(f"Pool {pool_id}: PoolHasNoNodes")
    jobs.begin_terminate_job(connected.require_connection().batch, job_id).wait(30)
    listed(jobs_tab)
    item = row_item(view.table, job_id)
    assert item.text(PROBLEM_COLUMN) == f"Render failed: {job_id}"
    assert item.foreground(PROBLEM_COLUMN).color().name() == BAD
    assert "2 of 5 failed (t)" in item.toolTip(PROBLEM_COLUMN)
    pools.begin_delete_pool(connected.require_connection().batch, pool_id)


def test_re_run_failed_runs_the_failed_task_again(connected, qtbot):
    from tests.cli.localjobs import failing_job, wait_for_job

    conn = connected.require_connection()
    job_id = failing_job(conn, exit_code=3, stderr="missing\n")
    wait_for_job(conn, job_id)
    jobs_tab = JobsController(connected)
    view = JobsView(jobs_tab, Workers())
    qtbot.addWidget(view)
    listed(jobs_tab)
    assert not view.retry_button.isEnabled()  # nothing chosen yet
    jobs_tab.select(job_id)
    assert view.retry_button.isEnabled()
    view.retry_button.click()
    qtbot.waitUntil(lambda: "Re-running 1 failed task(s)" in view.status.text(), timeout=20000)
    assert f"as job {job_id}-r1" in view.status.text()
    assert jobs.get_job(conn.batch, f"{job_id}-r1").id == f"{job_id}-r1"


def test_a_job_submitted_from_the_panel_is_followed_even_if_it_ends_unseen(
    connected, qtbot, mocker, home
):
    from tests.cli.localjobs import failing_job, wait_for_job

    conn = connected.require_connection()
    job_id = failing_job(conn, exit_code=3, stderr="missing\n")
    wait_for_job(conn, job_id)  # over before any listing saw it going
    jobs_tab = JobsController(connected)
    view = JobsView(jobs_tab, Workers())
    qtbot.addWidget(view)
    shown = mocker.patch.object(view.notifier.icon, "showMessage")
    listed(jobs_tab)
    assert shown.call_count == 0  # an old job's end is no news
    jobs_tab.follow(job_id)  # as the panel does on Submit
    listed(jobs_tab)
    assert shown.call_args.args[0] == f"Render failed: {job_id}"
