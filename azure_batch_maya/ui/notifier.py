"""End-of-job messages in the OS's notification area, through Qt's QSystemTrayIcon.

The panel's way of telling the artist a job it followed ended (see `app.jobs.notice`); inside Maya
the dock adds an in-view message beside it (`hooks`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from azure_batch_maya.app.jobs.notice import Notice
from azure_batch_maya.ui.qt import QtWidgets

log = logging.getLogger(__name__)

SHOW_MS = 10000


class TrayNotifier:
    """One tray icon for the panel; `show` puts a notice in the notification area."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        self.icon = QtWidgets.QSystemTrayIcon(parent)
        style = QtWidgets.QApplication.style()
        self.icon.setIcon(style.standardIcon(QtWidgets.QStyle.StandardPixmap.SP_ComputerIcon))
        self.icon.setToolTip("Azure Batch")
        # Others told the same notice (Maya's in-view message), each called with it.
        self.hooks: list[Callable[[Notice], None]] = []

    def show(self, notice: Notice) -> None:
        if not QtWidgets.QSystemTrayIcon.isSystemTrayAvailable():
            log.info("no notification area here: %s — %s", notice.title, notice.text)
        kind = (
            QtWidgets.QSystemTrayIcon.MessageIcon.Warning
            if notice.bad
            else QtWidgets.QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.show()
        self.icon.showMessage(notice.title, notice.text, kind, SHOW_MS)
        for hook in self.hooks:
            hook(notice)
