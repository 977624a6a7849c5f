"""UI tests run offscreen (no display needed) against the local pool + Azurite."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.controllers.conftest import memory_keyring, scene

__all__ = ["memory_keyring", "scene"]
