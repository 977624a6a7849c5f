"""The Azure accounts the user configured (Config tab): where they are, never their keys.

The file holds the Batch and Storage account names, URLs and the sign-in kind; keys live in
the OS keyring or environment variables (`services/settings.py`), and with Entra ID there
are none. It sits in the machine's folder (`system/userdirs.home_dir`), not a roaming one:
a keyring entry does not roam either.
"""

from __future__ import annotations

import json
from pathlib import Path

from azure_batch_maya.services.settings import (
    ServiceSettings,
    settings_from_dict,
    settings_to_dict,
)
from azure_batch_maya.system import atomic
from azure_batch_maya.system.userdirs import home_dir

SETTINGS_FILE = "settings.json"


class AccountsFileError(Exception):
    """The accounts file exists but cannot be used; the message says what to do."""


def accounts_path(home: Path | None = None) -> Path:
    return (home or home_dir()) / SETTINGS_FILE


def load_accounts(home: Path | None = None) -> ServiceSettings | None:
    """The configured accounts, or None when none are (no file)."""
    path = accounts_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise AccountsFileError(f"cannot read the settings in {path}: {exc}") from None
    try:
        return settings_from_dict(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise AccountsFileError(
            f"the settings in {path} are malformed ({exc}); set the accounts again on the "
            "panel's Config tab, or delete the file"
        ) from None


def save_accounts(settings: ServiceSettings, home: Path | None = None) -> Path:
    """Write the accounts whole (a crash leaves the old file)."""
    return atomic.write_json(accounts_path(home), settings_to_dict(settings), indent=1)
