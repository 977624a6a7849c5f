"""UI tests run offscreen (no display needed) against the local pool + Azurite."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.controllers.conftest import connected, memory_keyring, scene
from tests.fixtures.qtgarbage import qt_garbage_freed_here

__all__ = ["connected", "memory_keyring", "qt_garbage_freed_here", "scene"]
