"""Where the CLI and the panel connect: the local pool `local up` runs, or configured accounts.

The local pool is the embedded default: the same clients and code path as Azure, another
endpoint. The Azure settings file holds nothing secret (see `services.settings`); keys come
from the OS keyring or environment variables, or there are none with Entra ID sign-in.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from azure.batch import BatchClient
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.local.home import LocalState, home_dir, read_state
from azure_batch_maya.services.clients import create_batch_client, create_blob_service_client
from azure_batch_maya.services.settings import (
    AuthMode,
    Secrets,
    ServiceSettings,
    get_secrets,
    settings_from_dict,
    settings_to_dict,
)

SETTINGS_FILE = "settings.json"


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
    return Connection(
        batch=create_batch_client(settings, secrets),
        blobs=create_blob_service_client(settings, secrets),
        where=f"the local pool at {state.batch_url}",
        local=True,
    )


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
    settings = load_settings(home)
    if settings is None:
        raise NotConnectedError(
            "no Azure accounts are configured; set them on the panel's Config tab, or use "
            "--local to render on this machine's local pool"
        )
    secrets = get_secrets(settings) if settings.auth_mode is AuthMode.SHARED_KEY else None
    return Connection(
        batch=create_batch_client(settings, secrets),
        blobs=create_blob_service_client(settings, secrets),
        where=f"Batch account {settings.batch_account} ({settings.batch_url})",
        local=False,
        entra=settings.auth_mode is AuthMode.ENTRA,
    )


def load_settings(home: Path | None = None) -> ServiceSettings | None:
    path = (home or home_dir()) / SETTINGS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise NotConnectedError(f"cannot read the settings in {path}: {exc}") from None
    try:
        return settings_from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise NotConnectedError(
            f"the settings in {path} are malformed ({exc}); set the accounts again on the "
            "panel's Config tab, or delete the file"
        ) from None


def save_settings(settings: ServiceSettings, home: Path | None = None) -> Path:
    path = (home or home_dir()) / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_text(json.dumps(settings_to_dict(settings), indent=1), encoding="utf-8")
    part.replace(path)
    return path
