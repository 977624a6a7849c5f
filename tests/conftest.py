"""Shared fixtures. Server fixtures (Azurite, the local pool) are session-scoped plugins."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.fixtures.azurite", "tests.fixtures.local_pool"]

REPO = Path(__file__).resolve().parent.parent
SHARED_SCENES = REPO.parent / "shared" / "scenes" / "public"


@pytest.fixture(scope="session")
def shared_scenes() -> Path:
    """The real public .ma scenes beside the repo (read-only; never edit them)."""
    if not SHARED_SCENES.is_dir():
        pytest.skip(f"shared scenes not found at {SHARED_SCENES}")
    return SHARED_SCENES
