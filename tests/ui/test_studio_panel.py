"""The panel under a studio file, and the Submit tab's job controls, clicked offscreen.

Locked fields are read-only with the file's note beside them; a wrong file is named at the top
and stops Submit; the Submit tab's chunking, splits, retries, priority and time limit make the
job's settings, and on the local pool (with the stand-in) the task count follows them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from azure_batch_maya.app.submit import wait_for_job
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.render.tasks import plan_tasks
from azure_batch_maya.scene.ma_reader import read_ma
from azure_batch_maya.settings.studio import STUDIO_ENV
from azure_batch_maya.ui.panel import Panel, make_controllers
from azure_batch_maya.ui.qt import QtCore

STAND_IN = SubmitSettings(stand_in=True, node_python=sys.executable)
LAYERED = Path(__file__).resolve().parents[1] / "fixtures" / "scenes" / "render_settings.ma"


@pytest.fixture
def make_panel(qtbot, home, memory_keyring):
    made: list[Panel] = []

    def make(scene=None, base: SubmitSettings | None = None) -> Panel:
        panel = Panel(make_controllers(scene, base=base))
        qtbot.addWidget(panel)
        panel.show()
        made.append(panel)
        return panel

    yield make
    for panel in made:
        panel.close()
        panel.workers.wait()


def studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "studio.toml"
    path.write_text('reason = "Set by pipeline: ask #render-help"\n' + text, "utf-8")
    monkeypatch.setenv(STUDIO_ENV, str(path))
    return path


def test_a_locked_vm_size_is_read_only_with_the_note_beside_it(
    make_panel, scene, tmp_path, monkeypatch
):
    path = studio(
        tmp_path,
        monkeypatch,
        '[defaults]\nspot_nodes = 2\n[locked]\nvm_size = "Standard_E16s_v5"\n'
        "[limits]\nmax_nodes = 10\n",
    )
    panel = make_panel(scene)
    env = panel.env
    assert not env.vm_size.isEnabled() and env.vm_size.currentText() == "Standard_E16s_v5"
    note = env.lock_notes["vm_size"]
    assert note.isVisibleTo(env)
    assert str(path) in note.text() and "Set by pipeline: ask #render-help" in note.text()
    assert env.dedicated.isEnabled() and not env.dedicated.isReadOnly()  # not locked
    assert not env.lock_notes["dedicated_nodes"].isVisibleTo(env)
    assert env.spot.value() == 2  # the studio's default, the artist never chose one
    env.spot.setValue(3)  # now they have
    settings = panel.controllers.submit.settings()
    assert (settings.vm_size, settings.spot_nodes) == ("Standard_E16s_v5", 3)
    assert "vm_size Standard_E16s_v5" in panel.submit.studio.text()
    assert str(path) in panel.submit.studio.text()
    assert not panel.studio_problem.isVisibleTo(panel)


def test_a_malformed_studio_file_is_named_at_the_top_and_blocks_submit(
    make_panel, scene, tmp_path, monkeypatch
):
    path = studio(tmp_path, monkeypatch, "[limits]\nmax_nodes = 0\n")
    panel = make_panel(scene)
    assert panel.studio_problem.isVisibleTo(panel)
    assert f"{path}:3:" in panel.studio_problem.text()
    assert not panel.submit.submit_button.isEnabled()
    tip = panel.submit.submit_button.toolTip()
    assert tip.startswith("The studio file is wrong") and f"{path}:3:" in tip


def test_more_nodes_than_the_studio_allows_is_an_error_in_the_checks(
    make_panel, scene, tmp_path, monkeypatch, qtbot
):
    studio(tmp_path, monkeypatch, "[limits]\nmax_nodes = 4\n")
    panel = make_panel(scene)
    qtbot.waitUntil(lambda: panel.controllers.assets.result is not None, timeout=20000)
    panel.env.dedicated.setValue(5)
    messages = [panel.submit.findings.item(i).text() for i in range(panel.submit.findings.count())]
    assert any("5 nodes asked for" in m and "at most 4" in m for m in messages), messages


def test_the_job_controls_make_the_jobs_settings(make_panel, qtbot):
    scene = read_ma(LAYERED)
    panel = make_panel(scene)
    view, c = panel.submit, panel.controllers.submit
    shadow = next(
        view.layers.item(i)
        for i in range(view.layers.count())
        if view.layers.item(i).data(QtCore.Qt.ItemDataRole.UserRole) == "rs_shadow"
    )
    shadow.setCheckState(QtCore.Qt.CheckState.Checked)  # beauty was on already
    layers = 2
    frames = len(plan_tasks(scene, c.settings()))
    view.chunk.setValue(2)
    view.retries.setValue(5)
    view.priority.setValue(-300)
    view.time_limit.setValue(1.5)
    settings = c.settings()
    assert (settings.chunk_size, settings.max_task_retries, settings.priority) == (2, 5, -300)
    assert settings.job_time_limit is not None and settings.job_time_limit.total_seconds() == 5400
    chunked = len(plan_tasks(scene, settings))
    assert chunked < frames
    view.per_layer.setChecked(True)
    assert c.settings().split_layers
    assert len(plan_tasks(scene, c.settings())) == chunked * layers
    view.time_limit.setValue(0)
    assert c.settings().job_time_limit is None and view.time_limit.text() == "none"


@pytest.mark.slow
def test_chunks_from_the_tab_are_the_tasks_on_the_local_pool_and_are_kept_for_the_scene(
    qtbot, local_home, memory_keyring, scene, example
):
    panel = Panel(make_controllers(scene, base=STAND_IN))
    qtbot.addWidget(panel)
    c = panel.controllers
    try:
        assert c.config.use_local_pool()
        c.config.apply(c.config.authenticate())
        assert c.session.connection is not None, c.config.status
        c.assets.add_search_path(str(example / "texture_library"))
        c.assets.apply_scan(c.assets.scan())
        panel.submit.chunk.setValue(2)
        panel.submit.priority.setValue(50)
        qtbot.waitUntil(lambda: not c.submit.disk_pending)  # its files are checked on a worker
        assert c.submit.blocked_reason() is None
        submitted = c.submit.submit()
        assert len(submitted.job.tasks) == 3  # frames 1-5 in chunks of 2
        assert submitted.job.job.priority == 50
        outcome = wait_for_job(c.session.require_connection(), submitted.job_id, interval=0.3)
        assert outcome.succeeded, outcome.failed
    finally:
        panel.close()
        panel.workers.wait()
    # the scene opened again in a new panel: the tab's choices come back
    again = Panel(make_controllers(scene, base=STAND_IN))
    qtbot.addWidget(again)
    try:
        qtbot.waitUntil(lambda: again.submit.chunk.value() == 2, timeout=10000)
        assert again.submit.priority.value() == 50
    finally:
        again.close()
        again.workers.wait()


def test_over_the_ceiling_the_tab_names_both_numbers_and_offers_the_override_if_allowed(
    make_panel, scene, tmp_path, monkeypatch, qtbot
):
    studio(tmp_path, monkeypatch, "[limits]\ncost_ceiling = 0.01\nallow_ceiling_override = true\n")
    panel = make_panel(scene)
    view, c = panel.submit, panel.controllers.submit
    assert view.over_ceiling.isVisibleTo(view)
    qtbot.waitUntil(lambda: not c.prices_pending)  # the price table is read on a worker
    why = c.over_ceiling() or ""
    assert "over the studio's ceiling of 0.01 USD per job" in why and "tick Over the ceiling" in why
    estimate = c.estimate()
    assert not isinstance(estimate, str) and f"estimated at {estimate.total:.2f} USD" in why
    view.over_ceiling.setChecked(True)
    assert c.fields.over_ceiling and c.over_ceiling() is None
