"""The Assets tab's table as a Qt model: the view asks only for the rows it shows, so a scene
with thousands of textures fills it at once instead of building a widget per cell."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure_batch_maya.controllers.assets import AssetRow
from azure_batch_maya.ui.icons import GOOD, WARN, dot, level_icon
from azure_batch_maya.ui.qt import QtCore, QtGui, with_flag

COLUMNS = ("Send", "Node", "Path", "Found at")
MISSING_TEXT = "missing"
Qt = QtCore.Qt


class AssetTableModel(QtCore.QAbstractTableModel):
    """Rows of the controller's reference table; ticking a box calls `on_toggle`."""

    def __init__(self, on_toggle: Callable[[AssetRow, bool], None]) -> None:
        super().__init__()
        self.rows: tuple[AssetRow, ...] = ()
        self._on_toggle = on_toggle
        self._found = dot(GOOD)
        self._missing = level_icon("warning")
        self._warn = QtGui.QBrush(QtGui.QColor(WARN))

    def set_rows(self, rows: tuple[AssetRow, ...]) -> None:
        """New rows; when only ticks or statuses changed the view keeps its place."""
        same = len(rows) == len(self.rows) and all(
            (a.node, a.written) == (b.node, b.written) for a, b in zip(rows, self.rows, strict=True)
        )
        if not same:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
            return
        changed = [n for n, (a, b) in enumerate(zip(rows, self.rows, strict=True)) if a != b]
        self.rows = rows
        if changed:
            top = self.index(min(changed), 0)
            bottom = self.index(max(changed), len(COLUMNS) - 1)
            self.dataChanged.emit(top, bottom, [])

    def row(self, index: QtCore.QModelIndex) -> AssetRow | None:
        return self.rows[index.row()] if index.isValid() else None

    def rowCount(self, parent: Any = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent: Any = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Any, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Any, role: int = 0) -> Any:
        row = self.row(index)
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return ("", row.node, row.written, row.local if row.found else MISSING_TEXT)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            return row.tooltip
        if role == Qt.ItemDataRole.CheckStateRole and column == 0:
            return Qt.CheckState.Checked if row.selected else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DecorationRole and column == 1:
            return self._found if row.found else self._missing
        if role == Qt.ItemDataRole.ForegroundRole and column == 3 and not row.found:
            return self._warn
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def flags(self, index: Any) -> Any:
        base = super().flags(index)
        if index.isValid() and index.column() == 0:
            return with_flag(base, Qt.ItemFlag.ItemIsUserCheckable)
        return base

    def setData(self, index: Any, value: Any, role: int = 0) -> bool:
        row = self.row(index)
        if row is None or role != Qt.ItemDataRole.CheckStateRole or index.column() != 0:
            return False
        self._on_toggle(row, _checked(value))
        return True


def _checked(value: Any) -> bool:
    """A check state as the view sends it: an enum (PySide2, PySide6) or its int."""
    number = getattr(value, "value", value)
    return bool(value == Qt.CheckState.Checked or number == 2)
