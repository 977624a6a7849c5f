"""Tabs one at a time, without accounts: what each shows and what it saves."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.cli import main
from azure_batch_maya.render.settings import SubmitSettings, with_registry_password
from azure_batch_maya.services.batch import ContainerImage
from azure_batch_maya.settings.assetchoices import load_choices
from azure_batch_maya.ui.panel import TABS, Panel, make_controllers
from azure_batch_maya.ui.qt import QtCore, QtGui, QtWidgets

LEFT = QtCore.Qt.MouseButton.LeftButton


@pytest.fixture
def make_panel(qtbot, home, memory_keyring):
    made: list[Panel] = []

    def make(scene=None) -> Panel:
        panel = Panel(make_controllers(scene))
        qtbot.addWidget(panel)
        panel.show()
        made.append(panel)
        return panel

    yield make
    for panel in made:
        panel.close()
        panel.workers.wait()


def test_an_unsupported_renderer_disables_submit_and_says_why(make_panel, scene):
    panel = make_panel(replace(scene, renderer="cycles"))
    submit = panel.submit
    assert not submit.submit_button.isEnabled()
    assert "'cycles' cannot render on Batch" in submit.submit_button.toolTip()
    assert submit.renderer.text() == "cycles: not supported on Batch"


def test_overrides_stay_with_the_job_and_refresh_brings_the_scene_back(make_panel, scene, qtbot):
    panel = make_panel(scene)
    submit = panel.submit
    assert (submit.start.value(), submit.end.value(), submit.step.value()) == (1, 5, 1)
    assert submit.start.text() == "1"
    submit.step.setValue(2)
    submit.prefix.setText("beauty/<Scene>")
    submit.prefix.editingFinished.emit()
    c = panel.controllers.submit
    assert c.frames_text == "1-5x2" and c.scene_for_job().image_prefix == "beauty/<Scene>"
    assert panel.controllers.session.scene is scene
    qtbot.mouseClick(submit.refresh_button, LEFT)
    assert submit.step.value() == 1 and submit.prefix.text() == scene.image_prefix


def test_the_checks_list_shows_the_missing_texture_as_an_error(make_panel, scene, qtbot):
    panel = make_panel(scene)
    qtbot.waitUntil(lambda: panel.controllers.assets.result is not None, timeout=20000)
    texts = [panel.submit.findings.item(i).text() for i in range(panel.submit.findings.count())]
    assert any("concrete_diffuse.png" in t and "not found" in t for t in texts)


def test_unticking_a_file_leaves_it_out(make_panel, scene, qtbot):
    panel = make_panel(scene)
    qtbot.waitUntil(lambda: panel.controllers.assets.result is not None, timeout=20000)
    view = panel.assets.table
    box = view.model().index(0, 0)
    assert box.data(QtCore.Qt.ItemDataRole.CheckStateRole) == QtCore.Qt.CheckState.Checked
    rect = view.style().subElementRect(
        QtWidgets.QStyle.SubElement.SE_ItemViewItemCheckIndicator,
        _option(view, box),
        view,
    )
    qtbot.mouseClick(view.viewport(), LEFT, pos=rect.center())
    row = panel.controllers.assets.rows[0]
    assert not row.selected and row.key in panel.controllers.assets.choices.deselected
    assert box.data(QtCore.Qt.ItemDataRole.CheckStateRole) == QtCore.Qt.CheckState.Unchecked


def test_env_choices_are_saved_and_the_renderer_ticks_its_licences(make_panel, scene, home, qtbot):
    panel = make_panel(scene)
    env = panel.env
    assert env.licence_needed["autodesk"].isChecked()
    assert env.licence_needed["arnold_rlm"].isChecked()
    assert not env.licence_needed["vray"].isChecked()
    assert "retired" in env.licence_server["autodesk"].toolTip()
    env.vm_size.setCurrentText("Standard_F16s_v2")
    env.spot.setValue(3)
    env.licence_server["autodesk"].setText("27000@lic")
    env.licence_server["autodesk"].editingFinished.emit()
    saved = json.loads((home / "data" / "env.json").read_text())
    assert saved["vm_size"] == "Standard_F16s_v2" and saved["spot_nodes"] == 3
    assert saved["licences"]["autodesk"] == "27000@lic"
    assert panel.controllers.submit.settings().spot_nodes == 3


def test_env_routes_say_what_they_do_and_save_a_container_registry(
    make_panel, home, memory_keyring, qtbot
):
    env = make_panel().env
    assert env.image_kind.currentData() == "install"
    assert "start task" in env.route_note.text() and "installers add" in env.route_note.text()
    labels = [env.image_kind.itemText(i) for i in range(env.image_kind.count())]
    assert labels == [
        "Install at node start (from your uploaded installers)",
        "Custom image with Maya (Azure Compute Gallery)",
        "Container image with Maya",
    ]
    env.image_kind.setCurrentIndex(1)
    assert "Entra ID" in env.route_note.text()
    assert env.route_pages.currentIndex() == 1
    assert "custom image" in env.status.text()  # no image id yet
    env.custom_image.setText("/subscriptions/s/galleries/g/images/maya/versions/1.0.0")
    env.custom_image.editingFinished.emit()
    assert env.status.text() == ""
    keys = Connection(batch=None, blobs=None, where="Azure", local=False)  # type: ignore[arg-type]
    env.session.set_connection(keys)
    assert "signed in with account keys" in env.status.text()
    env.session.set_connection(replace(keys, entra=True))
    assert env.status.text() == ""
    env.image_kind.setCurrentIndex(2)
    assert env.container_image.isVisibleTo(env) and not env.custom_image.isVisibleTo(env)
    env.container_image.setText("registry.example.com/maya:2026")
    env.container_image.editingFinished.emit()
    env.registry_server.setText("registry.example.com")
    env.registry_server.editingFinished.emit()
    env.registry_auth.setCurrentIndex(env.registry_auth.findData("password"))
    assert env.registry_password.isEnabled() and not env.registry_identity.isEnabled()
    env.registry_user.setText("puller")
    env.registry_user.editingFinished.emit()
    qtbot.keyClicks(env.registry_password, "s3cret-pw")
    qtbot.keyClick(env.registry_password, QtCore.Qt.Key.Key_Return)
    assert env.registry_password.text() == "" and "keyring" in env.status.text()
    assert env.registry_password.echoMode() == QtWidgets.QLineEdit.EchoMode.Password
    env.subnet.setText("/subscriptions/s/x/virtualNetworks/v/subnets/render")
    env.subnet.editingFinished.emit()
    env.public_ips.setCurrentIndex(env.public_ips.findData("nopublicipaddresses"))
    text = (home / "data" / "env.json").read_text()
    assert "s3cret-pw" not in text
    saved = json.loads(text)
    assert saved["image_kind"] == "container" and saved["registry_username"] == "puller"
    assert saved["public_ips"] == "nopublicipaddresses"
    settings = SubmitSettings(**env.controller.settings.submit_fields())
    image = with_registry_password(settings).image
    assert isinstance(image, ContainerImage) and image.registry is not None
    assert image.registry.password == "s3cret-pw"
    assert settings.network is not None and settings.network.subnet_id.endswith("/render")


def test_an_unreadable_env_file_is_shown_on_the_env_tab(make_panel, scene, home, qtbot):
    (home / "data").mkdir(parents=True, exist_ok=True)
    (home / "data" / "env.json").write_text('{"vm_size": ')
    panel = make_panel(scene)
    assert "unreadable" in panel.env.status.text() and "env.json" in panel.env.status.text()
    panel.env.spot.setValue(2)  # saving the tab's choices writes a whole file again
    assert panel.env.status.text() == ""


def test_keys_are_masked(make_panel):
    config = make_panel().config
    for edit in (config.batch_key, config.storage_key, config.connection_string):
        assert edit.echoMode() == edit.EchoMode.Password


def test_screenshots_of_every_tab(qapp, home, memory_keyring, example, tmp_path, capsys):
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    folder = tmp_path / "shots"
    assert main(["ui", str(scene), "--screenshots", str(folder)]) == 0
    written = capsys.readouterr().out.split()
    assert written == [str(folder / f"{name}.png") for name in TABS]
    for path in written:
        image = QtGui.QImage(path)
        assert not image.isNull() and image.width() >= 600


@pytest.mark.slow
def test_screenshots_connected_to_the_local_pool_leave_the_saved_accounts_alone(
    qapp, local_home, memory_keyring, example, tmp_path, capsys
):
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    folder = tmp_path / "shots"
    assert main(["ui", str(scene), "--local", "--screenshots", str(folder)]) == 0
    assert len(capsys.readouterr().out.split()) == len(TABS)
    assert not (local_home / "settings.json").exists() and memory_keyring.passwords == {}


def _option(view, index) -> QtWidgets.QStyleOptionViewItem:
    """The style option of a cell, placed where the view draws it."""
    option = QtWidgets.QStyleOptionViewItem()
    option.rect = view.visualRect(index)
    option.features = QtWidgets.QStyleOptionViewItem.ViewItemFeature.HasCheckIndicator
    return option


def test_a_big_table_fills_at_once_and_keeps_its_place_when_a_box_is_ticked(
    make_panel, scene, qtbot
):
    panel = make_panel(scene)
    qtbot.waitUntil(lambda: panel.controllers.assets.result is not None, timeout=20000)
    assets = panel.controllers.assets
    first = assets.rows[0]
    many = tuple(
        replace(first, node=f"file{i}", written=f"/tex/{i}.png", files=(f"/tex/{i}.png",))
        for i in range(5000)
    )
    assets.rows = many
    started = time.perf_counter()
    panel.assets.show_controller()
    assert time.perf_counter() - started < 0.05  # the view asks only for what it shows
    view = panel.assets.table
    view.scrollTo(view.model().index(4000, 1))
    scrolled = view.verticalScrollBar().value()
    assets.rows = (*many[:4000], replace(many[4000], selected=False), *many[4001:])
    panel.assets.show_controller()
    assert view.verticalScrollBar().value() == scrolled > 0
    box = view.model().index(4000, 0)
    assert box.data(QtCore.Qt.ItemDataRole.CheckStateRole) == QtCore.Qt.CheckState.Unchecked


def test_entra_sign_in_turns_the_key_fields_off(make_panel):
    config = make_panel().config
    config.mode.setCurrentIndex(1)
    assert not config.batch_key.isEnabled() and not config.storage_key.isEnabled()
    assert config.sign_in.isEnabled() and config.tenant.isEnabled()
    assert config.sign_in.currentText() == "In the browser"


def test_a_search_path_can_be_removed_again(make_panel, scene, example, qtbot):
    panel = make_panel(scene)
    assets = panel.assets
    assets.choose_folder = lambda _start: str(example / "texture_library")
    qtbot.mouseClick(assets.add_search_button, LEFT)
    qtbot.waitUntil(lambda: assets.summary.text() == "all 6 found", timeout=20000)
    assert assets.search_paths.count() == 1
    assets.search_paths.setCurrentRow(0)
    qtbot.mouseClick(assets.remove_search_button, LEFT)
    qtbot.waitUntil(lambda: assets.summary.text() == "5 found, 1 missing", timeout=20000)
    assert panel.controllers.assets.choices.search_paths == ()
    assert assets.search_paths.count() == 0 and not assets.remove_search_button.isEnabled()


def test_the_submit_tab_checks_the_scenes_files_on_a_worker_then_lists_what_it_found(
    make_panel, scene, qtbot, tmp_path
):
    panel = make_panel(scene)
    c = panel.controllers
    qtbot.waitUntil(lambda: c.assets.result is not None, timeout=20000)  # the panel's scan
    qtbot.waitUntil(lambda: not c.submit.disk_pending, timeout=20000)
    c.assets.add_paths([str(tmp_path / "plate.exr")])  # new choices: their files are read again
    findings = panel.submit.findings
    first = findings.item(0)
    assert c.submit.disk_pending and first is not None
    assert first.text() == "Checking the scene's files…"
    qtbot.waitUntil(lambda: not c.submit.disk_pending, timeout=20000)
    texts = [findings.item(i).text() for i in range(findings.count())]
    assert "Checking the scene's files…" not in texts
    assert any(f"{tmp_path / 'plate.exr'} does not exist" in t for t in texts)


def test_the_env_tabs_vm_sizes_arrive_with_the_price_table_read_on_a_worker(make_panel, qtbot):
    panel = make_panel()
    env, c = panel.env, panel.controllers
    qtbot.waitUntil(lambda: not c.submit.prices_pending, timeout=20000)
    sizes = [env.vm_size.itemText(i) for i in range(env.vm_size.count())]
    assert "Standard_NC4as_T4_v3" in sizes and env.vm_size.currentText() == c.env.settings.vm_size
    env.vm_size.setCurrentText("Standard_NC4as_T4_v3")  # a pick saves, and keeps the list
    assert c.env.settings.vm_size == "Standard_NC4as_T4_v3"
    assert [env.vm_size.itemText(i) for i in range(env.vm_size.count())] == sizes


def test_files_added_by_hand_are_looked_at_by_a_scan_not_on_the_click(
    make_panel, scene, example, qtbot, tmp_path, monkeypatch
):
    panel = make_panel(scene)
    assets, c = panel.assets, panel.controllers.assets
    qtbot.waitUntil(lambda: c.result is not None, timeout=20000)
    plate, gone = tmp_path / "plate.exr", tmp_path / "gone.exr"
    plate.write_bytes(b"plate")
    looked: list[str] = []  # the threads that asked whether an added file exists
    real_exists = Path.exists

    def exists(path: Path, *args, **kwargs) -> bool:
        if path in (plate, gone):
            looked.append(threading.current_thread().name)
        return real_exists(path, *args, **kwargs)

    monkeypatch.setattr(Path, "exists", exists)
    assets.choose_files = lambda: [str(plate), str(gone)]
    qtbot.mouseClick(assets.add_file_button, LEFT)

    def added() -> dict[str, bool]:
        return {Path(r.written).name: r.found for r in c.rows if r.added}

    qtbot.waitUntil(lambda: added() == {"plate.exr": True, "gone.exr": False}, timeout=20000)
    qtbot.waitUntil(lambda: not assets.workers.busy, timeout=20000)  # the choices' write too
    assert load_choices(scene.scene).added == (str(plate), str(gone))
    assert looked and "MainThread" not in looked
