"""The plug-in's panel test makes Qt widgets: offscreen, no display needed."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tests.fixtures.qtgarbage import qt_garbage_freed_here

__all__ = ["qt_garbage_freed_here"]
