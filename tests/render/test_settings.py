"""Submit settings refuse what cannot work, when they are made."""

from __future__ import annotations

import pytest

from azure_batch_maya.render.settings import (
    LicenceServers,
    PoolChoice,
    SettingsError,
    SubmitSettings,
)


def test_defaults_make_an_auto_pool_job_of_one_linux_node():
    s = SubmitSettings()
    assert s.pool == PoolChoice("auto") and s.node_os == "linux" and s.dedicated_nodes == 1
    assert not s.stand_in


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"chunk_size": 0}, "chunk size"),
        ({"step": 0}, "step"),
        ({"node_os": "macos"}, "node OS"),
        ({"dedicated_nodes": 0, "spot_nodes": 0}, "at least one"),
        ({"spot_nodes": -1}, "negative"),
        ({"padding": 12}, "padding"),
        ({"task_slots_per_node": 0}, "slots"),
        ({"environment": {"A=B": "x"}}, "environment variable"),
    ],
)
def test_bad_settings_are_refused_with_what_to_change(kwargs, message):
    with pytest.raises(SettingsError, match=message):
        SubmitSettings(**kwargs)


def test_pool_choice_from_the_cli():
    assert PoolChoice.parse("auto") == PoolChoice("auto")
    assert PoolChoice.parse("new") == PoolChoice("new")
    assert PoolChoice.parse("new:farm") == PoolChoice("new", "farm")
    assert PoolChoice.parse("farm-01") == PoolChoice("existing", "farm-01")
    with pytest.raises(SettingsError, match="needs its id"):
        PoolChoice("existing")
    # an existing pool may have no nodes right now
    assert SubmitSettings(pool=PoolChoice("existing", "p"), dedicated_nodes=0)


def test_licence_servers_become_environment_variables():
    env = LicenceServers(autodesk="27000@lic", arnold_rlm="5053@lic").environment()
    assert env == {"ADSKFLEX_LICENSE_FILE": "27000@lic", "solidangle_LICENSE": "5053@lic"}
