"""`azure-batch-maya pools list|resize|autoscale|delete|check`: see what runs, stop paying for
idle nodes.

`autoscale` lives in `cli/poolautoscale.py`, `check` (can the nodes render?) in `cli/poolcheck.py`.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from azure_batch_maya.cli.arguments import batch_id, count
from azure_batch_maya.cli.connecting import (
    POLL_SECONDS,
    asking_options,
    connection_options,
    finished,
    run_batch_delete,
    waiting_options,
    with_connection,
)
from azure_batch_maya.cli.output import columns, print_json
from azure_batch_maya.cli.poolautoscale import register_autoscale

if TYPE_CHECKING:
    from azure_batch_maya.app.connect import Connection
    from azure_batch_maya.app.pools.status import PoolRow
    from azure_batch_maya.render.cost import PriceTable


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "pools",
        help="list, resize or delete pools",
        description="Pools on the Batch account (or the local pool with --local): their nodes "
        "and VM size, with a warning when nodes sit idle and cost money; resize them (to 0 "
        "between jobs) or delete them.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    common, waiting, asking = connection_options(), waiting_options(), asking_options()

    listing = actions.add_parser("list", parents=[common], help="every pool and its nodes")
    listing.set_defaults(handler=run_list)
    resize = actions.add_parser(
        "resize", parents=[common, waiting], help="set a pool's dedicated and Spot node counts"
    )
    resize.add_argument("pool", type=batch_id, help="the pool id")
    resize.add_argument(
        "--dedicated", type=count(0), required=True, metavar="N", help="dedicated nodes"
    )
    resize.add_argument(
        "--spot", type=count(0), default=0, metavar="N", help="Spot nodes (default 0)"
    )
    resize.set_defaults(handler=run_resize)
    register_autoscale(actions, common)
    delete = actions.add_parser("delete", parents=[common, waiting, asking], help="delete a pool")
    delete.add_argument("pool", type=batch_id, help="the pool id")
    delete.set_defaults(handler=run_delete)
    from azure_batch_maya.cli.poolcheck import register_pool_check

    register_pool_check(actions, common)


def run_list(args: argparse.Namespace) -> int:
    from azure_batch_maya.app.pools.autoscale import autoscale_line
    from azure_batch_maya.app.pools.status import list_pool_rows
    from azure_batch_maya.render.cost import PriceError, load_prices

    def gather(conn: Connection) -> tuple[list[PoolRow], bool]:
        return list_pool_rows(conn), conn.local

    rows, local = with_connection(args, gather)
    try:
        table: PriceTable | None = load_prices()
    except PriceError as exc:
        sys.stderr.write(f"azure-batch-maya: {exc}\n")
        table = None
    if args.json:
        data = []
        for row in rows:
            item = row.to_json()
            item["idle_cost_per_hour"] = _idle_cost(row, table, local)
            data.append(item)
        print_json({"pools": data, "currency": table.currency if table else None})
        return 0
    if not rows:
        sys.stdout.write("No pools.\n")
        return 0
    lines = [("POOL", "STATE", "ALLOCATION", "DEDICATED", "SPOT", "VM SIZE", "ERRORS")]
    lines += [
        (
            r.id,
            r.state,
            r.allocation_state,
            f"{r.dedicated[0]}/{r.dedicated[1]}",
            f"{r.spot[0]}/{r.spot[1]}",
            r.vm_size,
            r.trouble or "-",
        )
        for r in rows
    ]
    sys.stdout.write(columns(lines))
    for row in rows:
        if row.autoscale.enabled:
            sys.stdout.write(f"{row.id}: {autoscale_line(row.autoscale)}\n")
    for row in rows:
        for problem in row.problems:
            sys.stdout.write(f"Error: {problem.text}\n  What to do: {problem.remedy}\n")
        if row.idle.total:
            sys.stdout.write(_idle_warning(row, table, local) + "\n")
    return 0


def run_resize(args: argparse.Namespace) -> int:
    from azure_batch_maya.app.pools.status import get_pool_row
    from azure_batch_maya.services.pools import begin_resize_pool

    def resize(conn: Connection) -> tuple[bool, PoolRow]:
        operation = begin_resize_pool(
            conn.batch,
            args.pool,
            dedicated_nodes=args.dedicated,
            spot_nodes=args.spot,
            polling_interval=POLL_SECONDS,
        )
        return finished(operation, args), get_pool_row(conn, args.pool)

    done, row = with_connection(args, resize)
    if args.json:
        print_json({**row.to_json(), "finished": done})
        return 0
    now = f"{row.dedicated[0]} dedicated and {row.spot[0]} Spot nodes"
    if row.allocation_state == "steady":
        sys.stdout.write(f"Pool {args.pool} now has {now}.\n")
    else:
        sys.stdout.write(
            f"Pool {args.pool} is {row.allocation_state} towards {args.dedicated} dedicated and "
            f"{args.spot} Spot nodes (has {now}); check with `pools list`.\n"
        )
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from azure_batch_maya.services.pools import begin_delete_pool

    return run_batch_delete(
        args,
        kind="pool",
        entity_id=args.pool,
        begin=begin_delete_pool,
        question=f"Delete pool {args.pool}? Tasks running on it stop.",
    )


def _idle_cost(row: PoolRow, table: PriceTable | None, local: bool) -> float | None:
    from azure_batch_maya.app.pools.status import idle_cost_per_hour

    if local:
        return 0.0
    return idle_cost_per_hour(row, table) if table is not None else None


def _idle_warning(row: PoolRow, table: PriceTable | None, local: bool) -> str:
    from azure_batch_maya.app.pools.autoscale import idle_note
    from azure_batch_maya.app.pools.status import idle_cost_per_hour

    note = idle_note(row.autoscale, row.idle.total)
    if note is not None:
        return f"Pool {row.id} has {note} (autoscale)."
    if row.autoscale.enabled:  # someone else's formula, or ours failing: a resize is refused
        return (
            f"Warning: pool {row.id} has {row.idle.total} idle node(s) its autoscale formula "
            f"keeps; see `azure-batch-maya pools autoscale {row.id}`"
        )
    nodes = f"{row.idle.total} idle node{'s' if row.idle.total != 1 else ''}"
    fix = f"`azure-batch-maya pools resize {row.id} --dedicated 0 --spot 0`"
    azure = idle_cost_per_hour(row, table) if table is not None else None
    if local:
        price = f" (on Azure {azure:.2f} {table.currency}/hour)" if azure and table else ""
        return f"Warning: pool {row.id} has {nodes}; the local pool costs nothing{price}."
    if azure is None or table is None:
        return f"Warning: pool {row.id} has {nodes} (no price for {row.vm_size}); resize: {fix}"
    return (
        f"Warning: pool {row.id} has {nodes} costing about {azure:.2f} {table.currency}/hour; "
        f"resize it to 0 between jobs: {fix}"
    )
