"""The plug-in entry against a fake `maya` at that seam: menu in, menu out, nothing in batch."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

PLUGIN = Path(__file__).resolve().parents[2] / "plug-in" / "AzureBatch.py"


class FakeUi:
    """The parts of maya.cmds the entry uses, keeping menus the way Maya does: by name."""

    def __init__(self, batch: bool) -> None:
        self.batch = batch
        self.menus: dict[str, dict[str, Any]] = {}
        self.items: list[dict[str, Any]] = []
        self.deferred: list[Callable[[], None]] = []

    def about(self, *, batch: bool) -> bool:
        return self.batch

    def menu(self, name: str, **flags: Any) -> Any:
        if flags.get("exists"):
            return name in self.menus
        self.menus[name] = flags
        return name

    def menuItem(self, **flags: Any) -> str:
        self.items.append(flags)
        return f"item{len(self.items)}"

    def deleteUI(self, name: str) -> None:
        del self.menus[name]
        self.items.clear()


def load_plugin(monkeypatch: pytest.MonkeyPatch, ui: FakeUi) -> types.ModuleType:
    registered: list[tuple[Any, ...]] = []
    maya = types.ModuleType("maya")
    api = types.ModuleType("maya.api")
    open_maya = types.ModuleType("maya.api.OpenMaya")
    open_maya.MFnPlugin = lambda *args: registered.append(args)  # type: ignore[attr-defined]
    utils = types.ModuleType("maya.utils")
    utils.executeDeferred = ui.deferred.append  # type: ignore[attr-defined]
    maya.cmds = ui  # type: ignore[attr-defined]
    maya.utils = utils  # type: ignore[attr-defined]
    maya.api = api  # type: ignore[attr-defined]
    api.OpenMaya = open_maya  # type: ignore[attr-defined]
    for name, module in {
        "maya": maya,
        "maya.api": api,
        "maya.api.OpenMaya": open_maya,
        "maya.utils": utils,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    spec = importlib.util.spec_from_file_location("AzureBatch", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.registered = registered  # type: ignore[attr-defined]
    return module


def test_initialize_adds_the_menu_after_maya_builds_its_window(monkeypatch):
    ui = FakeUi(batch=False)
    plugin = load_plugin(monkeypatch, ui)
    assert plugin.maya_useNewAPI is True
    plugin.initializePlugin("mobject")
    assert plugin.registered[0][:2] == ("mobject", "azure-batch-maya")
    assert ui.menus == {}  # deferred until the main window exists
    for run in ui.deferred:
        run()
    assert ui.menus["AzureBatchMenu"]["label"] == "Azure Batch"
    assert ui.menus["AzureBatchMenu"]["parent"] == "MayaWindow"
    assert [item["label"] for item in ui.items] == ["Scan Scene"]


def test_uninitialize_removes_the_menu_and_tolerates_a_failed_load(monkeypatch):
    ui = FakeUi(batch=False)
    plugin = load_plugin(monkeypatch, ui)
    plugin.uninitializePlugin("mobject")  # never initialized: nothing to remove, no error
    plugin.initializePlugin("mobject")
    for run in ui.deferred:
        run()
    plugin.build_menu()  # building twice keeps one menu
    assert len(ui.items) == 1
    plugin.uninitializePlugin("mobject")
    assert ui.menus == {}


def test_no_menu_in_batch_mode(monkeypatch):
    ui = FakeUi(batch=True)
    plugin = load_plugin(monkeypatch, ui)
    plugin.initializePlugin("mobject")
    assert ui.deferred == [] and ui.menus == {}
