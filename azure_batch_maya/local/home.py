"""Where `azure-batch-maya local up` keeps the local pool: a per-user folder and a state file.

The state file holds the local pool's URL, account, throwaway key, the storage connection
string and process ids. It is written with 0600 permissions: the key only opens a service
that listens on 127.0.0.1 and was generated for it, so keeping it in a file is acceptable.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from azure_batch_maya.system import atomic


@dataclass(frozen=True)
class LocalState:
    """What `local up` started and what to connect to it with."""

    batch_url: str
    batch_account: str
    batch_key: str
    storage_connection_string: str
    server_pid: int
    azurite_pid: int | None
    data_dir: str
    slots: int | None = None  # nodes in all (None: started by a version that did not say)

    def connection(self) -> dict[str, str]:
        """The four values a user or the product's settings need."""
        return {
            "batch_url": self.batch_url,
            "batch_account": self.batch_account,
            "batch_key": self.batch_key,
            "storage_connection_string": self.storage_connection_string,
        }


def state_path(home: Path) -> Path:
    return home / "local-pool.json"


def write_state(home: Path, state: LocalState) -> Path:
    """Write the state file readable by this user only."""
    return atomic.write_json(state_path(home), asdict(state), indent=2, private=True)


def read_state(home: Path) -> LocalState | None:
    """The recorded local pool, or None when `local up` has not run (or `down` cleared it)."""
    try:
        data = json.loads(state_path(home).read_text(encoding="utf-8"))
        return LocalState(**data)
    except (FileNotFoundError, json.JSONDecodeError, TypeError):
        return None


def clear_state(home: Path) -> None:
    state_path(home).unlink(missing_ok=True)
