"""Submit: fields from the scene, overrides for one job, the renderer check, the validation list,
the estimate, and a stand-in job sent to the local pool."""

from __future__ import annotations

import sys
from dataclasses import replace

import pytest

from azure_batch_maya.app.submit import wait_for_job
from azure_batch_maya.controllers.assets import AssetsController
from azure_batch_maya.controllers.env import EnvController
from azure_batch_maya.controllers.jobs import JobsController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.controllers.submit import SubmitController
from azure_batch_maya.render.cost import CostEstimate
from azure_batch_maya.render.settings import SettingsError, SubmitSettings

STAND_IN = SubmitSettings(stand_in=True, node_python=sys.executable)


def make(session: Session, tmp_path, base: SubmitSettings | None = None):
    assets = AssetsController(session)
    env = EnvController(folder=tmp_path / "env")
    return assets, env, SubmitController(session, assets, env, base=base)


def test_fields_start_as_the_render_settings_and_overrides_leave_the_scene_alone(
    home, scene, tmp_path
):
    session = Session(scene)
    _assets, _env, submit = make(session, tmp_path)
    f = submit.fields
    assert (f.start, f.end, f.step) == (1, 5, 1)
    assert f.prefix == "<Scene>/<RenderLayer>/<Scene>"
    assert f.layers == {"defaultRenderLayer": True}
    assert submit.renderer_label == "Arnold" and submit.renderer_supported
    submit.update(start=2, end=4, step=2, prefix="beauty/<Scene>")
    assert submit.frames_text == "2-4x2"
    assert submit.scene_for_job().image_prefix == "beauty/<Scene>"
    assert scene.image_prefix == "<Scene>/<RenderLayer>/<Scene>"
    assert session.scene is scene
    assert submit.settings().frames == "2-4x2"
    submit.reset_from_scene()
    assert submit.frames_text == "1-5x1"
    assert submit.fields.prefix == "<Scene>/<RenderLayer>/<Scene>"


def test_settings_take_the_env_tab_and_refuse_bad_frames(home, scene, tmp_path):
    _assets, env, submit = make(Session(scene), tmp_path)
    env.update(vm_size="Standard_F8s_v2", dedicated_nodes=2, spot_nodes=3)
    env.set_environment([("OCIO", "/show/ocio")])
    settings = submit.settings()
    assert (settings.vm_size, settings.dedicated_nodes, settings.spot_nodes) == (
        "Standard_F8s_v2",
        2,
        3,
    )
    assert settings.environment == {"OCIO": "/show/ocio"}
    assert settings.pool.mode == "auto"
    submit.update(end=0)
    with pytest.raises(SettingsError, match="before start"):
        submit.frame_spec()
    submit.update(end=5, pool_mode="existing")
    with pytest.raises(SettingsError, match="existing pool needs its id"):
        submit.settings()


def test_an_unsupported_renderer_disables_submit(home, scene, tmp_path):
    session = Session(replace(scene, renderer="cycles"))
    _assets, _env, submit = make(session, tmp_path)
    assert not submit.renderer_supported
    reason = submit.blocked_reason()
    assert reason is not None and "'cycles' cannot render on Batch" in reason
    assert "Arnold" in reason
    with pytest.raises(SettingsError, match="cycles"):
        submit.submit()
    # the same renderer table refuses the estimate, and the stand-in is no way around it
    estimate = submit.estimate()
    assert isinstance(estimate, str) and "No estimate" in estimate and "'cycles'" in estimate
    submit.base = replace(submit.base, stand_in=True)
    assert "'cycles' cannot render on Batch" in (submit.blocked_reason() or "")


def test_the_validation_list_and_the_estimate(home, example, scene, tmp_path):
    session = Session(scene)
    assets, env, submit = make(session, tmp_path)
    assert submit.findings() == ()  # nothing until the Assets tab scanned
    assets.apply_scan(assets.scan())
    assert [f.code for f in submit.findings() if f.level == "error"] == ["missing-asset"]
    assert submit.blocked_reason() == "Authenticate on the Config tab first."
    estimate = submit.estimate()
    assert isinstance(estimate, CostEstimate)
    assert estimate.vm_size == env.settings.vm_size and estimate.total > 0
    env.update(vm_size="Standard_Unknown_v9")
    text = submit.estimate()
    assert isinstance(text, str) and text.startswith("No estimate:")


@pytest.mark.slow
def test_a_stand_in_job_renders_on_the_local_pool_and_comes_home(
    connected, example, scene, tmp_path
):
    connected.set_scene(scene)
    assets, _env, submit = make(connected, tmp_path, STAND_IN)
    assert submit.estimate() == "The local pool costs nothing."
    assets.apply_scan(assets.scan())
    assert "Fix the errors" in (submit.blocked_reason() or "")
    assets.add_search_path(str(example / "texture_library"))
    assets.apply_scan(assets.scan())
    assert submit.blocked_reason() is None
    submit.update(end=3, prefix="beauty/<Scene>")  # for this job only
    sent: list[tuple[int, int]] = []
    submitted = submit.submit(progress=lambda done, total: sent.append((done, total)))
    assert len(submitted.job.tasks) == 3
    outcome = wait_for_job(connected.require_connection(), submitted.job_id, interval=0.3)
    assert outcome.succeeded, outcome.failed
    jobs = JobsController(connected, output_root=tmp_path / "frames")
    jobs.apply(jobs.list_jobs())
    row = next(r for r in jobs.rows if r.id == submitted.job_id)
    assert row.progress == 100 and row.progress_text == "3/3 done"  # as `jobs list`
    report = jobs.download(submitted.job_id)
    assert len(report.downloaded) >= 3
    images = jobs.output_folder(submitted.job_id) / "images"
    names = [p.relative_to(images).as_posix() for p in jobs.thumbnails(submitted.job_id)]
    assert names == [f"beauty/shot010_lighting.{i:04d}.png" for i in (1, 2, 3)]


