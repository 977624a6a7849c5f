"""Two small things this user chose or did: notifications on or off, and the pools checked.

Notifications are a choice (the data folder, which roams on Windows); the pools whose nodes
`pools check` examined from this machine are a memory of this machine (its home folder), so
`submit` offers the check only for a pool never checked from here.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from azure_batch_maya.system import atomic
from azure_batch_maya.system.userdirs import data_dir, home_dir

log = logging.getLogger(__name__)

PREFERENCES_FILE = "notifications.json"
CHECKED_FILE = "checked_pools.json"


def notifications_on(folder: Path | None = None) -> bool:
    """Whether to notify (on unless the user turned it off)."""
    path = (folder or data_dir()) / PREFERENCES_FILE
    try:
        return bool(json.loads(path.read_text("utf-8")).get("notify", True))
    except FileNotFoundError:
        return True
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("notification setting %s unreadable (%s); notifying", path, exc)
        return True


def set_notifications(on: bool, folder: Path | None = None) -> Path:
    return atomic.write_json((folder or data_dir()) / PREFERENCES_FILE, {"notify": on})


def was_checked(pool_id: str, home: Path | None = None) -> bool:
    """Whether `pools check` ever ran on this pool from this machine (submit offers it if not)."""
    return pool_id in _checked(home)


def checked_pools(home: Path | None = None) -> frozenset[str]:
    """Every pool `pools check` ran on from this machine (the Submit tab reads it on a worker)."""
    return frozenset(_checked(home))


def mark_checked(pool_id: str, home: Path | None = None) -> None:
    pools_seen = sorted(_checked(home) | {pool_id})
    atomic.write_json((home or home_dir()) / CHECKED_FILE, {"pools": pools_seen})


def _checked(home: Path | None) -> set[str]:
    path = (home or home_dir()) / CHECKED_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(p) for p in data.get("pools", [])}
    except (OSError, ValueError, AttributeError):
        return set()
