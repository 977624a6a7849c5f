"""Where the product keeps per-user files, the one place that knows each platform's folders.

`home_dir` holds what belongs to this machine (the local pool, settings, download locks),
`data_dir` what the user chose (each scene's asset choices, roaming on Windows), `cache_dir`
what can be rebuilt (the hash cache). `AZURE_BATCH_MAYA_HOME` puts everything under one
folder (tests, shared machines, portable installs).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

HOME_ENV = "AZURE_BATCH_MAYA_HOME"
_APP = "azure-batch-maya"


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """This machine's files: `$AZURE_BATCH_MAYA_HOME` itself, else the local data folder."""
    env = os.environ if env is None else env
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV])
    if sys.platform == "win32":
        return Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / _APP
    return _data_base(env) / _APP


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """Files that can be rebuilt (the hash cache)."""
    env = os.environ if env is None else env
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV]) / "cache"
    if sys.platform == "win32":
        return Path(env.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / _APP / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / _APP
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / _APP


def data_dir(env: Mapping[str, str] | None = None) -> Path:
    """Files the user made by choosing (search paths, deselected files); kept, not rebuilt."""
    env = os.environ if env is None else env
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV]) / "data"
    if sys.platform == "win32":
        return Path(env.get("APPDATA") or Path.home() / "AppData" / "Roaming") / _APP
    return _data_base(env) / _APP


def _data_base(env: Mapping[str, str]) -> Path:
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support"
    return Path(env.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
