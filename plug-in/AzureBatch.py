"""Maya plug-in entry: load it from the Plug-in Manager to get the "Azure Batch" menu.

The menu opens the panel (a dockable workspaceControl that Maya restores with its layout);
scene callbacks keep the panel on the open scene. Everything else is the plain-Python package,
imported on use. Loading from a clone works without installing: the repository root is put on
`sys.path` when the package is not importable yet. Unloading removes the menu, the panel and
the callbacks, and forgets our modules, so loading again runs fresh code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import maya.api.OpenMaya as om
from maya import cmds, utils

maya_useNewAPI = True

MENU = "AzureBatchMenu"
PACKAGE = "azure_batch_maya"
DOCK = "azure_batch_maya.ui.maya_dock"
_REPO = Path(__file__).resolve().parent.parent
HELP = _REPO / "docs" / "ui.md"
_callbacks: list[Any] = []


def initializePlugin(plugin: Any) -> None:
    _make_package_importable()
    from azure_batch_maya import __version__

    om.MFnPlugin(plugin, "azure-batch-maya", __version__)
    if cmds.about(batch=True):
        return  # no menus, panel or callbacks in mayabatch or mayapy
    add_scene_callbacks()
    utils.executeDeferred(build_menu)  # Maya builds its main window after plug-ins load


def uninitializePlugin(plugin: Any) -> None:
    om.MFnPlugin(plugin)
    remove_scene_callbacks()
    remove_menu()
    dock = sys.modules.get(DOCK)
    if dock is not None:
        dock.close()
    forget_modules()


def build_menu() -> None:
    remove_menu()
    cmds.menu(MENU, label="Azure Batch", parent="MayaWindow", tearOff=True)
    cmds.menuItem(
        label="Open Azure Batch",
        annotation="The Azure Batch panel: sign in, check assets, submit, follow jobs and pools",
        command=lambda *_: open_panel(),
    )
    cmds.menuItem(
        label="Submit Scene…",
        annotation="The panel's Submit tab for the open scene",
        command=lambda *_: open_panel("submit"),
    )
    cmds.menuItem(
        label="Jobs…",
        annotation="The panel's Jobs tab: progress, downloads, thumbnails",
        command=lambda *_: open_panel("jobs"),
    )
    cmds.menuItem(divider=True)
    cmds.menuItem(
        label="Scan Scene",
        annotation="List the render settings and every external file of the open scene",
        command=lambda *_: scan_scene(),
    )
    cmds.menuItem(
        label="Help",
        annotation="The user guide",
        command=lambda *_: cmds.showHelp(HELP.as_uri(), absolute=True),
    )


def remove_menu() -> None:
    if cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)


def open_panel(tab: str | None = None) -> None:
    from azure_batch_maya.ui import maya_dock

    maya_dock.open_panel(tab)


def add_scene_callbacks() -> None:
    """The panel follows the scene: after open, after new, after save (a save-as renames)."""
    remove_scene_callbacks()
    for message in (
        om.MSceneMessage.kAfterOpen,
        om.MSceneMessage.kAfterNew,
        om.MSceneMessage.kAfterSave,
    ):
        _callbacks.append(om.MSceneMessage.addCallback(message, _scene_changed))


def remove_scene_callbacks() -> None:
    while _callbacks:
        om.MMessage.removeCallback(_callbacks.pop())


def _scene_changed(*_args: Any) -> None:
    dock = sys.modules.get(DOCK)  # no panel opened yet: nothing to refresh, no Qt to import
    if dock is not None:
        dock.scene_changed()


def scan_scene() -> None:
    """Print what the open scene needs to render to the Script Editor."""
    from azure_batch_maya.app.scan import summary
    from azure_batch_maya.scene.live_reader import read_live

    sys.stdout.write(summary(read_live().to_json()))


def forget_modules() -> None:
    """Drop our modules so the next load imports them afresh (reloading the plug-in)."""
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]


def _make_package_importable() -> None:
    try:
        import azure_batch_maya  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(_REPO))
