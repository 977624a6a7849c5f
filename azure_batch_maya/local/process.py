"""Start and stop the local pool as its own process: for tests, the CLI and the demo.

The server writes one JSON line when it listens; `start_local_pool` waits for it in the
server's output file (a file, not a pipe, so a detached server never blocks on a full pipe
after the starter has gone).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from azure_batch_maya.local.home import LocalState
from azure_batch_maya.system.processes import detached_flags, pid_alive, runs, stop_pid

log = logging.getLogger(__name__)

SERVER_MODULE = "azure_batch_maya.local.server"
AZURITE_MARKER = "azurite"
OWN_VARIABLES = "AZURE_BATCH_MAYA_"
# Ours that the server does read, none of them a secret: the container engine (containers.py).
SERVER_VARIABLES = frozenset({"AZURE_BATCH_MAYA_CONTAINER_ENGINE"})


class LocalPoolError(RuntimeError):
    """The local pool did not start; the message says where its log is."""


class LocalPoolProcess:
    """A running local pool: its URL, account and key, and how to stop it."""

    def __init__(
        self, process: subprocess.Popen[bytes] | None, ready: dict[str, Any], data_dir: Path
    ) -> None:
        self._process = process
        self.data_dir = data_dir
        self.url: str = ready["batch_url"]
        self.account_name: str = ready["batch_account"]
        self.account_key: str = ready["batch_key"]
        self.pid: int = int(ready["pid"])
        self.port = int(self.url.rsplit(":", 1)[1])
        self.storage_connection_string: str | None = ready.get("storage_connection_string")
        self.azurite_pid: int | None = ready.get("azurite_pid")

    @property
    def batch_url(self) -> str:
        """The same names as `local up --json` prints, for settings that take those."""
        return self.url

    @property
    def batch_account(self) -> str:
        return self.account_name

    @property
    def batch_key(self) -> str:
        return self.account_key

    @property
    def running(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        return pid_alive(self.pid)

    def credential(self) -> Any:
        """An `AzureNamedKeyCredential` for `azure.batch.BatchClient`."""
        from azure.core.credentials import AzureNamedKeyCredential

        return AzureNamedKeyCredential(self.account_name, self.account_key)

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the server to shut down (running tasks are requeued at its next start)."""
        stop_pid(self.pid, timeout, self._process)

    def kill(self) -> None:
        """End the server abruptly, as a crash would; its tasks' hosts go on running."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
        else:
            stop_pid(self.pid, 0.0, None)

    def __enter__(self) -> LocalPoolProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_local_pool(
    data_dir: Path,
    *,
    port: int | None = None,
    azurite_port: int | None = None,
    slots: int = 2,
    account: str | None = None,
    bearer_token: str | None = None,
    detached: bool = False,
    azurite: bool = False,
    autoscale_interval_floor: float | None = None,
    autoscale_sample_period: float | None = None,
    timeout: float = 60.0,
) -> LocalPoolProcess:
    """Start the server on 127.0.0.1 over `data_dir` and wait until it answers.

    `port` and `azurite_port` default to the ports of the data folder's last start (free ones
    the first time; 0 asks for free ones). `detached` starts it in its own session (its own
    process group on Windows) so that it outlives the caller, as `azure-batch-maya local up`
    needs; `azurite` makes the server run Azurite beside it (see `server.py`).
    `autoscale_interval_floor` and `autoscale_sample_period` (seconds) shorten Azure's 5-minute
    shortest autoscale interval and 30-second sample period, so tests of autoscale take seconds.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    out_path = data_dir / "server.out"
    # The ready line carries the account key: readable by this user only, like account.json.
    os.close(os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
    command = [
        sys.executable,
        "-m",
        SERVER_MODULE,
        "--data",
        str(data_dir),
        "--slots",
        str(slots),
        "--log-level",
        "INFO",
    ]
    if port is not None:
        command += ["--port", str(port)]
    if azurite_port is not None:
        command += ["--azurite-port", str(azurite_port)]
    if account:
        command += ["--account", account]
    if bearer_token:
        command += ["--bearer-token", bearer_token]
    if azurite:
        command.append("--azurite")
    if autoscale_interval_floor is not None:
        command += ["--autoscale-interval-floor", str(autoscale_interval_floor)]
    if autoscale_sample_period is not None:
        command += ["--autoscale-sample-period", str(autoscale_sample_period)]
    options = detached_flags() if detached else {}
    with out_path.open("ab") as out, (data_dir / "server.log").open("ab") as err:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=server_environment(os.environ),
            **options,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = out_path.read_bytes().split(b"\n", 1)
        if len(line) == 2:
            return LocalPoolProcess(process, json.loads(line[0]), data_dir)
        if process.poll() is not None:
            break
        time.sleep(0.05)
    if process.poll() is None:
        process.kill()
    log_text = (data_dir / "server.log").read_text(encoding="utf-8", errors="replace")
    raise LocalPoolError(
        f"The local pool did not start (exit {process.poll()}); see {data_dir / 'server.log'}:"
        f" {log_text.strip().splitlines()[-1] if log_text.strip() else 'no output'}"
    )


def server_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The caller's environment minus our own variables (keys among them): the server needs
    none of them but `SERVER_VARIABLES`, and what it does not hold it cannot pass on."""
    return {
        k: v
        for k, v in environ.items()
        if not k.upper().startswith(OWN_VARIABLES) or k.upper() in SERVER_VARIABLES
    }


@dataclass(frozen=True)
class Health:
    """Whether the recorded server and its Azurite are the live processes `local up` started."""

    server: bool
    storage: bool

    @property
    def up(self) -> bool:
        return self.server and self.storage


def health(state: LocalState) -> Health:
    """Check the state file's processes by pid *and* command line (a pid may have been reused
    by an unrelated program) and that the server answers at its URL."""
    server = runs(state.server_pid, SERVER_MODULE) and answers(state.batch_url)
    storage = state.azurite_pid is None or runs(state.azurite_pid, AZURITE_MARKER)
    return Health(server, storage)


def answers(url: str) -> bool:
    """True when something accepts TCP connections at the URL's host and port."""
    host, _, port = url.removeprefix("http://").partition(":")
    try:
        with socket.create_connection((host, int(port.split("/")[0])), timeout=2):
            return True
    except (OSError, ValueError):
        return False
