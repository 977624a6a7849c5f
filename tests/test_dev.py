"""`dev.py test PATHS` runs the chosen UI tests again under PySide2, as the whole suite does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def dev() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("dev", module)
    spec.loader.exec_module(module)
    return module


def test_a_chosen_ui_test_runs_again_under_pyside2_and_others_do_not() -> None:
    chosen = dev().qt_selection
    assert chosen(["tests/ui/test_views.py::test_x", "tests/scene"]) == [
        "tests/ui/test_views.py::test_x"
    ]
    assert chosen(["tests"]) == ["tests/ui", "tests/plugin"]  # a folder holding them
    assert chosen(["tests/scene", "-k", "reader"]) == []
    assert chosen(["tests/plugin", "tests/plugin/test_plugin_entry.py"]) == [
        "tests/plugin",
        "tests/plugin/test_plugin_entry.py",
    ]
