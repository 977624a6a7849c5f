"""The local pool's ports, kept in its data folder so a restarted pool answers where it did.

A job's tasks carry SAS URLs naming Azurite's port, and clients hold the Batch URL: a pool
that came back on new ports would strand every job submitted before the restart. So the
first start picks free ports and records them in `endpoints.json`; every later start takes
the same ones, and fails with a clear message when another program holds one, rather than
moving silently.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

from azure_batch_maya.system import atomic

HOST = "127.0.0.1"
FILE = "endpoints.json"


class PortTaken(RuntimeError):
    """A recorded port is held by another program; the message says what to do."""


@dataclass(frozen=True)
class Endpoints:
    """The Batch port and Azurite's blob port (None: this local pool runs no Azurite)."""

    batch_port: int
    azurite_port: int | None = None


def read_endpoints(data_dir: Path) -> Endpoints | None:
    """The ports of the last start, or None before the first (or if the file is unreadable)."""
    try:
        data = json.loads((data_dir / FILE).read_text(encoding="utf-8"))
        return Endpoints(int(data["batch_port"]), _port_or_none(data.get("azurite_port")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_endpoints(data_dir: Path, endpoints: Endpoints) -> None:
    """Record the ports (written whole: a temporary file renamed over the old one)."""
    atomic.write_json(data_dir / FILE, asdict(endpoints))


def choose_port(requested: int | None, recorded: int | None) -> int:
    """`requested` if given (0: a free one), else the recorded port, else 0 (a free one)."""
    if requested is not None:
        return requested
    return recorded or 0


def check_free(port: int, what: str, *, recorded: bool) -> None:
    """Raise `PortTaken` when something listens on `port` already (0 is always free)."""
    if port == 0 or port_free(port):
        return
    why = (
        " (kept since this local pool first started: the jobs submitted to it reach it there)"
        if recorded
        else ""
    )
    raise PortTaken(
        f"port {port} on {HOST}, the local pool's {what} port{why}, is taken by another program. "
        f"Stop that program and run `azure-batch-maya local up` again; or move with "
        f"`azure-batch-maya local up --port 0 --storage-port 0` (jobs submitted before the move "
        "can then no longer reach the local pool: submit them again)"
    )


def port_free(port: int) -> bool:
    """True when a listening socket could bind `port` on loopback now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if os.name != "nt":  # as the server binds: a port in TIME_WAIT is free to take
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _port_or_none(value: object) -> int | None:
    return None if value is None else int(str(value))
