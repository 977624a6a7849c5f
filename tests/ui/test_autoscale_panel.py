"""Autoscale from the panel, offscreen, on the fast autoscale local pool: the Submit tab's
new-pool control, and the Pools tab turning a pool's autoscale on, watching it grow for a
job and empty after, then off."""

from __future__ import annotations

import sys
import uuid

import pytest

from azure_batch_maya.render.autoscale import AutoscalePlan
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.services import jobs, pools
from azure_batch_maya.services.batch import JobSpec, MarketplaceImage, PoolSpec, TaskSpec
from azure_batch_maya.ui.panel import Panel, make_controllers
from azure_batch_maya.ui.qt import QtCore, QtWidgets
from tests.cli.localjobs import command_line
from tests.fixtures.autoscale_pool import FAST_INTERVAL

pytestmark = pytest.mark.slow

UBUNTU = MarketplaceImage("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04")
BASE = SubmitSettings(stand_in=True, node_python=sys.executable, autoscale_interval=FAST_INTERVAL)


@pytest.fixture
def panel(qtbot, autoscale_home, memory_keyring, scene, tmp_path):
    widget = Panel(make_controllers(scene, base=BASE, output_root=tmp_path / "frames"))
    qtbot.addWidget(widget)
    widget.show()
    widget.pools.timer.setInterval(300)
    c = widget.controllers
    assert c.config.use_local_pool()
    c.config.apply(c.config.authenticate(save=False))
    c.pools.autoscale_interval = FAST_INTERVAL
    yield widget
    widget.close()
    widget.workers.wait()


def test_the_submit_tab_makes_a_new_pool_that_sizes_itself(panel):
    c = panel.controllers
    submit = panel.submit
    assert not submit.autoscale.isEnabled()  # only a new pool gets autoscale
    submit.pool_mode.setCurrentIndex(2)
    submit.pool_id.setCurrentText("shot010-auto")
    assert submit.autoscale.isEnabled()
    submit.autoscale.idle_minutes.setValue(15)
    submit.autoscale.max_nodes.setValue(6)
    settings = c.submit.settings()
    assert settings.autoscale == AutoscalePlan(6, 0.0, 15)
    assert (settings.dedicated_nodes, settings.spot_nodes) == (6, 0)  # what the estimate prices
    submit.autoscale.max_nodes.setValue(0)
    assert c.submit.settings().autoscale is None


def test_the_pools_tab_turns_autoscale_on_shows_it_grow_and_empty_then_off(qtbot, panel):
    connection = panel.controllers.session.require_connection()
    pool_id = f"tab-auto-{uuid.uuid4().hex[:6]}"
    pools.create_pool(connection.batch, PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU))
    panel.show_tab("pools")
    view = panel.pools

    def item() -> QtWidgets.QTreeWidgetItem | None:
        items = (view.table.topLevelItem(i) for i in range(view.table.topLevelItemCount()))
        return next((i for i in items if i is not None and i.text(0) == pool_id), None)

    def shows(column: int, text: str) -> bool:
        found = item()
        return found is not None and text in found.text(column)

    try:
        qtbot.waitUntil(lambda: shows(8, "off"), timeout=20000)
        view.table.setCurrentItem(item())
        assert view.autoscale.max_nodes.value() == 0  # "off": the pool has no autoscale
        view.autoscale.max_nodes.setValue(2)
        view.autoscale.idle_minutes.setValue(0.05)
        qtbot.mouseClick(view.autoscale_button, QtCore.Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: shows(8, "≤2, 0.05 min"), timeout=20000)
        line = f"{pool_id}: autoscale: up to 2 nodes, empties after 0.05 idle minutes; last run"
        assert line in view.autoscale_lines.text()
        assert (item() or QtWidgets.QTreeWidgetItem()).toolTip(8).startswith("autoscale: up to 2")

        job_id = f"tab-auto-job-{uuid.uuid4().hex[:6]}"
        task = TaskSpec("t1", command_line([sys.executable, "-c", "import time; time.sleep(2)"]))
        jobs.submit_job(connection.batch, JobSpec(job_id, pool_id=pool_id), [task])
        qtbot.waitUntil(lambda: shows(3, "1 / 1"), timeout=30000)  # grown for the job
        qtbot.waitUntil(lambda: shows(3, "0 / 0"), timeout=30000)  # emptied after it
        qtbot.waitUntil(lambda: "→ 0 dedicated, 0 Spot" in view.autoscale_lines.text())

        view.table.setCurrentItem(item())
        assert view.autoscale.max_nodes.value() == 2  # the boxes show the pool's plan
        view.autoscale.max_nodes.setValue(4)
        assert view.autoscale.spot_percent is not None
        view.autoscale.spot_percent.setValue(25)
        qtbot.mouseClick(view.autoscale_button, QtCore.Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "up to 4 nodes (25% Spot)" in view.autoscale_lines.text())

        view.table.setCurrentItem(item())
        view.autoscale.max_nodes.setValue(0)
        qtbot.mouseClick(view.autoscale_button, QtCore.Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: shows(8, "off"), timeout=20000)
        assert pool_id not in view.autoscale_lines.text()
        assert pools.get_pool(connection.batch, pool_id).enable_auto_scale is False
        jobs.begin_delete_job(connection.batch, job_id)
    finally:
        pools.begin_delete_pool(connection.batch, pool_id)
