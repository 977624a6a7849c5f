"""A tab's list that refreshes itself: fetched on a worker, one fetch at a time, again every
few seconds while the tab is shown. The Pools and Jobs tabs both use it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from azure_batch_maya.ui.qt import QtCore, QtWidgets
from azure_batch_maya.ui.worker import Workers

T = TypeVar("T")


class PeriodicListing(Generic[T]):
    def __init__(
        self,
        owner: QtWidgets.QWidget,
        workers: Workers,
        *,
        interval_ms: int,
        ready: Callable[[], bool],
        fetch: Callable[[], T],
        show: Callable[[T], None],
        failed: Callable[[Exception], None],
    ) -> None:
        self._owner = owner
        self._workers = workers
        self._ready = ready
        self._fetch = fetch
        self._show = show
        self._failed = failed
        self._busy = False
        self.timer = QtCore.QTimer(owner)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

    def refresh(self) -> None:
        """Fetch now, unless not connected or a fetch is already on its way."""
        if not self._ready() or self._busy:
            return
        self._busy = True
        self.timer.start()
        self._workers.start(lambda _report: self._fetch(), on_done=self._done, on_error=self._error)

    def _tick(self) -> None:
        if self._owner.isVisible():
            self.refresh()

    def _done(self, rows: T) -> None:
        self._busy = False
        self._show(rows)

    def _error(self, exc: Exception) -> None:
        self._busy = False
        self._failed(exc)


def ask_yes_no(parent: QtWidgets.QWidget, question: str) -> bool:
    answer = QtWidgets.QMessageBox.question(parent, "Azure Batch", question)
    return bool(answer == QtWidgets.QMessageBox.StandardButton.Yes)