@pytest.mark.slow
def test_a_new_persistent_pool_is_made_and_kept_after_the_job(connected, example, scene, tmp_path):
    from azure_batch_maya.controllers.pools import PoolsController
    from tests.services.specs import unique

    connected.set_scene(scene)
    assets, _env, submit = make(connected, tmp_path, STAND_IN)
    assets.add_search_path(str(example / "texture_library"))
    assets.apply_scan(assets.scan())
    pool_id = unique("lighting-nightly")
    submit.update(end=2, pool_mode="new", pool_id=pool_id)
    submitted = submit.submit()
    assert submitted.job.new_pool is not None and submitted.job.new_pool.id == pool_id
    assert wait_for_job(connected.require_connection(), submitted.job_id, interval=0.3).succeeded
    pools = PoolsController(connected)
    assert pool_id in {row.id for row in pools.list_pools()}
    pools.delete(pool_id)


def test_checks_and_estimate_are_worked_out_again_only_when_an_input_changes(home, scene, tmp_path):
    assets, env, submit = make(Session(scene), tmp_path)
    assets.apply_scan(assets.scan())
    submit.prices_pending = True  # the panel reads the price table on a worker
    assert submit.estimate() == "Reading the price table…"
    submit.apply_prices(submit.read_prices())
    first, estimate = submit.findings(), submit.estimate()
    assert isinstance(estimate, CostEstimate)
    assert submit.findings() is first and submit.estimate() is estimate  # nothing changed
    submit.update(chunk_size=5)
    assert submit.findings() is not first and submit.estimate() is not estimate
    again = submit.estimate()
    env.update(dedicated_nodes=4)  # the Env tab is an input too
    assert submit.estimate() is not again


def test_the_tabs_choices_are_kept_per_scene_and_come_back(home, scene, tmp_path):
    session = Session(scene)
    _assets, _env, submit = make(session, tmp_path)
    submit.update(chunk_size=3, split_cameras=True, priority=20, time_limit_hours=2.0, job_id="x")
    submit.remember()
    fresh = make(Session(scene), tmp_path)[2]
    assert fresh.fields.chunk_size == 1
    fresh.apply_recalled(fresh.recall())
    f = fresh.fields
    assert (f.chunk_size, f.split_cameras, f.priority, f.time_limit_hours) == (3, True, 20, 2.0)
    assert f.job_id == ""  # a job id is one job's
    other = make(Session(replace(scene, scene=scene.scene + ".other.ma")), tmp_path)[2]
    assert other.recall() is None
    fresh.apply_recalled({"chunk_size": "many", "priority": 7, "layers": {"gone": True}})
    assert (fresh.fields.chunk_size, fresh.fields.priority) == (3, 7)  # bad values left out


def test_on_azure_the_estimate_uses_prices_fetched_for_the_env_tabs_vm_size(
    home, scene, tmp_path, mocker
):
    from typing import Any, cast

    from azure_batch_maya.app.connect import Connection
    from azure_batch_maya.render import prices
    from tests.render.test_prices import RecordedApi

    api = RecordedApi()  # Azure's retail prices API, recorded: the one edge mocked
    mocker.patch.object(prices, "urlopen", side_effect=api)
    session = Session(scene)
    _assets, env, submit = make(session, tmp_path)
    env.update(vm_size="Standard_D8s_v5", dedicated_nodes=1, spot_nodes=0)
    assert submit.refresh_prices() == "" and api.urls == []  # not connected: nothing fetched
    where = "Batch account a (https://a.westeurope.batch.azure.com)"
    unused = cast(Any, None)  # no Batch or Blob call is made by the estimate
    session.set_connection(Connection(batch=unused, blobs=unused, where=where, local=False))
    assert submit.refresh_prices() == ""
    estimate = submit.estimate()
    assert isinstance(estimate, CostEstimate)
    assert estimate.prices_source == "Azure's retail prices API (westeurope, cached)"
    assert submit.refresh_prices() == "" and len(api.urls) == 2  # fresh now: not fetched again


def test_a_new_pool_with_autoscale_prices_its_maximum(home, scene, tmp_path):
    _assets, env, submit = make(Session(scene), tmp_path)
    env.update(dedicated_nodes=1, spot_nodes=1)
    submit.update(pool_mode="new", pool_id="p", autoscale_max=4, idle_minutes=5)
    settings = submit.settings()
    assert settings.autoscale is not None and settings.autoscale.spot_share == 0.5
    assert (settings.dedicated_nodes, settings.spot_nodes) == (2, 2)
    submit.update(idle_minutes=0)
    with pytest.raises(SettingsError, match="idle minutes 0"):
        submit.settings()
