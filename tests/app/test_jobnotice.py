"""What the artist is told when a job ends, through the platform's notifier (its call replaced
at desktop-notifier's seam), the setting that turns it off, and the record the Jobs tab reads."""

from __future__ import annotations

import pytest

from azure_batch_maya.app.jobs.health import Problem, Verdict
from azure_batch_maya.app.jobs.notice import (
    APP_NAME,
    Notice,
    notice_of,
    outcome_path,
    read_outcomes,
    record_outcome,
    tell,
)
from azure_batch_maya.cli import main
from azure_batch_maya.services.tasks import TaskCounts
from azure_batch_maya.settings.preferences import notifications_on, set_notifications
from tests.cli.localjobs import failing_job, local, wait_for_job

STUCK = Problem("AccountCoreQuotaReached", "azbm-1", "over quota", "request more cores", True)


def verdict(status: str, counts: TaskCounts, *problems: Problem) -> Verdict:
    return Verdict("shot-1", status, problems, counts)  # type: ignore[arg-type]


def test_done_failed_and_stuck_each_have_their_words(tmp_path):
    done = notice_of(verdict("completed", TaskCounts(0, 0, 5, 5, 0)), folder=tmp_path)
    assert done is not None and (done.title, done.bad) == ("Render done: shot-1", False)
    assert done.text == f"All 5 frame tasks rendered. Frames in {tmp_path}."
    failed = notice_of(verdict("failed", TaskCounts(0, 0, 5, 3, 2)))
    assert failed is not None and failed.title == "Render failed: shot-1" and failed.bad
    assert failed.text.startswith("2 of 5 frame tasks failed; ")
    assert "jobs retry shot-1" in failed.text
    stuck = notice_of(verdict("stuck", TaskCounts(5, 0, 0, 0, 0), STUCK))
    assert stuck is not None and stuck.title == "Render stuck: shot-1"
    assert stuck.text == "Pool azbm-1: AccountCoreQuotaReached: over quota. What to do: " + (
        "request more cores"
    )
    waiting = Problem("PoolHasNoNodes", "p", "at 0", "resize", False)
    assert notice_of(verdict("stuck", TaskCounts(5, 0, 0, 0, 0), waiting)) is None
    assert notice_of(verdict("running", TaskCounts(4, 1, 0, 0, 0))) is None


def test_the_platform_notifier_gets_title_and_text_unless_turned_off(home, mocker):
    send = mocker.patch("desktop_notifier.DesktopNotifierSync.send")
    made = mocker.spy(__import__("desktop_notifier").DesktopNotifierSync, "__init__")
    notice = Notice("shot-1", "failed", "Render failed: shot-1", "2 of 5 frame tasks failed")
    assert notifications_on() is True
    assert tell(notice) is True
    send.assert_called_once_with(title="Render failed: shot-1", message="2 of 5 frame tasks failed")
    assert made.call_args.kwargs["app_name"] == APP_NAME
    set_notifications(False)
    assert notifications_on() is False and tell(notice) is False
    assert send.call_count == 1


def test_a_notifier_that_fails_is_logged_not_raised(home, mocker, caplog):
    mocker.patch("desktop_notifier.DesktopNotifierSync.send", side_effect=RuntimeError("no bus"))
    assert tell(Notice("j", "completed", "Render done: j", "All 1 frame task rendered."))
    assert "no desktop notification (RuntimeError: no bus)" in caplog.text


def test_without_a_notification_service_one_line_is_logged_not_the_librarys_traceback(
    home, mocker, caplog, capsys
):
    import logging

    def no_bus(**_kwargs: object) -> None:  # what desktop-notifier does on a headless box
        try:
            raise ConnectionError("DBUS_SESSION_BUS_ADDRESS not set")
        except ConnectionError:
            logging.getLogger("desktop_notifier.backends.base").warning(
                "Notification failed", exc_info=True
            )

    mocker.patch("desktop_notifier.DesktopNotifierSync.send", side_effect=no_bus)
    assert tell(Notice("j", "completed", "Render done: j", "All 1 frame task rendered."))
    (record,) = [r for r in caplog.records if r.name == "azure_batch_maya.app.jobs.notice"]
    assert record.getMessage() == (
        "no desktop notification (ConnectionError: DBUS_SESSION_BUS_ADDRESS not set): "
        "Render done: j — All 1 frame task rendered."
    )
    assert not [r for r in caplog.records if r.name.startswith("desktop_notifier")]
    assert "Traceback" not in capsys.readouterr().err


def test_a_box_without_a_desktop_session_says_so_quietly(home, mocker, caplog, monkeypatch):
    """SSH or a farm console: no session bus, no attempt, no warning (the watcher prints the
    outcome itself)."""
    import logging
    import sys

    from azure_batch_maya.app.jobs.notice import has_desktop_session

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS")
    send = mocker.patch("desktop_notifier.DesktopNotifierSync.send")
    caplog.set_level(logging.INFO)
    assert tell(Notice("j", "completed", "Render done: j", "All 1 frame task rendered."))
    if sys.platform.startswith("linux"):
        assert send.call_count == 0
        assert "no desktop session to notify" in caplog.text
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert has_desktop_session({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1/bus"})
    assert has_desktop_session({}) == (sys.platform in ("win32", "darwin"))


def test_outcomes_are_recorded_whole_and_read_back(home):
    notice = Notice("shot-1", "stuck", "Render stuck: shot-1", "why", "/frames", "2026-12-06")
    path = record_outcome(notice)
    assert path == outcome_path("shot-1") and not path.with_name(path.name + ".part").exists()
    path.with_name("broken.outcome.json").write_text("{not json")
    assert read_outcomes() == {"shot-1": notice}


@pytest.mark.slow
def test_the_watching_downloader_says_a_job_failed(local_home, tmp_path, mocker, capsys):
    send = mocker.patch("desktop_notifier.DesktopNotifierSync.send")
    conn = local()
    job_id = failing_job(conn, exit_code=3, stderr="cannot open wall.tif\n")
    wait_for_job(conn, job_id)
    argv = ["download", job_id, "--to", str(tmp_path / "f"), "--watch", "--interval", "0.1"]
    assert main([*argv, "--local"]) == 0
    send.assert_called_once()
    assert send.call_args.kwargs["title"] == f"Render failed: {job_id}"
    assert send.call_args.kwargs["message"].startswith("1 of 1 frame task failed; ")
    assert read_outcomes()[job_id].status == "failed"


def test_scouts_waiting_for_the_go_are_announced_as_ready_not_stuck():
    from azure_batch_maya.app.jobs.health import JobFacts, job_verdict

    counts = TaskCounts(active=9, running=0, completed=3, succeeded=3, failed=0)
    verdict = job_verdict(JobFacts("shot", "active", counts, "pool", awaiting_go=True))
    notice = notice_of(verdict)
    assert notice is not None and notice.title == "Scout frames ready: shot"
    assert "jobs release shot" in notice.text
