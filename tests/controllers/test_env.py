"""Env: the node image, sizes, licences and variables, saved as JSON with nothing secret."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from azure_batch_maya.controllers.env import EnvController, EnvSettings
from azure_batch_maya.render.cost import load_prices
from azure_batch_maya.render.settings import (
    LicenceServers,
    SettingsError,
    SubmitSettings,
    with_registry_password,
)
from azure_batch_maya.services.batch import (
    ContainerImage,
    ContainerRegistry,
    CustomImage,
    MarketplaceImage,
    NetworkSpec,
)


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


def test_each_route_makes_its_image_spec():
    base = EnvSettings()
    assert base.image_kind == "install"
    assert base.image() == MarketplaceImage(
        "canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04"
    )
    custom = EnvSettings(image_kind="custom", custom_image_id="/subscriptions/s/images/maya")
    assert custom.image() == CustomImage("/subscriptions/s/images/maya", "batch.node.el 9")
    container = EnvSettings(image_kind="container", container_image="reg.io/maya:2025")
    assert container.image() == ContainerImage(
        "reg.io/maya:2025",
        MarketplaceImage("microsoft-dsvm", "ubuntu-hpc", "2204", "batch.node.ubuntu 22.04"),
    )
    with pytest.raises(SettingsError, match="custom image"):
        EnvSettings(image_kind="custom").image()
    with pytest.raises(SettingsError, match="publisher:offer:sku"):
        replace(container, container_host="ubuntu-hpc").image()


def test_a_registry_by_managed_identity_needs_the_identitys_resource_id():
    acr = EnvSettings(
        image_kind="container",
        container_image="studio.azurecr.io/maya:2026",
        registry_server="studio.azurecr.io",
        registry_auth="identity",
    )
    with pytest.raises(SettingsError, match="userAssignedIdentities"):
        acr.image()
    identity = (
        "/subscriptions/s/resourceGroups/r/providers/Microsoft.ManagedIdentity"
        "/userAssignedIdentities/pull"
    )
    spec = replace(acr, registry_identity=identity).image()
    assert isinstance(spec, ContainerImage)
    assert spec.registry == ContainerRegistry("studio.azurecr.io", identity_id=identity)


def test_a_registry_password_lives_in_the_keyring_never_in_the_file(
    tmp_path, memory_keyring, monkeypatch
):
    monkeypatch.delenv("AZURE_BATCH_MAYA_REGISTRY_PASSWORD", raising=False)
    env = EnvController(folder=tmp_path)
    env.update(
        image_kind="container",
        container_image="registry.example.com/maya:2026",
        registry_server="registry.example.com",
        registry_auth="password",
        registry_username="puller",
    )
    env.settings.check()  # the tab's own check reads no keyring
    settings = SubmitSettings(**env.settings.submit_fields())
    with pytest.raises(SettingsError, match="no password for puller at registry"):
        with_registry_password(settings)
    env.set_registry_password("pa55-word")
    image = with_registry_password(settings).image
    assert isinstance(image, ContainerImage) and image.registry is not None
    assert image.registry.password == "pa55-word"
    assert "pa55-word" not in (tmp_path / "env.json").read_text()
    assert "pa55-word" not in repr(with_registry_password(settings))
    monkeypatch.setenv("AZURE_BATCH_MAYA_REGISTRY_PASSWORD", "from-ci")
    image = with_registry_password(settings).image
    assert isinstance(image, ContainerImage) and image.registry is not None
    assert image.registry.password == "from-ci"


def test_subnet_and_public_ips_make_the_pools_network():
    subnet = (
        "/subscriptions/s/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v"
        "/subnets/render"
    )
    assert EnvSettings().network() is None
    assert EnvSettings(subnet_id=subnet, public_ips="nopublicipaddresses").network() == (
        NetworkSpec(subnet, "nopublicipaddresses")
    )
    with pytest.raises(SettingsError, match="resource id"):
        EnvSettings(subnet_id="render-subnet").network()
    with pytest.raises(SettingsError, match="need a subnet id"):
        EnvSettings(public_ips="nopublicipaddresses").network()


def test_settings_saved_before_the_routes_had_names_still_load():
    old = {"image_kind": "marketplace", "node_agent_sku": "batch.node.ubuntu 24.04"}
    assert EnvSettings.from_json(old).image_kind == "install"
    custom = EnvSettings.from_json(
        {"image_kind": "custom", "custom_image_id": "/x", "node_agent_sku": "batch.node.el 8"}
    )
    assert custom.image() == CustomImage("/x", "batch.node.el 8")


def test_a_variable_name_with_an_equals_sign_is_refused(tmp_path):
    env = EnvController(folder=tmp_path)
    with pytest.raises(SettingsError, match="cannot hold"):
        env.set_environment([("A=B", "x")])
    assert not (tmp_path / "env.json").exists()


def test_vm_sizes_come_from_the_price_table_as_it_spells_them(home, tmp_path):
    env = EnvController(folder=tmp_path)
    said: list[EnvSettings] = []
    env.changed.connect(said.append)
    # Nothing is read until a table read elsewhere (on a worker) is handed over.
    assert env.vm_sizes() == [env.settings.vm_size]
    env.apply_prices(load_prices())
    sizes = env.vm_sizes()
    assert "Standard_D8s_v5" in sizes and "Standard_NC4as_T4_v3" in sizes
    assert sizes == sorted(sizes, key=str.lower) and len(said) == 1
    env.apply_prices("price table x is unreadable")  # a failed read keeps the list
    env.apply_prices(load_prices())  # the same sizes again: nothing to redraw
    assert env.vm_sizes() == sizes and len(said) == 1


def test_the_detected_renderer_picks_its_licences():
    assert EnvController.licences_for("arnold") == ("autodesk", "arnold_rlm")
    assert EnvController.licences_for("mayaSoftware") == ("autodesk",)


def test_a_damaged_file_falls_back_to_defaults(tmp_path):
    (tmp_path / "env.json").write_text("{not json")
    assert EnvController(folder=tmp_path).load() == EnvSettings()
