"""`azure-batch-maya nodes installers add|list|remove`: the installers nodes install at start.

A pool of the "install at node start" route runs a start task that fetches these from storage
and installs them silently (see docs/nodes.md); upload them once here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from azure_batch_maya.cli import CliError
from azure_batch_maya.cli.connecting import (
    asking_options,
    connection_options,
    delete_after_asking,
    with_connection,
)
from azure_batch_maya.cli.output import (
    Messages,
    columns,
    print_json,
    print_result,
    upload_progress,
)
from azure_batch_maya.transfer.sizes import size_text

if TYPE_CHECKING:
    from azure_batch_maya.app.connect import Connection
    from azure_batch_maya.transfer.installers import AddReport, Installer


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "nodes",
        help="what render nodes install when they start (Maya and renderer installers)",
        description='Render nodes of an "install at node start" pool install the installers '
        "uploaded here (RPM, .run or .tar.gz/.zip for Linux; .msi, .exe or .zip for Windows), "
        "in the order listed. Each is stored once by content.",
    )
    groups = parser.add_subparsers(dest="group", required=True, metavar="GROUP")
    installers = groups.add_parser("installers", help="add, list or remove installers")
    actions = installers.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = connection_options("use the local pool's storage")

    add = actions.add_parser("add", parents=[common], help="upload installers (once each)")
    add.add_argument("files", nargs="+", metavar="FILE", help="installer files")
    add.add_argument(
        "--os",
        choices=("linux", "windows"),
        help="the nodes' OS, for a .zip (the other kinds say it themselves)",
    )
    add.add_argument(
        "--args",
        default="",
        metavar="SWITCHES",
        help='silent switches to run the installers with (required for .exe, e.g. "/S"; '
        "added after /qn for .msi; passed to a .run)",
    )
    add.set_defaults(handler=run_add)
    listing = actions.add_parser("list", parents=[common], help="the stored installers")
    listing.set_defaults(handler=run_list)
    remove = actions.add_parser(
        "remove", parents=[common, asking_options()], help="remove an installer"
    )
    remove.add_argument("name", type=_name, help="the installer's name (its file name)")
    remove.set_defaults(handler=run_remove)


def run_add(args: argparse.Namespace) -> int:
    from azure_batch_maya.assets.hashcache import HashCache
    from azure_batch_maya.transfer.installers import InstallerError, add_installers

    files = [Path(f) for f in args.files]
    for file in files:  # before connecting: a typo is found at once
        if not file.is_file():
            raise CliError(f"{file}: no such file" + (" (a folder)" if file.is_dir() else ""))
    cache = HashCache.load()
    bar = upload_progress(quiet=args.json)

    def add(conn: Connection) -> AddReport:
        Messages(quiet=args.json)(
            f"Hashing {len(files)} file(s), then uploading what is not stored…"
        )
        return add_installers(
            conn.blobs,
            files,
            digests=lambda p: cache.digest(str(p)).sha256,
            os_hint=args.os,
            args=args.args,
            progress=bar,
        )

    try:
        report = with_connection(args, add, errors=(InstallerError,))
    finally:
        bar.finish()
        cache.save()
    if args.json:
        print_json(
            {
                "installers": [i.to_json() for i in report.installers],
                "uploaded_files": report.uploaded_files,
                "uploaded_bytes": report.uploaded_bytes,
            }
        )
        return 0
    added = {f.name for f in files}
    sent = f"sent {report.uploaded_files} file(s), {size_text(report.uploaded_bytes)}"
    sys.stdout.write(f"Added {', '.join(sorted(added))} ({sent}).\n")
    _table([i for i in report.installers])
    return 0


def run_list(args: argparse.Namespace) -> int:
    from azure_batch_maya.transfer.installers import InstallerError, list_installers

    installers = with_connection(
        args, lambda conn: list_installers(conn.blobs), errors=(InstallerError,)
    )
    if args.json:
        print_json({"installers": [i.to_json() for i in installers]})
        return 0
    if not installers:
        sys.stdout.write(
            "No installers; add Maya's with `azure-batch-maya nodes installers add`.\n"
        )
        return 0
    _table(list(installers))
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from azure_batch_maya.transfer.installers import InstallerError, remove_installer

    gone = delete_after_asking(
        args,
        what=f"installer {args.name}",
        question=f"Remove installer {args.name}? Nodes that join a pool made with it will "
        "fail their start task.",
        delete=lambda conn: remove_installer(conn.blobs, args.name),
        errors=(InstallerError,),
    )
    text = (
        f"Removed {gone.name}. Nodes already in pools made with it keep it; nodes that join "
        "those pools fail their start task until the pool is made again."
    )
    print_result(args.json, {"removed": gone.to_json()}, text)
    return 0


def _name(text: str) -> str:
    if not text.strip() or len(text) > 200:
        raise argparse.ArgumentTypeError(f"{text[:60]!r} is not an installer name; see `list`")
    return text


def _table(installers: list[Installer]) -> None:
    rows = [("#", "NAME", "OS", "KIND", "SIZE", "SHA-256", "SWITCHES")]
    rows += [
        (str(n), i.name, i.os, i.kind, size_text(i.size), i.sha256[:12], i.args or "-")
        for n, i in enumerate(installers, start=1)
    ]
    sys.stdout.write(columns(rows))
