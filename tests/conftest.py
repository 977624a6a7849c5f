"""Shared fixtures. Server fixtures (Azurite, the local pool) are session-scoped plugins."""

from __future__ import annotations

import faulthandler
import os
from pathlib import Path
from typing import TextIO

import pytest

pytest_plugins = [
    "tests.fixtures.azurite",
    "tests.fixtures.local_pool",
    "tests.fixtures.user_home",
    "tests.fixtures.full_pool",
    "tests.fixtures.autoscale_pool",
]

REPO = Path(__file__).resolve().parent.parent
SHARED_SCENES = REPO.parent / "shared" / "scenes" / "public"


def require_shared_scenes() -> None:
    """Skip where shared/ is absent; in CI (which lays shared/ beside the clone) fail instead."""
    if SHARED_SCENES.is_dir():
        return
    message = f"shared scenes not found at {SHARED_SCENES}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_scenes() -> Path:
    """The real public .ma scenes beside the repo (read-only; never edit them)."""
    require_shared_scenes()
    return SHARED_SCENES


@pytest.fixture(autouse=True)
def no_desktop_notifications(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test pops a real notification on a developer's desktop; the tests that check one
    replace the same call (desktop-notifier's `send`) with their own mock. A session bus is
    claimed (a headless CI box has none), so notifying goes as far as that call."""
    from desktop_notifier import DesktopNotifierSync

    monkeypatch.setattr(DesktopNotifierSync, "send", lambda _self, **_kwargs: "")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/test-bus")


def pytest_configure(config: pytest.Config) -> None:
    """Under `dev.py`, a crash (a signal) writes every thread's stack to the file it names,
    which it prints last; pytest's own faulthandler (stderr) is turned off there."""
    path = os.environ.get("DEV_CRASH_LOG")
    if path:
        stream = open(path, "w", encoding="utf-8")  # noqa: SIM115  # open until the process ends
        config.stash[CRASH_LOG] = stream
        faulthandler.enable(stream, all_threads=True)


CRASH_LOG = pytest.StashKey[TextIO]()
