"""The plug-in entry against a fake `maya` at that seam: menu, dockable panel and scene
callbacks in; all of them out again on unload, also after a failed load; nothing in batch."""

from __future__ import annotations

import importlib.util
import sys
import threading
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.scene.fake_cmds import FakeCmds
from tests.scene.test_live_reader import render_settings_in_maya

PLUGIN = Path(__file__).resolve().parents[2] / "plug-in" / "AzureBatch.py"
DOCK = "azure_batch_maya.ui.maya_dock"


class FakeUi(FakeCmds):
    """The parts of maya.cmds the entry uses, keeping UI the way Maya does: by name.

    Making a workspaceControl runs its uiScript with the control as the current parent, as
    Maya does; the live reader's queries are answered by the FakeCmds scene.
    """

    def __init__(self, batch: bool) -> None:
        super().__init__()
        self.batch = batch
        self.menus: dict[str, dict[str, Any]] = {}
        self.items: list[dict[str, Any]] = []
        self.controls: dict[str, dict[str, Any]] = {}
        self.restored: list[str] = []
        self.deferred: list[Callable[[], None]] = []
        self.help: list[str] = []
        self.make_control_widget: Callable[[str], int] | None = None
        self.in_view: list[dict[str, Any]] = []

    def about(self, *, batch: bool = False, version: bool = False, codeset: bool = False) -> Any:
        if version or codeset:
            return super().about(version=version, codeset=codeset)
        return self.batch

    def inViewMessage(self, **flags: Any) -> None:
        self.in_view.append(flags)

    def menu(self, name: str, **flags: Any) -> Any:
        if flags.get("exists"):
            return name in self.menus
        self.menus[name] = flags
        return name

    def menuItem(self, **flags: Any) -> str:
        self.items.append(flags)
        return f"item{len(self.items)}"

    def workspaceControl(self, name: str, **flags: Any) -> Any:
        if flags.get("exists"):
            return name in self.controls
        if flags.get("edit"):
            assert name in self.controls
            if flags.get("restore"):
                self.restored.append(name)
            return name
        assert name not in self.controls, "Maya refuses a second control of one name"
        self.controls[name] = flags
        assert self.make_control_widget is not None
        MQtUtil.current_parent = self.make_control_widget(name)
        exec(flags["uiScript"], {})  # what Maya does with uiScript
        return name

    def showHelp(self, url: str, *, absolute: bool) -> None:
        self.help.append(url)

    def deleteUI(self, name: str) -> None:
        if name in self.menus:
            del self.menus[name]
            self.items.clear()
        else:
            del self.controls[name]


class MQtUtil:
    """OpenMayaUI.MQtUtil's two calls a workspaceControl's uiScript makes."""

    current_parent = 0

    @staticmethod
    def getCurrentParent() -> int:
        return MQtUtil.current_parent

    @staticmethod
    def addWidgetToMayaLayout(child: int, parent: int) -> None:
        from azure_batch_maya.ui.qt import wrap_widget

        host = wrap_widget(parent)
        layout = host.layout()
        assert layout is not None
        layout.addWidget(wrap_widget(child))


class SceneMessages:
    kAfterOpen, kAfterNew, kAfterSave = 1, 2, 3

    def __init__(self) -> None:
        self.callbacks: dict[int, tuple[int, Callable[..., None]]] = {}

    def addCallback(self, message: int, function: Callable[..., None]) -> int:
        callback_id = len(self.callbacks) + 100
        self.callbacks[callback_id] = (message, function)
        return callback_id

    def removeCallback(self, callback_id: int) -> None:
        del self.callbacks[callback_id]

    def fire(self, message: int) -> None:
        for kind, function in list(self.callbacks.values()):
            if kind == message:
                function(None)


