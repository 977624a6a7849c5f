"""Slow work off the main thread: a QThreadPool runs it, signals bring the outcome back.

`Workers.start(work, on_done=…)` runs `work(report)` on a pool thread; `report.progress(done,
total)` and `report.cancel` (a `threading.Event`) go with it. The result, an error or progress
arrive on the main thread as plain callbacks, because the signals' QObject lives there. Progress
is throttled so a fast upload cannot flood the event loop.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from azure_batch_maya.ui.qt import QtCore, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")
PROGRESS_INTERVAL = 0.05  # seconds between progress signals


class Report:
    """Handed to the work: say how far it got; look at `cancel` to stop early."""

    def __init__(self, signals: _Signals) -> None:
        self.cancel = threading.Event()
        self._signals = signals
        self._last = 0.0

    def say(self, text: str) -> None:
        """A line for the person waiting (e.g. the device code to enter)."""
        try:
            self._signals.message.emit(text)
        except RuntimeError:  # the panel closed
            self.cancel.set()

    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            try:
                self._signals.progress.emit(done, total)
            except RuntimeError:  # the panel closed: nobody is watching, so stop
                self.cancel.set()


class _Boxed:
    """A value carried through a signal."""

    def __init__(self, value: Any) -> None:
        self.value = value


class _Signals(QtCore.QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(object, object)  # Python ints: byte counts pass 2**31
    message = Signal(object)


class _Runnable(QtCore.QRunnable):
    def __init__(self, work: Callable[[Report], Any], report: Report, signals: _Signals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._report = report
        self._signals = signals

    def run(self) -> None:
        try:
            result = self._work(self._report)
        except Exception as exc:  # every failure goes to the view, which says it
            log.debug("background work failed", exc_info=True)
            self._send(self._signals.failed, exc)
        else:
            self._send(self._signals.done, result)

    def _send(self, signal: Any, value: Any) -> None:
        # Boxed: a bare None sent through Signal(object) upsets PySide6's refcounts.
        try:
            signal.emit(_Boxed(value))
        except RuntimeError:  # the panel closed while this ran: nobody is listening
            log.debug("background work ended after its panel closed")


class Task(Generic[T]):
    """One piece of work under way: cancel it, or ask whether it is still running."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.running = True

    def cancel(self) -> None:
        self.report.cancel.set()


class Workers:
    """A thread pool for one panel; keeps each task's signals alive until it ends."""

    def __init__(self, max_threads: int = 4) -> None:
        self.pool = QtCore.QThreadPool()
        self.pool.setMaxThreadCount(max_threads)
        self._tasks: dict[_Signals, Task[Any]] = {}

    def start(
        self,
        work: Callable[[Report], T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        on_message: Callable[[str], None] | None = None,
    ) -> Task[T]:
        # Signals of finished tasks are dropped here, never inside their own slot.
        self._tasks = {s: t for s, t in self._tasks.items() if t.running}
        signals = _Signals()
        report = Report(signals)
        task: Task[T] = Task(report)
        self._tasks[signals] = task

        def done(boxed: Any) -> None:
            task.running = False
            if on_done is not None:
                on_done(boxed.value)

        def failed(boxed: Any) -> None:
            task.running = False
            if on_error is not None:
                on_error(boxed.value)
            else:
                log.error("background work failed: %s", boxed.value)

        signals.done.connect(done)
        signals.failed.connect(failed)
        if on_progress is not None:
            report_progress = on_progress

            def progress(done: object, total: object) -> None:
                report_progress(cast(int, done), cast(int, total))

            signals.progress.connect(progress)
        if on_message is not None:
            say = on_message

            def message(text: object) -> None:
                say(str(text))

            signals.message.connect(message)
        self.pool.start(_Runnable(work, report, signals))
        return task

    @property
    def busy(self) -> int:
        """How many tasks have not reported back yet."""
        return sum(1 for task in self._tasks.values() if task.running)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the pool is idle (tests and shutdown only: never from a click)."""
        return bool(self.pool.waitForDone(msecs))
