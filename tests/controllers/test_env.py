"""Env: the node image, sizes, licences and variables, saved as JSON with nothing secret."""

from __future__ import annotations

import json

import pytest

from azure_batch_maya.controllers.env import EnvController, EnvSettings
from azure_batch_maya.render.settings import LicenceServers, SettingsError
from azure_batch_maya.services.batch import ContainerImage, CustomImage, MarketplaceImage


def test_choices_are_saved_and_come_back(tmp_path):
    env = EnvController(folder=tmp_path)
    env.update(vm_size="Standard_F16s_v2", dedicated_nodes=0, spot_nodes=4)
    env.set_licence("autodesk", " 27000@lic.example.com ")
    env.set_environment([("OCIO", "/show/ocio.config"), ("", "dropped")])
    again = EnvController(folder=tmp_path)
    settings = again.load()
    assert settings.vm_size == "Standard_F16s_v2"
    assert (settings.dedicated_nodes, settings.spot_nodes) == (0, 4)
    assert settings.licences == LicenceServers(autodesk="27000@lic.example.com")
    assert settings.environment == (("OCIO", "/show/ocio.config"),)
    assert json.loads((tmp_path / "env.json").read_text())["vm_size"] == "Standard_F16s_v2"


def test_each_image_kind_makes_its_spec():
    base = EnvSettings()
    assert isinstance(base.image(), MarketplaceImage)
    custom = EnvSettings(image_kind="custom", custom_image_id="/subscriptions/s/images/maya")
    assert custom.image() == CustomImage("/subscriptions/s/images/maya", "batch.node.ubuntu 24.04")
    container = EnvSettings(image_kind="container", container_image="reg.io/maya:2025")
    spec = container.image()
    assert isinstance(spec, ContainerImage) and spec.image == "reg.io/maya:2025"
    with pytest.raises(SettingsError, match="custom image"):
        EnvSettings(image_kind="custom").image()


def test_a_variable_name_with_an_equals_sign_is_refused(tmp_path):
    env = EnvController(folder=tmp_path)
    with pytest.raises(SettingsError, match="cannot hold"):
        env.set_environment([("A=B", "x")])
    assert not (tmp_path / "env.json").exists()


def test_vm_sizes_come_from_the_price_table_as_it_spells_them(tmp_path):
    sizes = EnvController(folder=tmp_path).vm_sizes()
    assert "Standard_D8s_v5" in sizes and "Standard_NC4as_T4_v3" in sizes


def test_the_detected_renderer_picks_its_licences():
    assert EnvController.licences_for("arnold") == ("autodesk", "arnold_rlm")
    assert EnvController.licences_for("mayaSoftware") == ("autodesk",)


def test_a_damaged_file_falls_back_to_defaults(tmp_path):
    (tmp_path / "env.json").write_text("{not json")
    assert EnvController(folder=tmp_path).load() == EnvSettings()
