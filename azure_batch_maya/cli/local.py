"""`azure-batch-maya local up|status|down`: the local pool and Azurite in the background."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from azure_batch_maya.cli import CliError
from azure_batch_maya.cli.arguments import count
from azure_batch_maya.cli.output import Messages, print_json


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "local",
        help="run Batch and Storage on this machine (the local pool and Azurite)",
        description="Start, check or stop the local pool: a Batch-compatible service on "
        "127.0.0.1 that runs tasks here, with Azurite for storage. Point the product's "
        "settings at what `local up` prints, exactly as at Azure.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = actions.add_parser("up", help="start both in the background (no-op if already up)")
    up.add_argument(
        "--slots",
        type=count(1, 1024),
        default=os.cpu_count() or 1,
        help="nodes the local pool may run at once (default: CPU count)",
    )
    up.add_argument(
        "--port",
        type=count(0, 65535),
        default=None,
        help="Batch port (default: the port of the last start, a free one the first time; "
        "0 moves to a free one)",
    )
    up.add_argument(
        "--storage-port",
        type=count(0, 65535),
        default=None,
        help="Azurite's port, likewise (moving it strands jobs submitted before)",
    )
    up.add_argument("--json", action="store_true", help="print one JSON object")
    up.set_defaults(handler=run_up)
    status = actions.add_parser("status", help="say whether it is up (exit 1 if not)")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    status.set_defaults(handler=run_status)
    down = actions.add_parser("down", help="stop both; running tasks are requeued next time")
    down.set_defaults(handler=run_down)


def _print(connection: dict[str, str], as_json: bool, header: str, where: str) -> None:
    if as_json:
        print_json(connection)
        return
    sys.stdout.write(
        f"{header}\n"
        f"  Batch URL:       {connection['batch_url']}\n"
        f"  Batch account:   {connection['batch_account']}\n"
        f"  Batch key:       {connection['batch_key']}\n"
        f"  Storage:         {connection['storage_connection_string']}\n"
        f"State in {where}; stop with `azure-batch-maya local down`.\n"
    )


def run_up(args: argparse.Namespace) -> int:
    from azure_batch_maya.system.processes import try_lock
    from azure_batch_maya.system.userdirs import home_dir

    home = home_dir()
    home.mkdir(parents=True, exist_ok=True)
    # One `up` at a time (the panel and a terminal may both start it); the second finds it up.
    with (home / "up.lock").open("a+b") as guard:
        deadline = time.monotonic() + 120
        while not try_lock(guard):
            if time.monotonic() > deadline:
                raise CliError(f"another `local up` holds {home / 'up.lock'}; try again")
            time.sleep(0.1)
        return _up(args, home)


def _up(args: argparse.Namespace, home: Path) -> int:
    from azure_batch_maya.local.home import (
        LocalState,
        clear_state,
        read_state,
        state_path,
        write_state,
    )
    from azure_batch_maya.local.process import (
        AZURITE_MARKER,
        SERVER_MODULE,
        LocalPoolError,
        health,
        start_local_pool,
    )
    from azure_batch_maya.system.processes import runs, stop_pid

    state = read_state(home)
    if state is not None:
        alive = health(state)
        if alive.up:
            _print(
                state.connection(),
                args.json,
                "The local pool is already up.",
                str(state_path(home)),
            )
            return 0
        if alive.server:
            # Its Azurite died: stop the server too (its tasks are requeued at the next start)
            # so both come back together on their ports.
            say = Messages(quiet=False)  # on stderr, also with --json (stdout keeps the object)
            say("Azurite had stopped; restarting the local pool and Azurite.")
            stop_pid(state.server_pid, 20.0, None)
        elif runs(state.server_pid, SERVER_MODULE):
            stop_pid(state.server_pid, 20.0, None)  # alive but not answering: hung
        if state.azurite_pid is not None and runs(state.azurite_pid, AZURITE_MARKER):
            # Left behind by a server that did not shut down cleanly; it holds the blob folder.
            # SIGTERM, so it saves its metadata before it goes.
            stop_pid(state.azurite_pid, 10.0, None)
    clear_state(home)
    try:
        pool = start_local_pool(
            home / "local-pool",
            port=args.port,
            azurite_port=args.storage_port,
            slots=args.slots,
            detached=True,
            azurite=True,
        )
    except LocalPoolError as error:
        raise CliError(str(error)) from None
    assert pool.storage_connection_string is not None
    state = LocalState(
        batch_url=pool.url,
        batch_account=pool.account_name,
        batch_key=pool.account_key,
        storage_connection_string=pool.storage_connection_string,
        server_pid=pool.pid,
        azurite_pid=pool.azurite_pid,
        data_dir=str(pool.data_dir),
        slots=args.slots,
    )
    path = write_state(home, state)
    _print(state.connection(), args.json, "The local pool is up.", str(path))
    return 0


def run_status(args: argparse.Namespace) -> int:
    from azure_batch_maya.local.home import read_state
    from azure_batch_maya.local.process import health
    from azure_batch_maya.system.userdirs import home_dir

    state = read_state(home_dir())
    alive = health(state) if state is not None else None
    batch_up = alive is not None and alive.server
    up = alive is not None and alive.up
    if args.json:
        body: dict[str, Any] = {"up": up}
        if state is not None and up:
            body.update(state.connection())
        print_json(body)
    elif state is not None and up:
        sys.stdout.write(
            f"The local pool is up at {state.batch_url} (account {state.batch_account},"
            f" pid {state.server_pid}), with Azurite (pid {state.azurite_pid});"
            f" data in {state.data_dir}.\n"
        )
    elif batch_up:
        sys.stdout.write(
            "The local pool is up but its Azurite is not; `azure-batch-maya local up` restarts"
            " both.\n"
        )
    else:
        sys.stdout.write(
            "The local pool is not running; start it with `azure-batch-maya local up`.\n"
        )
    return 0 if up else 1


def run_down(args: argparse.Namespace) -> int:
    from azure_batch_maya.local.home import clear_state, read_state
    from azure_batch_maya.local.process import AZURITE_MARKER, SERVER_MODULE
    from azure_batch_maya.system.processes import runs, stop_pid
    from azure_batch_maya.system.userdirs import home_dir

    home = home_dir()
    state = read_state(home)
    if state is None:
        sys.stdout.write("The local pool is not running.\n")
        return 0
    if runs(state.server_pid, SERVER_MODULE):
        stop_pid(state.server_pid, 20.0, None)
    if state.azurite_pid is not None and runs(state.azurite_pid, AZURITE_MARKER):
        # The server stops its Azurite itself; this is for one it left behind. SIGTERM makes
        # Azurite save its metadata (it otherwise saves only every 5 s); allow it the time.
        stop_pid(state.azurite_pid, 10.0, None)
    clear_state(home)
    sys.stdout.write("The local pool and Azurite are stopped.\n")
    return 0
