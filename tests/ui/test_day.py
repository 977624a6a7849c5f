"""The user's day, by clicking the panel offscreen, against the local pool + Azurite: sign in
(a wrong key refused first), scan, fix a missing texture with a search path, upload, submit,
watch the job to done, download and see thumbnails, resize a pool to 0, delete the job."""

from __future__ import annotations

import sys

import pytest

from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.services import pools
from azure_batch_maya.services.batch import MarketplaceImage, PoolSpec
from azure_batch_maya.ui.panel import Panel, make_controllers
from azure_batch_maya.ui.qt import QtCore, QtWidgets
from tests.services.specs import unique

pytestmark = pytest.mark.slow

LEFT = QtCore.Qt.MouseButton.LeftButton
UBUNTU = MarketplaceImage("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04")
STAND_IN = SubmitSettings(stand_in=True, node_python=sys.executable)


@pytest.fixture
def panel(qtbot, local_home, memory_keyring, scene, tmp_path):
    widget = Panel(make_controllers(scene, base=STAND_IN, output_root=tmp_path / "frames"))
    qtbot.addWidget(widget)
    widget.show()
    widget.pools.timer.setInterval(300)
    widget.jobs.timer.setInterval(300)
    yield widget
    widget.close()
    widget.workers.wait()


def click(qtbot, button: QtWidgets.QAbstractButton) -> None:
    assert button.isEnabled(), button.text()
    qtbot.mouseClick(button, LEFT)


def click_cell(qtbot, view: QtWidgets.QAbstractItemView, index: QtCore.QModelIndex) -> None:
    view.scrollTo(index)
    rect = view.visualRect(index)
    qtbot.mouseClick(view.viewport(), LEFT, pos=QtCore.QPoint(rect.left() + 10, rect.center().y()))


def test_the_users_day(qtbot, panel, example):
    c = panel.controllers
    # Config: a wrong key is refused with the reason, the right one authenticates.
    panel.show_tab("config")
    config = panel.config
    click(qtbot, config.local_button)
    good_key = config.batch_key.text()
    config.batch_key.setText("d3Jvbmcta2V5")
    click(qtbot, config.authenticate_button)
    qtbot.waitUntil(lambda: config.status.text().startswith("Batch account"), timeout=20000)
    assert c.session.connection is None
    config.batch_key.setText(good_key)
    click(qtbot, config.authenticate_button)
    qtbot.waitUntil(lambda: config.status.text() == "Authenticated", timeout=20000)
    assert c.session.connection is not None and "local pool" in panel.where.text()

    # Assets: the scan finds every file but one; clicking it adds the folder that has it.
    panel.show_tab("assets")
    assets = panel.assets
    qtbot.waitUntil(lambda: c.assets.result is not None, timeout=20000)
    model = assets.model
    missing = [n for n, row in enumerate(model.rows) if not row.found]
    assert [model.rows[n].written.rsplit("/", 1)[-1] for n in missing] == ["concrete_diffuse.png"]
    assert model.index(missing[0], 3).data() == "missing"
    assert "1 missing" in assets.summary.text()
    asked: list[str] = []

    def choose(start: str) -> str:
        asked.append(start)
        return str(example / "texture_library")

    assets.choose_folder = choose
    click_cell(qtbot, assets.table, model.index(missing[0], 2))
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=5000)  # the folder's hint, from a worker
    qtbot.waitUntil(lambda: assets.summary.text() == "all 6 found", timeout=20000)
    (found,) = [n for n, row in enumerate(model.rows) if row.written.endswith("diffuse.png")]
    tooltip = model.index(found, 2).data(QtCore.Qt.ItemDataRole.ToolTipRole)
    assert tooltip.startswith("Found under a search path")

    # Upload, with progress, before submitting.
    click(qtbot, assets.upload_button)
    qtbot.waitUntil(lambda: assets.status.text().startswith("Uploaded"), timeout=30000)
    assert assets.progress.value() == assets.progress.maximum()

    # Submit: three frames of the stand-in on the local pool; the panel moves to Jobs.
    panel.show_tab("submit")
    submit = panel.submit
    assert submit.renderer.text() == "Arnold"
    submit.end.setValue(3)
    assert c.submit.frames_text == "1-3x1"
    qtbot.waitUntil(submit.submit_button.isEnabled, timeout=5000)
    click(qtbot, submit.submit_button)
    qtbot.waitUntil(lambda: panel.tabs.currentWidget() is panel.jobs, timeout=30000)
    assert submit.status.text().startswith("Submitted")
    job_id = c.jobs.selected
    assert job_id is not None

    # Jobs: progress to done, then download and thumbnails.
    jobs = panel.jobs

    def job_row():
        return next((r for r in c.jobs.rows if r.id == job_id), None)

    qtbot.waitUntil(lambda: job_row() is not None and job_row().progress == 100, timeout=60000)
    assert job_row().progress_text == "3/3 done"  # as `jobs list` says it
    qtbot.waitUntil(lambda: "no failed tasks" in jobs.details.toPlainText(), timeout=10000)
    qtbot.waitUntil(jobs.download_button.isEnabled, timeout=5000)
    click(qtbot, jobs.download_button)
    qtbot.waitUntil(lambda: jobs.status.text().startswith("Downloaded"), timeout=30000)
    assert not jobs.cancel_download_button.isEnabled()
    qtbot.waitUntil(lambda: jobs.thumbnails.count() == 3, timeout=10000)
    assert [jobs.thumbnails.item(i).text() for i in range(3)] == ["0001", "0002", "0003"]

    # Pools: a persistent pool resized to 0 between jobs.
    pool_id = unique("lighting")
    connection = c.session.require_connection()
    pools.create_pool(connection.batch, PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU, 1))
    panel.show_tab("pools")
    view = panel.pools

    def pool_item():
        items = (view.table.topLevelItem(i) for i in range(view.table.topLevelItemCount()))
        return next((i for i in items if i is not None and i.text(0) == pool_id), None)

    def nodes(text: str) -> bool:
        item = pool_item()
        return item is not None and item.text(3) == text

    qtbot.waitUntil(lambda: nodes("1 / 1"), timeout=30000)
    view.table.setCurrentItem(pool_item())
    view.dedicated.setValue(0)
    click(qtbot, view.resize_button)
    qtbot.waitUntil(lambda: nodes("0 / 0"), timeout=30000)
    view.confirm = lambda question: pool_id in question
    view.table.setCurrentItem(pool_item())
    click(qtbot, view.delete_button)
    qtbot.waitUntil(lambda: pool_item() is None, timeout=30000)

    # Jobs: delete the job after confirming.
    panel.show_tab("jobs")
    questions: list[str] = []
    jobs.confirm = lambda question: questions.append(question) or True
    qtbot.waitUntil(
        lambda: c.jobs.selected == job_id and jobs.delete_button.isEnabled(), timeout=10000
    )
    click(qtbot, jobs.delete_button)
    assert job_id in questions[0]
    qtbot.waitUntil(lambda: job_row() is None, timeout=30000)


