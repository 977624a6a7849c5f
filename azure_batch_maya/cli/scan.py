"""`azure-batch-maya scan SCENE`: what a Maya scene needs to render, read without Maya."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from azure_batch_maya.cli.assetopts import add_asset_options, format_findings, load_checked
from azure_batch_maya.cli.output import print_json


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="read a .ma scene and list its render settings and external files",
        description="Read a Maya ASCII scene without Maya: renderer, frames, layers, cameras, "
        "plug-ins and every external file it references.",
    )
    parser.add_argument("scene", help="the .ma scene file")
    add_asset_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from azure_batch_maya.app.scan import scan_json, summary

    checked = load_checked(args)
    data = scan_json(checked.scene, checked.resolutions, checked.findings)
    if args.json:
        print_json(data, ascii_only=False)
    else:
        sys.stdout.write(summary(data) + format_findings(checked.findings))
    return 0
