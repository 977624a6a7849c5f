"""Picking a job rebuilds the Jobs table; it must not do so inside the table's own signal.

Under PySide2 (Maya 2024) `clear()` inside `currentItemChanged` deleted the items Qt was still
delivering and crashed Maya; this runs offscreen with rows set by hand (no pool needed).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from pytestqt.qtbot import QtBot

from azure_batch_maya.app.jobs.status import JobRow
from azure_batch_maya.controllers.jobs import JobLine, JobsController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.services.tasks import TaskCounts
from azure_batch_maya.ui.jobs_view import JobsView
from azure_batch_maya.ui.worker import Workers


def test_picking_each_job_in_turn_selects_it_and_keeps_every_line(home: Path, qtbot: QtBot) -> None:
    controller = JobsController(Session(), output_root=home / "frames")
    view = JobsView(controller, Workers())
    qtbot.addWidget(view)
    view.show()
    ids = [f"job-{i}" for i in range(3)]
    none = TaskCounts(0, 0, 0, 0, 0)
    controller.apply(tuple(JobLine.of(JobRow(i, "active", None, "pool", none)) for i in ids))
    for _round in range(3):
        for index, job_id in enumerate(ids):
            item = view.table.topLevelItem(index)
            assert item is not None
            view.table.setCurrentItem(item)  # as a click does: the table's signal fires
            qtbot.waitUntil(partial(_picked, controller, job_id), timeout=5000)
            assert view.table.topLevelItemCount() == len(ids)
            current = view.table.currentItem()
            assert current is not None and current.text(0) == job_id
            assert view.cancel_button.isEnabled()


def _picked(controller: JobsController, job_id: str) -> bool:
    return controller.selected == job_id