def test_the_next_day_the_panel_signs_in_by_itself(qtbot, local_home, memory_keyring, scene):
    from azure_batch_maya.controllers.config import ConfigController
    from azure_batch_maya.controllers.session import Session

    yesterday = ConfigController(Session())
    yesterday.use_local_pool()
    yesterday.apply(yesterday.authenticate())
    assert yesterday.keys_saved
    panel = Panel(make_controllers(scene))
    qtbot.addWidget(panel)
    assert panel.config.batch_key.text() == ""  # the keyring is read on a worker
    panel.authenticate_if_configured()
    qtbot.waitUntil(lambda: panel.config.status.text() == "Authenticated", timeout=20000)
    assert panel.config.batch_key.text() == yesterday.fields.batch_key
    qtbot.waitUntil(lambda: panel.workers.busy == 0, timeout=20000)
    panel.close()
    panel.workers.wait()


def test_an_upload_can_be_cancelled(qtbot, panel, tmp_path):
    c = panel.controllers
    assert c.config.use_local_pool()
    c.config.apply(c.config.authenticate(save=False))
    qtbot.waitUntil(lambda: c.assets.result is not None, timeout=20000)
    plate = tmp_path / "plate.bin"
    plate.write_bytes(b"\x02" * (96 << 20))
    c.assets.add_paths([str(plate)])
    assets = panel.assets
    click(qtbot, assets.upload_button)
    click(qtbot, assets.cancel_button)
    qtbot.waitUntil(lambda: assets.status.text().startswith("Upload stopped"), timeout=60000)
    assert "cancel" in assets.status.text().lower()
    assert assets.upload_button.isEnabled() and not assets.cancel_button.isEnabled()


def test_choosing_an_existing_pool_lists_the_accounts_pools(qtbot, panel):
    c = panel.controllers
    pool_id = unique("existing")
    assert c.config.use_local_pool()
    c.config.apply(c.config.authenticate(save=False))
    connection = c.session.require_connection()
    pools.create_pool(connection.batch, PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU))
    submit = panel.submit
    submit.pool_mode.setCurrentIndex(1)
    assert c.submit.fields.pool_mode == "existing" and submit.pool_id.isEnabled()
    qtbot.waitUntil(lambda: submit.pool_id.findText(pool_id) >= 0, timeout=20000)
    submit.pool_id.setCurrentText(pool_id)
    assert c.submit.settings().pool.pool_id == pool_id
    pools.begin_delete_pool(connection.batch, pool_id)
