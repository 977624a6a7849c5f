"""Where the CLI and the panel connect: the local pool `local up` runs, or configured accounts.

The local pool is the embedded default: the same clients and code path as Azure, another
endpoint. The accounts file (`settings/accounts.py`) holds nothing secret; keys come from the
OS keyring or environment variables, or there are none with Entra ID sign-in. Every
`Connection` is made by `connection_for`, whichever way the settings came.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from azure.batch import BatchClient
from azure.core.credentials import TokenCredential
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.local.home import LocalState, read_state
from azure_batch_maya.services.clients import create_batch_client, create_blob_service_client
from azure_batch_maya.services.settings import (
    AuthMode,
    Secrets,
    ServiceSettings,
    get_secrets,
    is_loopback,
)
from azure_batch_maya.settings.accounts import AccountsFileError, load_accounts
from azure_batch_maya.system.userdirs import home_dir


class NotConnectedError(Exception):
    """Nothing to connect to; the message says what to set up."""


@dataclass(frozen=True)
class Connection:
    batch: BatchClient
    blobs: BlobServiceClient
    where: str  # for people: "the local pool at http://127.0.0.1:…" or "Batch account …"
    local: bool
    entra: bool = False  # signed in with Entra ID (gallery images need it; SAS last ≤ 7 days)


def connect(*, local: bool, start: bool = True, home: Path | None = None) -> Connection:
    """The local pool (started when `start` and it is not up), else the configured accounts."""
    return connect_local(start=start) if local else connect_configured(home)


def connect_local(*, start: bool = True, slots: int = 2) -> Connection:
    state = read_local_state()
    if state is None and start:
        state = start_local_pool(slots)
    if state is None:
        raise NotConnectedError(
            "the local pool is not running; start it with `azure-batch-maya local up`"
        )
    settings = ServiceSettings(batch_url=state.batch_url, batch_account=state.batch_account)
    secrets = Secrets(
        batch_key=state.batch_key, storage_connection_string=state.storage_connection_string
    )
    return connection_for(settings, secrets)


def read_local_state() -> LocalState | None:
    """The running local pool's state, or None when it (or its Azurite) is not up.

    The state file's pids are checked against the processes' command lines: a pid reused by
    an unrelated program after a crash is not the local pool.
    """
    from azure_batch_maya.local.process import health

    state = read_state(home_dir())
    if state is None or not health(state).up:
        return None
    return state


def start_local_pool(slots: int) -> LocalState:
    """`azure-batch-maya local up`, so starting it here is exactly what the command does."""
    command = [sys.executable, "-m", "azure_batch_maya", "local", "up", "--json"]
    result = subprocess.run(
        [*command, "--slots", str(slots)], capture_output=True, text=True, check=False
    )
    state = read_local_state()
    if result.returncode != 0 or state is None:
        reason = result.stderr.strip().splitlines()[-1:] or ["no reason given"]
        raise NotConnectedError(f"the local pool did not start: {reason[0]}")
    return state


def connect_configured(home: Path | None = None) -> Connection:
    try:
        settings = load_accounts(home)
    except AccountsFileError as exc:
        raise NotConnectedError(str(exc)) from None
    if settings is None:
        raise NotConnectedError(
            "no Azure accounts are configured; set them on the panel's Config tab, or use "
            "--local to render on this machine's local pool"
        )
    secrets = get_secrets(settings) if settings.auth_mode is AuthMode.SHARED_KEY else None
    return connection_for(settings, secrets)


def connection_for(
    settings: ServiceSettings, secrets: Secrets | None, *, credential: TokenCredential | None = None
) -> Connection:
    """The one way a `Connection` is made: both clients, and where they go in words.

    `credential` is an Entra ID token credential to share between the two clients (one
    sign-in, not one prompt each); without it each client makes its own from `settings`.
    """
    local = is_loopback(settings.batch_url)
    if local:
        where = f"the local pool at {settings.batch_url}"
    else:
        where = f"Batch account {settings.batch_account} ({settings.batch_url})"
    return Connection(
        batch=create_batch_client(settings, secrets, credential=credential),
        blobs=create_blob_service_client(settings, secrets, credential=credential),
        where=where,
        local=local,
        entra=settings.auth_mode is AuthMode.ENTRA,
    )
