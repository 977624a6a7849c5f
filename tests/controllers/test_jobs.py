"""Jobs: a failed task's stderr in the details, cancel and delete."""

from __future__ import annotations

import contextlib
import os
import signal
import sys

import pytest

from azure_batch_maya.app.jobs.background import AlreadyRunning
from azure_batch_maya.app.jobs.status import JobRow
from azure_batch_maya.app.submit import wait_for_job
from azure_batch_maya.controllers.assets import AssetsController
from azure_batch_maya.controllers.env import EnvController
from azure_batch_maya.controllers.jobs import JobLine, JobsController
from azure_batch_maya.controllers.submit import SubmitController
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.services import pools
from azure_batch_maya.services.batch import PoolSpec
from azure_batch_maya.services.tasks import TaskCounts
from tests.controllers.test_pools import UBUNTU
from tests.services.specs import unique, wait_for

pytestmark = pytest.mark.slow


def submitted_job(
    session, example, scene, tmp_path, *, deselect: str | None = None, pool: str = ""
) -> str:
    session.set_scene(scene)
    assets = AssetsController(session)
    assets.add_search_path(str(example / "texture_library"))
    assets.apply_scan(assets.scan())
    if deselect:
        row = next(r for r in assets.rows if r.written.endswith(deselect))
        assets.set_selected(row, False)
    base = SubmitSettings(stand_in=True, node_python=sys.executable)
    submit = SubmitController(session, assets, EnvController(folder=tmp_path / "env"), base=base)
    submit.update(end=2, job_id=unique("panel-job"))
    if pool:
        submit.update(pool_mode="existing", pool_id=pool)
    return submit.submit().job_id


def test_a_failed_task_shows_its_stderr_and_the_job_can_be_deleted(
    connected, example, scene, tmp_path
):
    job_id = submitted_job(connected, example, scene, tmp_path, deselect="wood_albedo.png")
    outcome = wait_for_job(connected.require_connection(), job_id, interval=0.3)
    assert not outcome.succeeded
    jobs = JobsController(connected, output_root=tmp_path / "frames")
    jobs.apply(jobs.list_jobs())
    jobs.select(job_id)
    jobs.apply_details(jobs.get_details(job_id))
    assert jobs.details is not None and len(jobs.details.failed) == 2
    assert "wood_albedo" in jobs.details.failed[0].stderr_tail
    assert "2 failed" in next(r for r in jobs.rows if r.id == job_id).progress_text
    jobs.delete(job_id)
    wait_for(lambda: job_id not in {r.id for r in jobs.list_jobs()})
    jobs.apply(jobs.list_jobs())
    assert jobs.selected is None and jobs.details is None


def test_a_cancelled_job_ends(connected, example, scene, tmp_path):
    batch = connected.require_connection().batch
    pool_id = unique("empty-pool")  # no nodes: the job waits until cancelled
    pools.create_pool(batch, PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU))
    job_id = submitted_job(connected, example, scene, tmp_path, pool=pool_id)
    jobs = JobsController(connected)
    row = next(r for r in jobs.list_jobs() if r.id == job_id)
    assert (row.state, row.pool_id, row.progress) == ("active", pool_id, 0)
    jobs.cancel(job_id)

    def ended() -> bool:
        row = next(r for r in jobs.list_jobs() if r.id == job_id)
        return row.state == "completed"

    wait_for(ended)
    pools.begin_delete_pool(batch, pool_id)


def test_progress_of_a_row():
    counts = TaskCounts(active=1, running=1, completed=2, succeeded=1, failed=1)
    row = JobLine.of(JobRow("j", "active", None, "pool", counts))
    assert row.progress == 50
    assert row.progress_text == "2/4 done, 1 running, 1 failed"
    idle = TaskCounts(active=3, running=0, completed=1, succeeded=1, failed=0)
    assert JobRow("j", "active", None, "p", idle).progress_text == "1/4 done"
    assert JobRow("j", "active", None, "p", TaskCounts(0, 0, 0, 0, 0)).progress == 0


def test_a_background_download_brings_the_frames_home_and_only_one_runs_per_job(
    connected, example, scene, tmp_path
):
    batch = connected.require_connection().batch
    pool_id = unique("waiting-pool")  # no nodes: the job, and so its downloader, waits
    pools.create_pool(batch, PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU))
    job_id = submitted_job(connected, example, scene, tmp_path, pool=pool_id)
    jobs = JobsController(connected, output_root=tmp_path / "frames")
    started = jobs.download_in_background(job_id, interval=0.5)
    try:
        with pytest.raises(AlreadyRunning):
            jobs.download_in_background(job_id)
        pools.begin_resize_pool(batch, pool_id, dedicated_nodes=1)
        expected = [f"shot010_lighting.{i:04d}.png" for i in (1, 2)]

        def both_frames() -> list[str] | None:  # they arrive one after the other
            names = [p.name for p in jobs.thumbnails(job_id)]
            return names if len(names) == len(expected) else None

        assert wait_for(both_frames, timeout=60) == expected
    finally:
        _stop(started.pid)
        pools.begin_delete_pool(batch, pool_id)


def _stop(pid: int) -> None:
    """End the downloader this test started (it may have ended by itself already)."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


def test_details_name_a_failed_preparation_that_keeps_the_tasks_waiting(connected):
    from tests.cli.localjobs import unpreparable_job

    conn = connected.require_connection()
    job_id = unpreparable_job(conn, stderr="no mayapy on this node\n")
    jobs = JobsController(connected)
    wait_for(lambda: jobs.get_details(job_id).preparation, timeout=60)
    details = jobs.get_details(job_id)
    assert details.failed == ()
    (prep,) = details.preparation
    assert (prep.exit_code, prep.stderr_tail) == (9, "no mayapy on this node\n")
    jobs.delete(job_id)


def test_the_panel_keeps_quiet_about_a_job_a_background_downloader_follows(connected):
    """Both would say "Render failed"; the downloader says it once the frames are home."""
    from azure_batch_maya.app.jobs.background import download_lock
    from tests.cli.localjobs import failing_job
    from tests.cli.localjobs import wait_for_job as wait_until_over

    conn = connected.require_connection()
    quiet, told = (failing_job(conn, exit_code=3, stderr="no licence") for _ in range(2))
    jobs = JobsController(connected)
    jobs.notify = True
    said: list[str] = []
    jobs.ended.connect(lambda notice: said.append(notice.job_id))
    jobs.follow(quiet)
    jobs.follow(told)
    wait_until_over(conn, quiet)
    wait_until_over(conn, told)
    with download_lock(quiet):  # this test stands in for the downloader of `quiet`
        rows = jobs.list_jobs()
    by_id = {r.id: r for r in rows}
    assert by_id[quiet].downloaded_elsewhere and not by_id[told].downloaded_elsewhere
    jobs.apply(rows)
    assert said == [told]
