"""What the Jobs and Pools tabs share: a table of the account's rows, fetched on a worker one
fetch at a time and again every few seconds while the tab is shown, a Refresh button, a
status line, the chosen row, and actions that run on a worker, say how they went and list
again. Each tab adds only its columns, its row's look and its own actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from azure_batch_maya.controllers.session import Session
from azure_batch_maya.ui.icons import BAD, MUTED, set_status
from azure_batch_maya.ui.qt import QtCore, QtGui, QtWidgets
from azure_batch_maya.ui.worker import Workers

R = TypeVar("R")
T = TypeVar("T")
ROW_ROLE = QtCore.Qt.ItemDataRole.UserRole


class ListTab(QtWidgets.QWidget, Generic[R]):
    """A tab over a list of `R` rows; subclasses give `fetch`, `listed` and `picked`."""

    noun = "rows"  # as in "Cannot list rows: …"

    def __init__(
        self,
        session: Session,
        workers: Workers,
        *,
        row_type: type[R],
        columns: Sequence[str],
        widths: Sequence[int],
        interval_ms: int,
    ) -> None:
        super().__init__()
        self.session = session
        self.workers = workers
        self.confirm: Callable[[str], bool] = self._ask  # swappable so tests can answer it
        self._row_type = row_type
        self._busy = False
        self._said: str | None = None  # what the listing put on the status line (`say`)

        self.table = QtWidgets.QTreeWidget()
        self.table.setHeaderLabels(list(columns))
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)
        header = self.table.header()
        header.setStretchLastSection(True)
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
        self.refresh_button = QtWidgets.QPushButton("Refresh")
        self.status = QtWidgets.QLabel()
        self.status.setWordWrap(True)
        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)

        self.refresh_button.clicked.connect(self.refresh)
        self.table.currentItemChanged.connect(lambda _a, _b: self.picked())
        session.connection_changed.connect(lambda _c: self.refresh())

    # What each tab gives --------------------------------------------------------------------------

    def fetch(self) -> tuple[R, ...]:
        """The rows (on a worker thread: may be slow)."""
        raise NotImplementedError

    def listed(self, rows: tuple[R, ...]) -> None:
        """The rows arrived (main thread)."""
        raise NotImplementedError

    def picked(self) -> None:
        """Another row became current (main thread, inside the table's signal)."""

    # Listing --------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """List now, unless not connected or a listing is already on its way."""
        if self.session.connection is None or self._busy:
            return
        self._busy = True
        self.timer.start()
        self.workers.start(
            lambda _report: self.fetch(), on_done=self._fetched, on_error=self._fetch_failed
        )

    def _tick(self) -> None:
        if self.isVisible():
            self.refresh()

    def _fetched(self, rows: tuple[R, ...]) -> None:
        self._busy = False
        if self._said is not None and self.status.text() == self._said:
            set_status(self.status, "")  # said of an older listing: this one says its own
        self._said = None
        self.listed(rows)

    def _fetch_failed(self, exc: Exception) -> None:
        self._busy = False
        self.say(f"Cannot list {self.noun}: {exc}", BAD)

    def say(self, text: str, colour: str = MUTED) -> None:
        """A status line about the list itself (empty, cannot be listed, a row stuck): unlike
        what an action said, it goes by itself once a later listing has nothing to say."""
        set_status(self.status, text, colour)
        self._said = text

    # The table ------------------------------------------------------------------------------------

    def selected_row(self) -> R | None:
        item = self.table.currentItem()
        row = item.data(0, ROW_ROLE) if item is not None else None
        return row if isinstance(row, self._row_type) else None

    def fill(
        self,
        rows: Sequence[R],
        key: Callable[[R], str],
        cells: Callable[[R], Sequence[str]],
        current: str | None,
    ) -> list[QtWidgets.QTreeWidgetItem]:
        """Show `rows`, the one whose key is `current` current; the items, for the tab to style.

        The items are updated in place, never cleared: a refresh keeps the scroll position, and
        a rebuild from inside the table's own signal (a pick) would delete the very items Qt is
        still delivering (PySide2, i.e. Maya 2024, crashes there). Each item comes back with
        its colours, icons and tooltips reset. No signal fires meanwhile.
        """
        table = self.table
        table.blockSignals(True)
        try:
            while table.topLevelItemCount() > len(rows):
                table.takeTopLevelItem(table.topLevelItemCount() - 1)
            items = []
            for index, row in enumerate(rows):
                item = table.topLevelItem(index)
                if item is None:
                    item = QtWidgets.QTreeWidgetItem()
                    table.addTopLevelItem(item)
                for column, text in enumerate(cells(row)):
                    item.setText(column, text)
                    item.setToolTip(column, "")
                    item.setIcon(column, QtGui.QIcon())
                    item.setData(column, QtCore.Qt.ItemDataRole.ForegroundRole, None)
                item.setData(0, ROW_ROLE, row)
                if key(row) == current:
                    table.setCurrentItem(item)
                items.append(item)
            if current is None or current not in {key(r) for r in rows}:
                table.setCurrentIndex(QtCore.QModelIndex())
        finally:
            table.blockSignals(False)
        return items

    # Actions --------------------------------------------------------------------------------------

    def act(
        self,
        work: Callable[[], T],
        *,
        doing: str,
        done: Callable[[T], str] | str,
        failed: str,
        colour: str = MUTED,
    ) -> None:
        """Run `work` on a worker saying `doing`; then say `done` (in `colour`) and list again,
        or say `failed: why`."""

        def finished(result: T) -> None:
            set_status(self.status, done(result) if callable(done) else done, colour)
            self.refresh()

        set_status(self.status, doing, MUTED)
        self.workers.start(
            lambda _report: work(),
            on_done=finished,
            on_error=lambda exc: set_status(self.status, f"{failed}: {exc}", BAD),
        )

    def _ask(self, question: str) -> bool:
        answer = QtWidgets.QMessageBox.question(self, "Azure Batch", question)
        return bool(answer == QtWidgets.QMessageBox.StandardButton.Yes)
