"""The few icons and colours the tabs share: found, missing, error, warning, notice."""

from __future__ import annotations

from azure_batch_maya.ui.qt import QtGui, QtWidgets

GOOD = "#3a9a4a"
BAD = "#c8453a"
WARN = "#c98a1b"
MUTED = "#8a8a8a"

_STANDARD = {
    "error": QtWidgets.QStyle.StandardPixmap.SP_MessageBoxCritical,
    "warning": QtWidgets.QStyle.StandardPixmap.SP_MessageBoxWarning,
    "notice": QtWidgets.QStyle.StandardPixmap.SP_MessageBoxInformation,
}


def level_icon(level: str) -> QtGui.QIcon:
    """The style's own icon for a finding's level (error, warning, notice)."""
    style = QtWidgets.QApplication.style()
    return style.standardIcon(_STANDARD.get(level, _STANDARD["notice"]))


def dot(colour: str, size: int = 12) -> QtGui.QIcon:
    """A filled circle: green for a file that was found, and so on."""
    pixmap = QtGui.QPixmap(size, size)
    pixmap.fill(QtGui.QColor(0, 0, 0, 0))
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setBrush(QtGui.QColor(colour))
    painter.setPen(QtGui.QColor(colour))
    painter.drawEllipse(1, 1, size - 2, size - 2)
    painter.end()
    return QtGui.QIcon(pixmap)


def set_status(label: QtWidgets.QLabel, text: str, colour: str = MUTED) -> None:
    """A status line in a colour that says good, bad or neither."""
    label.setText(text)
    label.setStyleSheet(f"color: {colour};")
