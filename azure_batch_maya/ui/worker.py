"""Slow work off the main thread: a QThreadPool runs it, one relay brings the outcome back.

`Workers.start(work, on_done=…)` runs `work(report)` on a pool thread; `report.progress(done,
total)` and `report.cancel` (a `threading.Event`) go with it. The result, an error or progress
arrive on the main thread as plain callbacks, because the relay's QObject lives there. Progress
is throttled so a fast upload cannot flood the event loop.

Python's collector runs on whichever thread allocates, a pool thread included, so no Qt object
may become garbage on one: there is no QObject per task (one relay serves the process), and each
pool is kept until the process ends. A pool freed on one of its own threads waits on itself for
ever (a closed panel's pool, freed while its last task ran, lost that task's result and a thread).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from azure_batch_maya.ui.qt import QtCore, Signal

log = logging.getLogger(__name__)

T = TypeVar("T")
PROGRESS_INTERVAL = 0.05  # seconds between progress signals


class _Delivery:
    """A callback and its arguments, carried to the main thread (never a bare None: PySide6
    miscounts references of a None sent through Signal(object))."""

    __slots__ = ("args", "call")

    def __init__(self, call: Callable[..., None], args: tuple[Any, ...]) -> None:
        self.call = call
        self.args = args


class _Relay(QtCore.QObject):
    arrived = Signal(object)  # a _Delivery


def _deliver(delivery: object) -> None:
    assert isinstance(delivery, _Delivery)
    try:
        delivery.call(*delivery.args)
    except RuntimeError as exc:  # its view was deleted while the work ran: nobody to tell
        if "already deleted" not in str(exc):
            raise
        log.debug("background work ended after its view closed: %s", exc)


_relay: _Relay | None = None
_pools: list[QtCore.QThreadPool] = []  # kept: see the module's docstring


def _main_relay() -> _Relay:
    """The process's relay, made on the first `Workers()` (on the main thread)."""
    global _relay
    if _relay is None:
        _relay = _Relay()
        _relay.arrived.connect(_deliver)
    return _relay


def _post(call: Callable[..., None], *args: Any) -> None:
    """Run `call(*args)` on the main thread."""
    assert _relay is not None, "Workers() makes the relay before any work starts"
    _relay.arrived.emit(_Delivery(call, args))


class Report:
    """Handed to the work: say how far it got; look at `cancel` to stop early."""

    def __init__(
        self,
        on_progress: Callable[[int, int], None] | None = None,
        on_message: Callable[[str], None] | None = None,
    ) -> None:
        self.cancel = threading.Event()
        self._on_progress = on_progress
        self._on_message = on_message
        self._last = 0.0

    def say(self, text: str) -> None:
        """A line for the person waiting (e.g. the device code to enter)."""
        if self._on_message is not None:
            _post(self._on_message, str(text))

    def progress(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._on_progress is None:
            return
        if done >= total or now - self._last >= PROGRESS_INTERVAL:
            self._last = now
            _post(self._on_progress, done, total)


class _Runnable(QtCore.QRunnable):
    def __init__(
        self,
        work: Callable[[Report], Any],
        report: Report,
        done: Callable[[Any], None],
        failed: Callable[[Exception], None],
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._work = work
        self._report = report
        self._done = done
        self._failed = failed

    def run(self) -> None:
        try:
            result = self._work(self._report)
        except Exception as exc:  # every failure goes to the view, which says it
            log.debug("background work failed", exc_info=True)
            _post(self._failed, exc)
        else:
            _post(self._done, result)


class Task(Generic[T]):
    """One piece of work under way: cancel it, or ask whether it is still running."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.running = True

    def cancel(self) -> None:
        self.report.cancel.set()


class Workers:
    """A thread pool for one panel; knows which of its tasks are still running."""

    def __init__(self, max_threads: int = 4) -> None:
        _main_relay()
        self.pool = QtCore.QThreadPool()
        self.pool.setMaxThreadCount(max_threads)
        _pools.append(self.pool)
        self._tasks: list[Task[Any]] = []

    def start(
        self,
        work: Callable[[Report], T],
        *,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        on_message: Callable[[str], None] | None = None,
    ) -> Task[T]:
        self._tasks = [t for t in self._tasks if t.running]
        report = Report(on_progress, on_message)
        task: Task[T] = Task(report)
        self._tasks.append(task)

        def done(value: T) -> None:
            task.running = False
            if on_done is not None:
                on_done(value)

        def failed(exc: Exception) -> None:
            task.running = False
            if on_error is not None:
                on_error(exc)
            else:
                log.error("background work failed: %s", exc)

        self.pool.start(_Runnable(work, report, done, failed))
        return task

    def cancel_all(self) -> None:
        """Ask every running task to stop (the panel is closing: a pool kept for the process
        must not keep Maya's exit waiting on a node check nobody will read)."""
        for task in self._tasks:
            if task.running:
                task.cancel()

    @property
    def busy(self) -> int:
        """How many tasks have not reported back yet."""
        return sum(1 for task in self._tasks if task.running)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until the pool is idle (tests and shutdown only: never from a click)."""
        return bool(self.pool.waitForDone(msecs))
