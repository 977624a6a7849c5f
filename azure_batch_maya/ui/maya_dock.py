"""The panel inside Maya: a dockable `workspaceControl` that Maya restores with its layout.

Maya runs `UI_SCRIPT` to fill the control, both when "Open Azure Batch" makes it and when a
saved layout brings it back at startup, so that script only imports this module (on the path
through the Maya module's PYTHONPATH) and calls `restore`. All of this runs on Maya's main
thread: the scene is read with the live reader here, never from a worker.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from maya import cmds

from azure_batch_maya.app.jobs.notice import Notice
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.ui.panel import Panel, make_controllers
from azure_batch_maya.ui.qt import cpp_pointer

log = logging.getLogger(__name__)

CONTROL = "AzureBatchWorkspaceControl"
PLUGIN = "AzureBatch"
UI_SCRIPT = "import azure_batch_maya.ui.maya_dock as dock; dock.restore()"

_panel: Panel | None = None


def open_panel(tab: str | None = None) -> None:
    """Show the panel, making its control the first time (Maya then runs `UI_SCRIPT`)."""
    if cmds.workspaceControl(CONTROL, exists=True):
        cmds.workspaceControl(CONTROL, edit=True, restore=True)
    else:
        cmds.workspaceControl(
            CONTROL,
            label="Azure Batch",
            uiScript=UI_SCRIPT,
            requiredPlugin=PLUGIN,
            retain=False,
            floating=True,
            initialWidth=720,
            initialHeight=760,
            minimumWidth=420,
            closeCommand=_closed,
            loadImmediately=True,
        )
    if tab is not None and _panel is not None:
        _panel.show_tab(tab)


def restore() -> None:
    """Build the panel into the control Maya is making right now (`UI_SCRIPT` calls this)."""
    global _panel
    util = _qt_util()
    parent = util.getCurrentParent()
    panel = Panel(make_controllers(current_scene()))
    panel.jobs.notifier.hooks.append(in_view_message)
    util.addWidgetToMayaLayout(cpp_pointer(panel), int(parent))
    _panel = panel
    panel.authenticate_if_configured()


def in_view_message(notice: Notice) -> None:
    """A job's end over the viewport as well (the Jobs tab's listing calls it on the main
    thread); failures and stuck jobs stay up longer."""
    colour = "#e0625a" if notice.bad else "#7fd18b"
    cmds.inViewMessage(
        amg=f'<span style="color:{colour};">{notice.title}</span><br>{notice.text}',
        pos="topCenter",
        fade=True,
        fadeStayTime=15000 if notice.bad else 6000,
    )


def close() -> None:
    """Remove the control and the panel (the plug-in is unloading)."""
    global _panel
    if _panel is not None:
        _panel.close()
        _panel = None
    if cmds.workspaceControl(CONTROL, exists=True):
        cmds.deleteUI(CONTROL)


def _closed() -> None:
    """The user closed the control (Maya deletes it, and the panel in it, with retain off;
    no close event reaches the panel): its running work stops, as on closing the panel."""
    global _panel
    if _panel is not None:
        _panel.workers.cancel_all()
    _panel = None


def panel() -> Panel | None:
    """The panel when it is open."""
    return _panel


def scene_changed(*_args: Any) -> None:
    """Scene callback (after open, new, save-as): the panel follows Maya's scene."""
    if _panel is not None:
        _panel.controllers.session.set_scene(current_scene())


def current_scene() -> SceneInfo | None:
    """The open scene, read live; None while it is untitled (nothing to render yet)."""
    if not cmds.file(q=True, sceneName=True):
        return None
    from azure_batch_maya.scene.live_reader import read_live

    return read_live()


def _qt_util() -> Any:
    # types-maya does not describe MQtUtil (API 1.0's OpenMayaUI), hence the lookup by name.
    return importlib.import_module("maya.OpenMayaUI").MQtUtil


__all__ = ["CONTROL", "UI_SCRIPT", "close", "open_panel", "panel", "restore", "scene_changed"]
