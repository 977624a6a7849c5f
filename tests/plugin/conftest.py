"""The plug-in's panel test makes Qt widgets: offscreen, no display needed."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