def load_plugin(monkeypatch: pytest.MonkeyPatch, ui: FakeUi) -> types.ModuleType:
    registered: list[tuple[Any, ...]] = []
    messages = SceneMessages()
    maya = types.ModuleType("maya")
    api = types.ModuleType("maya.api")
    open_maya = types.ModuleType("maya.api.OpenMaya")
    open_maya.MFnPlugin = lambda *args: registered.append(args)  # type: ignore[attr-defined]
    open_maya.MSceneMessage = messages  # type: ignore[attr-defined]
    open_maya.MMessage = messages  # type: ignore[attr-defined]
    open_maya_ui = types.ModuleType("maya.OpenMayaUI")
    open_maya_ui.MQtUtil = MQtUtil  # type: ignore[attr-defined]
    utils = types.ModuleType("maya.utils")
    utils.executeDeferred = ui.deferred.append  # type: ignore[attr-defined]
    maya.cmds = ui  # type: ignore[attr-defined]
    maya.utils = utils  # type: ignore[attr-defined]
    maya.api = api  # type: ignore[attr-defined]
    maya.OpenMayaUI = open_maya_ui  # type: ignore[attr-defined]
    api.OpenMaya = open_maya  # type: ignore[attr-defined]
    for name, module in {
        "maya": maya,
        "maya.api": api,
        "maya.api.OpenMaya": open_maya,
        "maya.OpenMayaUI": open_maya_ui,
        "maya.utils": utils,
        "maya.cmds": ui,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    for name in (DOCK, "azure_batch_maya.scene.live_reader"):  # they import maya.cmds
        monkeypatch.delitem(sys.modules, name, raising=False)
    spec = importlib.util.spec_from_file_location("AzureBatch", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.registered = registered  # type: ignore[attr-defined]
    module.messages = messages  # type: ignore[attr-defined]
    return module


@pytest.fixture
def our_modules() -> Iterator[None]:
    """Unloading forgets our modules; put this test process's own back afterwards."""
    saved = {n: m for n, m in sys.modules.items() if n.startswith("azure_batch_maya")}
    yield
    for name in [n for n in sys.modules if n.startswith("azure_batch_maya")]:
        del sys.modules[name]
    sys.modules.update(saved)


def menu_labels(ui: FakeUi) -> list[str | None]:
    return [item.get("label") for item in ui.items]


def run(ui: FakeUi, label: str) -> None:
    (item,) = [i for i in ui.items if i.get("label") == label]
    item["command"]()


def test_initialize_adds_the_menu_after_maya_builds_its_window(monkeypatch, our_modules):
    ui = FakeUi(batch=False)
    plugin = load_plugin(monkeypatch, ui)
    assert plugin.maya_useNewAPI is True
    plugin.initializePlugin("mobject")
    assert plugin.registered[0][:2] == ("mobject", "azure-batch-maya")
    assert ui.menus == {}  # deferred until the main window exists
    for deferred in ui.deferred:
        deferred()
    assert ui.menus["AzureBatchMenu"]["label"] == "Azure Batch"
    assert ui.menus["AzureBatchMenu"]["parent"] == "MayaWindow"
    assert menu_labels(ui) == [
        "Open Azure Batch",
        "Submit Scene…",
        "Jobs…",
        None,
        "Scan Scene",
        "Help",
    ]
    assert sorted(kind for kind, _ in plugin.messages.callbacks.values()) == [1, 2, 3]
    run(ui, "Help")
    assert ui.help[0].startswith("file:") and ui.help[0].endswith("/docs/ui.md")
    plugin.uninitializePlugin("mobject")


def test_uninitialize_removes_the_menu_and_tolerates_a_failed_load(monkeypatch, our_modules):
    ui = FakeUi(batch=False)
    plugin = load_plugin(monkeypatch, ui)
    plugin.uninitializePlugin("mobject")  # never initialized: nothing to remove, no error
    plugin.initializePlugin("mobject")
    for deferred in ui.deferred:
        deferred()
    plugin.build_menu()  # building twice keeps one menu
    assert len(ui.items) == 6
    plugin.uninitializePlugin("mobject")
    assert ui.menus == {} and plugin.messages.callbacks == {}
    assert "azure_batch_maya" not in sys.modules  # loading again imports fresh code


def test_no_menu_in_batch_mode(monkeypatch):
    ui = FakeUi(batch=True)
    plugin = load_plugin(monkeypatch, ui)
    plugin.initializePlugin("mobject")
    assert ui.deferred == [] and ui.menus == {} and plugin.messages.callbacks == {}


def test_the_panel_docks_follows_the_scene_and_goes_on_unload(
    monkeypatch, qtbot, tmp_path, our_modules, mocker
):
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(tmp_path / "home"))
    from azure_batch_maya.ui.qt import QtWidgets, cpp_pointer

    hosts: dict[str, QtWidgets.QWidget] = {}

    def control_widget(name: str) -> int:
        host = QtWidgets.QWidget()
        QtWidgets.QVBoxLayout(host)
        qtbot.addWidget(host)
        hosts[name] = host
        return cpp_pointer(host)

    ui = FakeUi(batch=False)
    ui.make_control_widget = control_widget
    plugin = load_plugin(monkeypatch, ui)
    plugin.initializePlugin("mobject")
    for deferred in ui.deferred:
        deferred()

    run(ui, "Open Azure Batch")
    dock = sys.modules[DOCK]
    control = ui.controls[dock.CONTROL]
    assert control["uiScript"] == "import azure_batch_maya.ui.maya_dock as dock; dock.restore()"
    assert control["requiredPlugin"] == "AzureBatch" and control["label"] == "Azure Batch"
    panel = dock.panel()
    assert panel is not None and panel.parent() is hosts[dock.CONTROL]
    assert panel.controllers.session.scene is None  # untitled: nothing to render yet

    scene = render_settings_in_maya(str(tmp_path))
    ui.nodes, ui.connections = scene.nodes, scene.connections
    ui.reference_files, ui.scene_name = scene.reference_files, scene.scene_name
    plugin.messages.fire(SceneMessages.kAfterOpen)
    opened = panel.controllers.session.scene
    assert opened is not None and opened.scene == scene.scene_name
    assert opened.renderer == "arnold" and (opened.frames.start, opened.frames.end) == (1001, 1100)
    assert panel.submit.renderer.text() == "Arnold"
    qtbot.waitUntil(lambda: panel.controllers.assets.result is not None, timeout=20000)

    from azure_batch_maya.app.jobs.notice import Notice

    # A followed job ended: the notification area and, in Maya, the viewport say so.
    mocker.patch.object(panel.jobs.notifier.icon, "showMessage")
    panel.controllers.jobs.ended.emit(Notice("j1", "stuck", "Render stuck: j1", "Pool p: Quota"))
    (message,) = ui.in_view
    assert "Render stuck: j1" in message["amg"] and "Pool p: Quota" in message["amg"]
    assert message["pos"] == "topCenter" and message["fade"] is True

    run(ui, "Jobs…")  # the control exists: Maya shows it again, on the Jobs tab
    assert ui.restored == [dock.CONTROL] and panel.tabs.currentWidget() is panel.jobs

    outcome: list[str] = []  # work under way when the control closes is told to stop
    started = threading.Event()

    def waits(report) -> str:
        started.set()
        return "cancelled" if report.cancel.wait(10) else "ran out"

    panel.workers.start(waits, on_done=outcome.append)
    assert started.wait(5)
    ui.controls.pop(dock.CONTROL)["closeCommand"]()  # the user closes it: Maya deletes it
    hosts.pop(dock.CONTROL).deleteLater()
    assert dock.panel() is None
    qtbot.waitUntil(lambda: outcome == ["cancelled"], timeout=5000)
    plugin.messages.fire(SceneMessages.kAfterOpen)  # no panel to follow the scene: no error
    run(ui, "Open Azure Batch")  # a new control, a new panel, on the open scene
    panel = dock.panel()
    assert panel is not None and panel.controllers.session.scene is not None

    plugin.uninitializePlugin("mobject")
    assert ui.controls == {} and ui.menus == {} and plugin.messages.callbacks == {}
    assert not panel.isVisible()
