"""The Submit tab refuses, before uploading, a job asking for more nodes than the local pool
has slots, naming both numbers (the same check as `submit`)."""

from __future__ import annotations

import sys

import pytest

from azure_batch_maya.controllers.assets import AssetsController
from azure_batch_maya.controllers.config import ConfigController
from azure_batch_maya.controllers.env import EnvController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.controllers.submit import SubmitController
from azure_batch_maya.render.settings import SettingsError, SubmitSettings

pytestmark = pytest.mark.slow


def test_more_nodes_than_slots_is_refused_before_the_upload(
    full_pool, memory_keyring, example, scene, tmp_path
):
    session = Session(scene)
    config = ConfigController(session)
    assert config.use_local_pool()
    config.apply(config.authenticate())
    assets = AssetsController(session)
    assets.add_search_path(str(example / "texture_library"))
    assets.apply_scan(assets.scan())
    env = EnvController(folder=tmp_path / "env")
    env.update(dedicated_nodes=3)
    base = SubmitSettings(stand_in=True, node_python=sys.executable)
    submit = SubmitController(session, assets, env, base=base)
    jobs_before = {j.id for j in full_pool.batch.list_jobs()}
    with pytest.raises(SettingsError, match="asks for 3 nodes; the local pool has 2 slots"):
        submit.submit()
    assert {j.id for j in full_pool.batch.list_jobs()} == jobs_before
