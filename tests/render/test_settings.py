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


def test_licence_servers_become_the_variables_each_product_reads():
    env = LicenceServers(
        autodesk="27000@lic.example.com",
        arnold_rlm="5053@lic",
        vray="30304@10.0.0.4",
        redshift="5054@rs-lic",
    ).environment()
    assert env == {
        "ADSKFLEX_LICENSE_FILE": "27000@lic.example.com",
        "ARNOLD_LICENSE_ORDER": "network",
        "solidangle_LICENSE": "5053@lic",
        "ARNOLD_LICENSE_HOST": "lic",
        "ARNOLD_LICENSE_PORT": "5053",
        "VRAY_AUTH_CLIENT_SETTINGS": "licset://10.0.0.4:30304",
        "redshift_LICENSE": "5054@rs-lic",
    }


def test_a_bare_host_gets_the_products_default_port_and_licset_is_understood():
    env = LicenceServers(autodesk="lic", vray="licset://vlic:30305").environment()
    assert env["ADSKFLEX_LICENSE_FILE"] == "27000@lic"
    assert env["VRAY_AUTH_CLIENT_SETTINGS"] == "licset://vlic:30305"
    assert LicenceServers(autodesk=" 2080@a.b ").servers() == {"autodesk": (2080, "a.b")}


@pytest.mark.parametrize("bad", ["27000@", "port@lic", "99999@lic", "27000@lic;rm -rf", "@lic"])
def test_a_licence_server_not_port_at_host_is_refused_naming_the_form(bad):
    with pytest.raises(SettingsError, match=r"port@host, e\.g\. 27000@licence\.example\.com"):
        LicenceServers(autodesk=bad).environment()
    with pytest.raises(SettingsError, match="port@host"):
        SubmitSettings(licences=LicenceServers(autodesk=bad))
