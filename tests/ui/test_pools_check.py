"""Check Nodes on the Pools tab, clicked offscreen against the local pool: the check runs on a
worker, the tab says how far it is, and the result opens red where a node cannot render."""

from __future__ import annotations

import os
import sys

import pytest

from azure_batch_maya.controllers.env import EnvController
from azure_batch_maya.controllers.pools import PoolsController
from azure_batch_maya.services import pools
from azure_batch_maya.services.batch import MarketplaceImage, PoolSpec
from azure_batch_maya.ui.icons import BAD, GOOD
from azure_batch_maya.ui.pools_view import PoolsView
from azure_batch_maya.ui.qt import QtCore
from azure_batch_maya.ui.worker import Workers
from tests.controllers.conftest import connected
from tests.node.installer import maya_archive, unpack
from tests.services.specs import unique

__all__ = ["connected"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="the fake mayapy is a sh script"),
]
LEFT = QtCore.Qt.MouseButton.LeftButton
UBUNTU = MarketplaceImage("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04")


@pytest.fixture
def view(qtbot, connected, scene):
    connected.set_scene(scene)
    workers = Workers()
    widget = PoolsView(PoolsController(connected), workers)
    qtbot.addWidget(widget)
    widget.show()
    yield widget
    widget.close()
    workers.wait()


def test_check_nodes_shows_red_rows_with_remedies_then_green_once_maya_is_there(
    qtbot, view, tmp_path
):
    batch = view.controller.session.require_connection().batch
    pool_id = unique("check-tab")
    pools.create_pool(batch, PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU, dedicated_nodes=1))
    try:
        qtbot.waitUntil(
            lambda: [n.state for n in pools.list_nodes(batch, pool_id)] == ["idle"],
            timeout=20000,
        )
        assert not view.check_button.isEnabled()  # nothing selected
        view.refresh()
        qtbot.waitUntil(lambda: pool_id in {r.id for r in view.controller.rows}, timeout=20000)
        items = view.table.findItems(pool_id, QtCore.Qt.MatchFlag.MatchExactly, 0)
        view.table.setCurrentItem(items[0])
        assert view.check_button.isEnabled()

        qtbot.mouseClick(view.check_button, LEFT)
        assert not view.check_button.isEnabled()  # one check at a time
        qtbot.waitUntil(lambda: view.check_dialog is not None, timeout=60000)
        dialog = view.check_dialog
        assert dialog is not None and dialog.isVisible()
        assert view.status.text() == f"Pool {pool_id} has nodes that cannot render."
        assert BAD in view.status.styleSheet()
        ((node, result),) = dialog.rows()
        assert result == "cannot render"
        top = dialog.table.topLevelItem(0)
        assert top is not None and top.foreground(0).color().name() == BAD
        failure = top.child(0)
        assert (failure.text(2), failure.text(3)) == ("mayapy", "FAILED")
        assert "nodes installers add" in failure.child(0).text(4)
        assert view.check_button.isEnabled()

        # the Env tab's variables go with the check: Maya on PATH, and arnold's mtoa loads
        unpack(maya_archive(tmp_path), tmp_path / "maya")
        bin_dir = tmp_path / "maya" / "maya-test" / "bin"
        EnvController().update(
            environment=(("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}"),)
        )
        qtbot.mouseClick(view.check_button, LEFT)
        qtbot.waitUntil(lambda: view.check_dialog is not dialog, timeout=60000)
        again = view.check_dialog
        assert again is not None and again.rows() == [(node, "can render")]
        assert GOOD in again.summary.styleSheet()
        top = again.table.topLevelItem(0)
        assert top is not None
        whats = [top.child(i).text(2) for i in range(top.childCount())]
        assert whats == ["Maya", "plug-in mtoa", "disk", "GPU"]  # the scene renders with arnold
    finally:
        pools.begin_delete_pool(batch, pool_id)
