"""`azure-batch-maya pools autoscale ID`: let a pool size itself, change how, or stop it.

`--max N` turns our formula on (or changes it); `--off` turns autoscale off and the pool
keeps the nodes it has then, as Batch does: nothing running is stopped, and `pools resize`
takes it to 0 when the work is done. Without either, it shows the pool's autoscale.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from azure_batch_maya.cli import CliError
from azure_batch_maya.cli.arguments import batch_id, count, interval_minutes
from azure_batch_maya.cli.connecting import with_connection
from azure_batch_maya.cli.output import print_result

if TYPE_CHECKING:
    from azure_batch_maya.app.connect import Connection
    from azure_batch_maya.app.pools.status import PoolRow


def register_autoscale(actions: Any, common: argparse.ArgumentParser) -> None:
    parser: argparse.ArgumentParser = actions.add_parser(
        "autoscale",
        parents=[common],
        help="let a pool grow to its work and empty itself when idle (or --off)",
        description="Turn on our autoscale formula: the pool grows to its pending tasks up to "
        "--max nodes and goes to 0 after --idle-minutes without work. --off turns autoscale "
        "off; the pool then keeps the nodes it has (resize it to 0 when done). With neither, "
        "show the pool's autoscale and its last evaluation.",
    )
    parser.add_argument("pool", type=batch_id, help="the pool id")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--max", type=count(1), metavar="N", help="at most N nodes")
    choice.add_argument("--off", action="store_true", help="turn autoscale off")
    parser.add_argument(
        "--idle-minutes", type=float, metavar="M", help="0 nodes after M idle minutes (10)"
    )
    parser.add_argument(
        "--spot-share", type=float, metavar="S", help="share of Spot nodes, 0 to 1 (0)"
    )
    parser.add_argument(
        "--interval",
        type=interval_minutes,
        metavar="MINUTES",
        help="minutes between evaluations (5)",
    )
    parser.set_defaults(handler=run_autoscale)


def run_autoscale(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from azure_batch_maya.app.pools.autoscale import autoscale_json, autoscale_line, plan_of
    from azure_batch_maya.app.pools.status import get_pool_row
    from azure_batch_maya.render.autoscale import (
        DEFAULT_IDLE_MINUTES,
        EVALUATION_INTERVAL,
        AutoscaleError,
        AutoscalePlan,
        formula,
    )
    from azure_batch_maya.services import autoscale

    tuning = (args.idle_minutes, args.spot_share, args.interval)
    if args.max is None and any(value is not None for value in tuning):
        raise CliError("--idle-minutes, --spot-share and --interval go with --max N")

    if args.max is not None:
        try:  # refuse what cannot work before asking the service anything
            AutoscalePlan(
                args.max,
                0.0 if args.spot_share is None else args.spot_share,
                DEFAULT_IDLE_MINUTES if args.idle_minutes is None else args.idle_minutes,
            )
        except AutoscaleError as exc:
            raise CliError(str(exc)) from None

    def act(conn: Connection) -> tuple[PoolRow, PoolRow]:
        before = get_pool_row(conn, args.pool)
        if args.off:
            if before.autoscale.enabled:
                autoscale.disable_pool_autoscale(conn.batch, args.pool)
        elif args.max is not None:
            old = plan_of(before.autoscale)
            plan = AutoscalePlan(
                args.max,
                args.spot_share
                if args.spot_share is not None
                else (old.spot_share if old else 0.0),
                args.idle_minutes
                if args.idle_minutes is not None
                else (old.idle_minutes if old else DEFAULT_IDLE_MINUTES),
            )
            current = before.autoscale.interval or EVALUATION_INTERVAL  # kept unless given
            interval = timedelta(minutes=args.interval) if args.interval else current
            text = formula(plan.max_nodes, plan.spot_share, plan.idle_minutes)
            autoscale.enable_pool_autoscale(conn.batch, args.pool, text, interval=interval)
        return before, get_pool_row(conn, args.pool)

    before, row = with_connection(args, act)
    nodes = f"{row.dedicated[0]} dedicated and {row.spot[0]} Spot nodes"
    if args.off:
        was = "Autoscale is now off" if before.autoscale.enabled else "Autoscale was already off"
        text = (
            f"{was} for pool {args.pool}; it keeps its {nodes}. Resize it to 0 when no job "
            f"needs them: `azure-batch-maya pools resize {args.pool} --dedicated 0 --spot 0`"
        )
    elif row.autoscale.enabled:
        text = f"Pool {args.pool} ({nodes}): {autoscale_line(row.autoscale)}"
    else:
        text = (
            f"Pool {args.pool} ({nodes}) has no autoscale; turn it on with "
            f"`azure-batch-maya pools autoscale {args.pool} --max N`"
        )
    data = {"pool_id": args.pool, "autoscale": autoscale_json(row.autoscale)}
    print_result(args.json, data, text)
    return 0
