"""`azure-batch-maya ui [SCENE.ma]`: the panel as a window, without Maya.

With `--screenshots DIR` it renders every tab to `DIR/<tab>.png` (the scene loaded, connected
to the local pool when one is up) and exits: the pictures in the user guide come from here.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from azure_batch_maya.cli import CliError
from azure_batch_maya.cli.arguments import existing_folder, folder_to_fill
from azure_batch_maya.cli.connecting import start_local_pool_if_down
from azure_batch_maya.cli.output import Messages

SETTLE_MS = 8000  # how long screenshots wait for the tabs' lists to fill


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "ui",
        help="open the panel as a window (the scene read without Maya)",
        description="Open the Azure Batch panel as a standalone window.",
    )
    parser.add_argument("scene", nargs="?", help="a .ma scene to open")
    parser.add_argument(
        "--project", type=existing_folder, metavar="DIR", help="Maya project folder"
    )
    parser.add_argument(
        "--local", action="store_true", help="connect to the local pool (started if needed)"
    )
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="render with the stand-in renderer (local pool tries only)",
    )
    parser.add_argument(
        "--screenshots",
        type=folder_to_fill,
        metavar="DIR",
        help="save each tab as DIR/<tab>.png and exit",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    scene = _read_scene(args) if args.scene else None
    if args.screenshots and not os.environ.get("DISPLAY") and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from azure_batch_maya.render.settings import SubmitSettings
    from azure_batch_maya.ui.panel import Panel, make_controllers
    from azure_batch_maya.ui.qt import QtWidgets, run_loop

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["azure-batch-maya"])
    base = SubmitSettings(stand_in=True, node_python=sys.executable) if args.stand_in else None
    panel = Panel(make_controllers(scene, base=base))
    if args.local:
        if not args.screenshots:  # the window starts work: the `--local` rule of connecting.py
            start_local_pool_if_down(Messages(quiet=False))
        _connect_local(panel)
    else:
        panel.authenticate_if_configured()
    if args.screenshots:
        from azure_batch_maya.ui.screenshots import save_tabs

        written = save_tabs(panel, Path(args.screenshots), settle_ms=SETTLE_MS)
        sys.stdout.write("".join(f"{p}\n" for p in written))
        return 0
    panel.show()
    return run_loop(app)


def _read_scene(args: argparse.Namespace) -> Any:
    from azure_batch_maya.scene.errors import SceneError
    from azure_batch_maya.scene.ma_reader import read_ma

    try:
        return read_ma(args.scene, project=args.project)
    except SceneError as exc:
        raise CliError(str(exc)) from None


def _connect_local(panel: Any) -> None:
    """Connect to the local pool when it is up (screenshots never start one)."""
    config = panel.controllers.config
    if config.use_local_pool():
        panel.config.authenticate(save=False)  # the accounts saved for Azure stay as they are
