"""`azure-batch-maya validate SCENE`: what would make the render fail, before it is submitted."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from azure_batch_maya.cli.assetopts import add_asset_options, format_findings, load_checked
from azure_batch_maya.cli.output import print_json


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "validate",
        help="check a scene's files and render settings; exit 1 on any error",
        description="Resolve every file the scene references and check its render settings. "
        "Prints errors, warnings and notices; exits 1 when there is an error.",
    )
    parser.add_argument("scene", help="the .ma scene file")
    add_asset_options(parser)
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from azure_batch_maya.render.validation import has_errors

    checked = load_checked(args, saved=True)
    if args.json:
        print_json([f.to_json() for f in checked.findings], ascii_only=False)
    else:
        sys.stdout.write(format_findings(checked.findings))
        levels = [f.level for f in checked.findings]
        counts = {lvl: levels.count(lvl) for lvl in ("error", "warning")}
        found = sum(r.found for r in checked.resolutions)
        sys.stdout.write(
            f"{found} of {len(checked.resolutions)} files found; "
            f"{counts['error']} error(s), {counts['warning']} warning(s)\n"
        )
    return 1 if has_errors(checked.findings) else 0
