"""Workers: the result, an error and progress come back on the main thread; cancel reaches
the work."""

from __future__ import annotations

import threading

from azure_batch_maya.ui.qt import QtCore
from azure_batch_maya.ui.worker import Report, Workers


def test_the_result_arrives_on_the_main_thread(qtbot):
    workers = Workers()
    main = threading.get_ident()
    seen: list[tuple[object, bool]] = []

    def work(_report: Report) -> int:
        assert threading.get_ident() != main
        return 42

    task = workers.start(work, on_done=lambda value: seen.append((value, _on_main(main))))
    qtbot.waitUntil(lambda: seen == [(42, True)])
    assert not task.running and workers.busy == 0


def test_none_results_and_errors_are_delivered(qtbot):
    workers = Workers()
    results: list[object] = []
    errors: list[Exception] = []
    workers.start(lambda _r: None, on_done=results.append)

    def fail(_report: Report) -> None:
        raise ValueError("no such pool")

    workers.start(fail, on_done=results.append, on_error=errors.append)
    qtbot.waitUntil(lambda: results == [None] and len(errors) == 1)
    assert str(errors[0]) == "no such pool"


def test_progress_is_throttled_but_the_last_report_always_arrives(qtbot):
    workers = Workers()
    seen: list[tuple[int, int]] = []
    done: list[object] = []

    def work(report: Report) -> None:
        for n in range(1, 20001):
            report.progress(n, 20000)

    workers.start(work, on_done=done.append, on_progress=lambda d, t: seen.append((d, t)))
    qtbot.waitUntil(lambda: bool(done))
    assert seen[-1] == (20000, 20000)
    assert len(seen) < 200


def test_cancel_reaches_the_work(qtbot):
    workers = Workers()
    started = threading.Event()
    outcome: list[str] = []

    def work(report: Report) -> str:
        started.set()
        return "cancelled" if report.cancel.wait(10) else "ran out"

    task = workers.start(work, on_done=outcome.append)
    assert started.wait(5)
    task.cancel()
    qtbot.waitUntil(lambda: outcome == ["cancelled"])


def _on_main(main: int) -> bool:
    app = QtCore.QCoreApplication.instance()
    return app is not None and threading.get_ident() == main


def test_messages_for_the_person_waiting_arrive_in_order(qtbot):
    workers = Workers()
    said: list[str] = []
    done: list[object] = []

    def work(report: Report) -> None:
        report.say("To sign in, open the page")
        report.say("and enter the code")

    workers.start(work, on_done=done.append, on_message=said.append)
    qtbot.waitUntil(lambda: bool(done))
    assert said == ["To sign in, open the page", "and enter the code"]
