"""The node's entry point: `python <azbm> fetch` (job preparation) or `render TASK_ID`.

Shipped as `<job preparation folder>/azbm/__main__.py` beside a copy of the package modules
it needs, so `python <that folder>` puts the copy first on `sys.path`; no environment to set.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from azure_batch_maya.node import fetch_inputs, render_task


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    parser = argparse.ArgumentParser(prog="azbm-node", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    fetch_inputs.add_arguments(commands.add_parser("fetch", help="fetch the job's inputs"))
    render_task.add_arguments(commands.add_parser("render", help="render one task"))
    render_task.add_arguments(commands.add_parser("maya-session", help="(inside mayapy)"))
    args = parser.parse_args(argv)
    ship_dir = Path(__file__).resolve().parent  # the shipped folder, when run from it
    if args.command == "fetch":
        return fetch_inputs.main(args, ship_dir)
    if args.command == "maya-session":
        return render_task.session_main(args, ship_dir)
    return render_task.main(args, ship_dir)


if __name__ == "__main__":
    sys.exit(main())
