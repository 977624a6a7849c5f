"""Scout frames through the panel, against the local pool + Azurite with the stand-in: the
Submit tab's Scout frames box sends 3 of 12 frames first; the Jobs tab shows the measured
estimate beside their thumbnails and Render the Rest lets the other 9 go."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.scene.ma_reader import read_ma
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.ui.panel import Panel, make_controllers
from azure_batch_maya.ui.qt import QtCore, QtWidgets
from tests.cli.test_scout_cli import twelve_frames

pytestmark = pytest.mark.slow

LEFT = QtCore.Qt.MouseButton.LeftButton
STAND_IN = SubmitSettings(stand_in=True, node_python=sys.executable)


@pytest.fixture
def panel(qtbot, local_home, memory_keyring, example: Path, tmp_path: Path):
    scene: SceneInfo = read_ma(
        twelve_frames(example) / "shot010" / "scenes" / "shot010_lighting.ma"
    )
    widget = Panel(make_controllers(scene, base=STAND_IN, output_root=tmp_path / "frames"))
    qtbot.addWidget(widget)
    widget.show()
    widget.jobs.timer.setInterval(300)
    yield widget
    widget.close()
    widget.workers.wait()


def click(qtbot, button: QtWidgets.QAbstractButton) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, LEFT)


def test_scout_three_of_twelve_then_render_the_rest(qtbot, panel, example, tmp_path):
    c = panel.controllers
    assert c.config.use_local_pool()
    c.config.apply(c.config.authenticate(save=False))
    c.assets.add_search_path(str(example / "texture_library"))
    c.assets.apply_scan(c.assets.scan())

    panel.show_tab("submit")
    submit = panel.submit
    assert submit.scout.value() == 0 and submit.scout.text() == "off"  # off by default
    assert not submit.scout_auto.isEnabled()
    assert c.submit.frames_text == "1-12x1"  # the scene's range
    submit.scout.setValue(3)
    assert c.submit.settings().scout is not None and not submit.scout_auto.isChecked()
    qtbot.waitUntil(submit.submit_button.isEnabled, timeout=5000)
    click(qtbot, submit.submit_button)
    qtbot.waitUntil(lambda: panel.tabs.currentWidget() is panel.jobs, timeout=30000)
    assert "12 tasks" in submit.status.text()
    job_id = c.jobs.selected
    assert job_id is not None

    jobs = panel.jobs

    def row():
        return next((r for r in c.jobs.rows if r.id == job_id), None)

    # The scouts render, the rest waits: Render the Rest is offered with the measured estimate.
    qtbot.waitUntil(lambda: row() is not None and row().counts.completed == 3, timeout=60000)
    qtbot.waitUntil(lambda: "3/3 done" in jobs.scout_estimate.text(), timeout=20000)
    assert jobs.release_button.isEnabled() and jobs.release_button.text() == "Render the Rest"
    text = jobs.scout_estimate.text()
    assert text.startswith("Scout frames: 3/3 done. Measured ")
    assert "the other 9 frames take about" in text and "waits for your go" in text
    assert row().counts.active == 9 and row().counts.running == 0
    assert "Waiting for your go: WaitingForRelease" in jobs.details.toPlainText()
    click(qtbot, jobs.download_button)
    qtbot.waitUntil(lambda: jobs.thumbnails.count() == 3, timeout=30000)
    assert [jobs.thumbnails.item(i).text() for i in range(3)] == ["0001", "0007", "0012"]
    qtbot.waitUntil(lambda: jobs.thumbnails.pending == 0, timeout=20000)
    # The picture docs/tabs/jobs-scouts.png is made from (pytest --basetemp=DIR keeps it).
    panel.resize(900, 720)
    shot = panel.grab()
    assert not shot.isNull() and shot.save(str(tmp_path / "jobs-scouts.png"))

    click(qtbot, jobs.release_button)
    qtbot.waitUntil(lambda: jobs.status.text().startswith("Released"), timeout=20000)
    qtbot.waitUntil(lambda: row() is not None and row().progress == 100, timeout=60000)
    assert row().counts.succeeded == 13  # 12 frames and the gate
    qtbot.waitUntil(lambda: not jobs.release_button.isEnabled(), timeout=10000)
