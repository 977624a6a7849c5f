"""The studio's rules applied to the Env settings, the CLI's flags and the node counts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from azure_batch_maya.controllers.env import EnvController, EnvSettings
from azure_batch_maya.render.settings import LicenceServers, PoolChoice, SubmitSettings
from azure_batch_maya.settings.enforcement import (
    env_lock_notes,
    licences_from,
    limit_problems,
    refuse_locked,
    spot_split,
    studio_env,
)
from azure_batch_maya.settings.studio import PresetsError, StudioPresets

STUDIO = StudioPresets(
    path="/studio/studio.toml",
    reason="ask #render-help",
    defaults={"vm_size": "Standard_E8s_v5", "spot_nodes": 2},
    locked={"image_route": "custom", "image_id": "/subscriptions/x/images/maya/versions/1"},
    allowed_vm_sizes=("Standard_E8s_v5",),
    max_nodes=4,
)


def test_locked_values_always_and_defaults_only_where_nothing_was_chosen():
    env = studio_env(EnvSettings(vm_size="Standard_F8s_v2"), STUDIO, chosen={"vm_size"})
    assert (env.image_kind, env.custom_image_id) == ("custom", STUDIO.locked["image_id"])
    assert env.vm_size == "Standard_F8s_v2" and env.spot_nodes == 2
    assert studio_env(EnvSettings(), STUDIO, chosen=set()).vm_size == "Standard_E8s_v5"


def test_the_env_controller_remembers_what_the_artist_chose(tmp_path):
    env = EnvController(folder=tmp_path, studio=STUDIO)
    env.load()
    assert env.settings.spot_nodes == 2 and env.settings.image_kind == "custom"
    env.update(spot_nodes=0, image_kind="install")  # a lock wins over the artist
    again = EnvController(folder=tmp_path, studio=STUDIO)
    again.load()
    assert again.settings.spot_nodes == 0 and again.settings.image_kind == "custom"
    assert again.settings.vm_size == "Standard_E8s_v5"  # never chosen: still the default
    assert set(env_lock_notes(STUDIO)) == {"image_kind", "custom_image_id"}


def test_a_flag_against_a_lock_is_refused_with_the_note():
    before = studio_env(EnvSettings(), STUDIO, chosen=set())
    refuse_locked(STUDIO, before, replace(before, vm_size="X"))  # not locked: fine
    with pytest.raises(PresetsError, match=r"--image-route container: image_route is locked to cu"):
        refuse_locked(STUDIO, before, replace(before, image_kind="container"))
    licences = replace(STUDIO, locked={"licence_servers": ["27000@flex.studio"]})
    before = studio_env(EnvSettings(), licences, chosen=set())
    other = replace(before, licences=LicenceServers(autodesk="27000@other"))
    with pytest.raises(PresetsError, match=r"--licence autodesk=27000@other: licence_servers is"):
        refuse_locked(licences, before, other)


def test_licence_servers_by_port():
    licences = licences_from(["5053@rlm.studio", "27000@flex.studio", "27001@flex2.studio"])
    assert (licences.arnold_rlm, licences.autodesk) == ("5053@rlm.studio", "27000@flex.studio")


def test_the_spot_share_splits_the_total_and_limits_name_their_numbers():
    share = replace(STUDIO, locked={"spot_share": 0.5})
    settings = spot_split(SubmitSettings(dedicated_nodes=5, spot_nodes=1), share, chosen=True)
    assert (settings.dedicated_nodes, settings.spot_nodes) == (3, 3)
    default = replace(STUDIO, defaults={"spot_share": 0.25})
    kept = SubmitSettings(dedicated_nodes=4, spot_nodes=0)
    assert spot_split(kept, default, chosen=True) == kept
    assert spot_split(kept, default, chosen=False).spot_nodes == 1
    big = SubmitSettings(vm_size="Standard_F8s_v2", dedicated_nodes=5)
    assert [p.split(" ")[0] for p in limit_problems(big, STUDIO)] == ["VM", "5"]
    existing = replace(big, pool=PoolChoice("existing", "farm"))
    assert limit_problems(existing, STUDIO) == []  # its size is the pool's, not this job's
