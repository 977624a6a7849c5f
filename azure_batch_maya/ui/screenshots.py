"""Each tab rendered to a PNG (for the user guide), after its lists had time to fill."""

from __future__ import annotations

import time
from pathlib import Path

from azure_batch_maya.ui.panel import TABS, Panel
from azure_batch_maya.ui.qt import QtCore, run_loop


def save_tabs(panel: Panel, folder: Path, *, settle_ms: int = 8000) -> list[Path]:
    """Show the panel, let background work finish, then grab every tab to `folder/<tab>.png`."""
    folder.mkdir(parents=True, exist_ok=True)
    panel.show()
    _settle(panel, settle_ms)
    written = []
    for name in TABS:
        panel.show_tab(name)
        _settle(panel, settle_ms if name in ("pools", "jobs") else 300)
        newest = panel.jobs.table.topLevelItem(0)
        if name == "jobs" and newest is not None and panel.controllers.jobs.selected is None:
            panel.jobs.table.setCurrentItem(newest)
            _settle(panel, settle_ms)
        path = folder / f"{name}.png"
        if not panel.grab().save(str(path)):
            raise OSError(f"cannot write {path}")
        written.append(path)
    return written


def _settle(panel: Panel, limit_ms: int) -> None:
    """Run the event loop until no worker is busy (or `limit_ms` passed), then a little more."""
    deadline = time.monotonic() + limit_ms / 1000
    idle_since: list[float] = []
    loop = QtCore.QEventLoop()
    timer = QtCore.QTimer()
    timer.setInterval(50)

    def check() -> None:
        now = time.monotonic()
        if panel.workers.busy:
            idle_since.clear()
        elif not idle_since:
            idle_since.append(now)
        if now > deadline or (idle_since and now - idle_since[0] > 0.3):
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    run_loop(loop)
    timer.stop()
