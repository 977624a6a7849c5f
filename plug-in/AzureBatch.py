"""Maya plug-in entry: load it from the Plug-in Manager to get the "Azure Batch" menu.

Only the menu lives here; everything it runs is the plain-Python package, imported on use.
Loading from a clone works without installing: the repository root is put on `sys.path`
when the package is not importable yet.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import maya.api.OpenMaya as om
from maya import cmds, utils

maya_useNewAPI = True

MENU = "AzureBatchMenu"
_REPO = Path(__file__).resolve().parent.parent


def initializePlugin(plugin: Any) -> None:
    _make_package_importable()
    from azure_batch_maya import __version__

    om.MFnPlugin(plugin, "azure-batch-maya", __version__)
    if cmds.about(batch=True):
        return  # no menus in mayabatch or mayapy
    utils.executeDeferred(build_menu)  # Maya builds its main window after plug-ins load


def uninitializePlugin(plugin: Any) -> None:
    om.MFnPlugin(plugin)
    remove_menu()


def build_menu() -> None:
    remove_menu()
    cmds.menu(MENU, label="Azure Batch", parent="MayaWindow", tearOff=True)
    cmds.menuItem(
        label="Scan Scene",
        annotation="List the render settings and every external file of the open scene",
        command=lambda *_: scan_scene(),
    )


def remove_menu() -> None:
    if cmds.menu(MENU, exists=True):
        cmds.deleteUI(MENU)


def scan_scene() -> None:
    """Print what the open scene needs to render to the Script Editor."""
    from azure_batch_maya.cli.scan import summary
    from azure_batch_maya.scene.live_reader import read_live

    sys.stdout.write(summary(read_live().to_json()))


def _make_package_importable() -> None:
    try:
        import azure_batch_maya  # noqa: F401
    except ImportError:
        sys.path.insert(0, str(_REPO))
