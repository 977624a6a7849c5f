"""Workers: the result, an error and progress come back on the main thread; cancel reaches
the work."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable

import pytest

from azure_batch_maya.ui.qt import QtCore, QtWidgets
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


def test_a_pool_left_as_garbage_finishes_its_work_when_collected_on_its_own_thread(qtbot):
    """A closed panel's workers become garbage while a task still runs; the collector may run
    on that very pool thread. The pool used to be freed there, waiting on itself for ever: the
    result never came and the thread hung."""
    outcome: list[str] = []
    gate = threading.Event()

    def abandon() -> None:
        workers = Workers(max_threads=1)
        workers.me = workers  # type: ignore[attr-defined]  # a cycle, like a view's

        def work(_report: Report) -> str:
            gate.wait(5)
            gc.collect()  # any allocation can start the collector on this thread
            return "finished"

        workers.start(work, on_done=outcome.append)

    abandon()
    gate.set()
    qtbot.waitUntil(lambda: outcome == ["finished"], timeout=5000)


def test_a_result_for_a_deleted_view_is_dropped_and_other_errors_still_surface(qtbot):
    workers = Workers()
    label = QtWidgets.QLabel()
    label.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    reached: list[str] = []

    def late(text: str) -> None:
        reached.append(text)
        label.setText(text)  # RuntimeError: its C++ object is already deleted

    workers.start(lambda _r: "frames home", on_done=late)
    qtbot.waitUntil(lambda: reached == ["frames home"])
    assert workers.wait(5000) and workers.busy == 0

    def broken(_value: object) -> None:
        raise RuntimeError("a bug in the view")

    with qtbot.captureExceptions() as raised:
        workers.start(lambda _r: None, on_done=broken)
        qtbot.waitUntil(lambda: bool(raised))
    assert str(raised[0][1]) == "a bug in the view"


@pytest.mark.parametrize("tasks", [30])
def test_no_qt_object_is_made_for_each_task(qtbot, tasks: int):
    """Per-task QObjects were freed on whichever thread dropped them last, a pool thread
    included; now the work and its callbacks are plain Python."""
    workers = Workers()
    gc.collect()
    before = sum(isinstance(o, QtCore.QObject) for o in gc.get_objects())
    done: list[int] = []

    def work(n: int) -> Callable[[Report], int]:
        return lambda _report: n

    for n in range(tasks):
        workers.start(work(n), on_done=done.append)
    qtbot.waitUntil(lambda: len(done) == tasks)
    assert workers.wait(5000)
    gc.collect()
    after = sum(isinstance(o, QtCore.QObject) for o in gc.get_objects())
    assert after == before, f"{after - before} QObjects made for {tasks} tasks"


def test_cancel_all_reaches_every_running_task(qtbot):
    """What the panel does on closing: a node check or a download nobody will read stops."""
    workers = Workers()
    started = [threading.Event(), threading.Event()]
    outcome: list[str] = []

    def work(n: int) -> Callable[[Report], str]:
        def run(report: Report) -> str:
            started[n].set()
            return "cancelled" if report.cancel.wait(10) else "ran out"

        return run

    for n in range(2):
        workers.start(work(n), on_done=outcome.append)
    assert all(event.wait(5) for event in started)
    workers.cancel_all()
    qtbot.waitUntil(lambda: outcome == ["cancelled", "cancelled"])
