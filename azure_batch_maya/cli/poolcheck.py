"""`azure-batch-maya pools check POOL`: can the pool's nodes render? (registered by cli/pools.py)

Kept apart from the other `pools` actions: it runs a job of its own (`app/pools/check.py`) and shows
each node's findings with what to do.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from azure_batch_maya.cli import CliError
from azure_batch_maya.cli.arguments import batch_id, count, gigabytes
from azure_batch_maya.cli.connecting import with_connection
from azure_batch_maya.cli.output import ProgressLine, columns, print_json

RED, GREEN, RESET = "\033[31m", "\033[32m", "\033[0m"


def register_pool_check(actions: Any, common: argparse.ArgumentParser) -> None:
    """Add `check` to the `pools` actions."""
    check = actions.add_parser(
        "check",
        parents=[common],
        help="run a small task on each node: Maya, plug-ins, licence servers, disk, GPUs",
        description="Runs one short task per node (or per --sample of nodes) in a job that "
        "is deleted afterwards, and shows what each node has: its OS, mayapy and Maya's "
        "version, whether each renderer's plug-in loads, whether each licence server on the "
        "Env tab answers, free disk and GPUs. Failures are shown with what to do. Exits 1 when "
        "a node fails a check.",
    )
    check.add_argument("pool", type=batch_id, help="the pool id")
    check.add_argument(
        "--renderer",
        action="append",
        default=[],
        metavar="NAME",
        help="check this renderer's plug-in loads (arnold, vray, redshift; repeatable)",
    )
    check.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a variable for the check task, besides the Env tab's (repeatable)",
    )
    check.add_argument("--sample", type=count(1), metavar="N", help="check only N nodes")
    check.add_argument(
        "--min-free-gb",
        type=gigabytes,
        default=None,
        metavar="GB",
        help="free disk a node needs (default 20)",
    )
    check.add_argument(
        "--timeout",
        type=count(1, 24 * 60),
        default=20,
        metavar="MIN",
        help="minutes to wait for the nodes (default 20)",
    )
    check.set_defaults(handler=run_pool_check)


def run_pool_check(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from azure_batch_maya.app.pools.check import (
        DEFAULT_MIN_FREE_GB,
        CheckOptions,
        NodeCheckError,
        check_pool,
    )
    from azure_batch_maya.settings.env import load_env

    saved = load_env().settings
    try:
        environment = {**saved.licences.environment(), **dict(saved.environment)}
    except ValueError as exc:  # a licence server the Env tab cannot read
        raise CliError(f"{exc}; fix it on the Env tab") from None
    for pair in args.env:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--env {pair!r}: write it as NAME=VALUE")
        environment[name.strip()] = value
    options = CheckOptions(
        renderers=tuple(args.renderer),
        environment=environment,
        min_free_gb=DEFAULT_MIN_FREE_GB if args.min_free_gb is None else args.min_free_gb,
        sample=args.sample,
        timeout=timedelta(minutes=args.timeout),
    )

    progress = ProgressLine(
        lambda done, total: f"Checking nodes of {args.pool}: {done} of {total} done",
        quiet=args.json,
    )
    try:
        report = with_connection(
            args,
            lambda conn: check_pool(conn, args.pool, options, on_progress=progress),
            errors=(NodeCheckError, ValueError),
        )
    finally:
        progress.finish()
    if args.json:
        print_json(report.to_json())
        return 0 if report.ok else 1
    color = sys.stdout.isatty()
    rows = [("NODE", "STATE", "OS", "MAYA", "RESULT")]
    for node in report.nodes:
        result = "ok" if node.ok else f"FAILED: {', '.join(f.what for f in node.failures)}"
        rows.append((node.node_id, node.state, node.os or "-", node.maya or "-", result))
    lines = columns(rows).splitlines()
    out = [lines[0]]
    for node, line in zip(report.nodes, lines[1:], strict=True):
        out.append(f"{RED if not node.ok else GREEN}{line}{RESET}" if color else line)
    for node in report.nodes:
        for finding in node.failures:
            mark = f"{RED}x{RESET}" if color else "x"
            out.append(f"{mark} {node.node_id}: {finding.what}: {finding.detail}")
            out.append(f"    what to do: {finding.remedy}")
    summary = (
        f"All {len(report.nodes)} node(s) of {report.pool_id} can render."
        if report.ok
        else f"{sum(not n.ok for n in report.nodes)} of {len(report.nodes)} node(s) of "
        f"{report.pool_id} cannot render as they are."
    )
    sys.stdout.write("\n".join([*out, summary]) + "\n")
    return 0 if report.ok else 1
