"""The three routes to Maya on a node, as the exact pool and task JSON that goes to Azure.

Each job is exported (`export_job`, what `submit --export` writes), so these are the bodies
the SDK puts on the wire: custom image, install at node start, container on every task.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.render.commandline import NodeVar
from azure_batch_maya.render.job import REDACTED, RouteError, check_route, export_job
from azure_batch_maya.render.settings import (
    LicenceServers,
    PoolChoice,
    SettingsError,
    SubmitSettings,
)
from azure_batch_maya.services.batch import (
    ContainerImage,
    ContainerRegistry,
    CustomImage,
    MarketplaceImage,
    NetworkSpec,
    ResourceFileSpec,
    StartTaskSpec,
    pool_create_options,
)
from tests.node.example import example_job

GALLERY = (
    "/subscriptions/0000/resourceGroups/render/providers/Microsoft.Compute/galleries/studio"
    "/images/maya-2026-rocky9/versions/1.0.0"
)
CUSTOM = CustomImage(GALLERY, "batch.node.el 9")
HOST = MarketplaceImage("microsoft-dsvm", "ubuntu-hpc", "2204", "batch.node.ubuntu 22.04")
IDENTITY = (
    "/subscriptions/0000/resourceGroups/render/providers/Microsoft.ManagedIdentity"
    "/userAssignedIdentities/pool-acr-pull"
)
SUBNET = (
    "/subscriptions/0000/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/studio"
    "/subnets/render"
)


def exported(settings: SubmitSettings, folder: Path) -> dict[str, Any]:
    export_job(example_job(settings), folder)
    return {
        name: json.loads((folder / f"{name}.json").read_text("utf-8"))
        for name in ("job", "tasks", "pool")
        if (folder / f"{name}.json").exists()
    }


def test_custom_image_pool_names_the_gallery_version_and_its_node_agent(tmp_path):
    wire = exported(SubmitSettings(pool=PoolChoice("new", "maya"), image=CUSTOM), tmp_path)
    vm = wire["pool"]["virtualMachineConfiguration"]
    assert vm == {
        "imageReference": {"virtualMachineImageId": GALLERY},
        "nodeAgentSKUId": "batch.node.el 9",
    }
    assert "startTask" not in wire["pool"]
    assert all("containerSettings" not in t for t in wire["tasks"])
    assert "containerSettings" not in wire["job"]["jobPreparationTask"]


def test_a_gallery_image_pool_is_refused_with_account_keys_before_anything_is_sent():
    settings = SubmitSettings(pool=PoolChoice("new", "maya"), image=CUSTOM)
    with pytest.raises(RouteError, match="Entra ID sign-in"):
        check_route(settings, entra=False, local=False)
    check_route(settings, entra=True, local=False)
    # an existing pool already has its image: keys are fine to add jobs to it
    check_route(
        SubmitSettings(pool=PoolChoice("existing", "maya"), image=CUSTOM), entra=False, local=False
    )


def test_a_marketplace_pool_without_its_install_start_task_is_refused_on_azure():
    with pytest.raises(RouteError, match="nodes installers add"):
        check_route(SubmitSettings(), entra=True, local=False)
    check_route(SubmitSettings(stand_in=True), entra=False, local=False)
    check_route(SubmitSettings(), entra=False, local=True)


def install_task() -> StartTaskSpec:
    return StartTaskSpec(
        command_line="/bin/sh -c 'exec /bin/sh \"$AZ_BATCH_TASK_WORKING_DIR/azbm_install.sh\"'",
        environment={"AZBM_INSTALL_COUNT": "1", "AZBM_INSTALL_1": "ab12 rpm Maya2026.rpm"},
        resource_files=(
            ResourceFileSpec(file_path="azbm_install.sh", http_url="https://sa/i/script?sas"),
            ResourceFileSpec(file_path="installers/Maya2026.rpm", http_url="https://sa/i/m?sas"),
        ),
        max_retries=1,
    )


def test_install_at_start_puts_the_start_task_on_the_pool_as_admin_waiting_for_success(tmp_path):
    settings = SubmitSettings(pool=PoolChoice("new", "maya"), start_task=install_task())
    check_route(settings, entra=False, local=False)
    wire = exported(settings, tmp_path)
    assert wire["pool"]["startTask"] == {
        "commandLine": "/bin/sh -c 'exec /bin/sh \"$AZ_BATCH_TASK_WORKING_DIR/azbm_install.sh\"'",
        "environmentSettings": [
            {"name": "AZBM_INSTALL_COUNT", "value": "1"},
            {"name": "AZBM_INSTALL_1", "value": "ab12 rpm Maya2026.rpm"},
        ],
        "resourceFiles": [
            {"httpUrl": "https://sa/i/script?sas", "filePath": "azbm_install.sh"},
            {"httpUrl": "https://sa/i/m?sas", "filePath": "installers/Maya2026.rpm"},
        ],
        "userIdentity": {"autoUser": {"scope": "pool", "elevationLevel": "admin"}},
        "maxTaskRetryCount": 1,
        "waitForSuccess": True,
    }
    assert wire["pool"]["virtualMachineConfiguration"]["imageReference"]["offer"] == (
        "ubuntu-24_04-lts"
    )
    # tasks start the mayapy the start task installed, below the node's shared folder
    wrapper = NodeVar("AZ_BATCH_NODE_SHARED_DIR", "/azbm-install/bin/mayapy")
    linux = exported(replace(settings, node_python=wrapper), tmp_path / "wrapped")
    assert linux["tasks"][0]["commandLine"] == (
        '/bin/bash -c \'exec "${AZ_BATCH_NODE_SHARED_DIR}"/azbm-install/bin/mayapy '
        '"${AZ_BATCH_JOB_PREP_WORKING_DIR}"/azbm render frames-0001\''
    )
    windows = exported(
        replace(settings, node_python=wrapper, node_os="windows"), tmp_path / "windows"
    )
    assert (
        "%AZ_BATCH_NODE_SHARED_DIR%\\azbm-install\\bin\\mayapy"
        in (windows["job"]["jobPreparationTask"]["commandLine"])
    )
    # an auto-pool carries the same start task
    auto = exported(SubmitSettings(start_task=install_task()), tmp_path / "auto")
    pool = auto["job"]["poolInfo"]["autoPoolSpecification"]["pool"]
    assert pool["startTask"] == wire["pool"]["startTask"]


def test_container_pool_and_every_task_name_the_image_and_the_acr_identity(tmp_path):
    registry = ContainerRegistry("studio.azurecr.io", identity_id=IDENTITY)
    image = ContainerImage("studio.azurecr.io/maya-render:2026", HOST, registry)
    settings = SubmitSettings(pool=PoolChoice("existing", "maya-containers"), image=image)
    wire = exported(settings, tmp_path)
    expected = {
        "imageName": "studio.azurecr.io/maya-render:2026",
        "registry": {
            "registryServer": "studio.azurecr.io",
            "identityReference": {"resourceId": IDENTITY},
        },
        "workingDirectory": "taskWorkingDirectory",
    }
    assert [t["containerSettings"] for t in wire["tasks"]] == [expected] * len(wire["tasks"])
    assert len(wire["tasks"]) == 5
    # the preparation runs in the container too, so mayapy there fetches the inputs into
    # its folder below AZ_BATCH_NODE_ROOT_DIR, which Batch maps at the same path: no bind
    # mounts are listed, since a list would replace that whole-root mapping
    assert wire["job"]["jobPreparationTask"]["containerSettings"] == expected
    assert "containerHostBatchBindMounts" not in json.dumps(wire)
    assert "mayapy" in wire["job"]["jobPreparationTask"]["commandLine"]


def test_container_pool_with_a_registry_user_sends_the_password_only_in_the_request(tmp_path):
    registry = ContainerRegistry("registry.example.com", "puller", "from-the-keyring")
    image = ContainerImage("registry.example.com/maya:2026", HOST, registry)
    job = example_job(SubmitSettings(pool=PoolChoice("new", "c"), image=image))
    assert job.new_pool is not None
    body = pool_create_options(job.new_pool).as_dict()
    assert body["virtualMachineConfiguration"]["containerConfiguration"] == {
        "type": "dockerCompatible",
        "containerImageNames": ["registry.example.com/maya:2026"],
        "containerRegistries": [
            {
                "username": "puller",
                "password": "from-the-keyring",
                "registryServer": "registry.example.com",
            }
        ],
    }
    assert body["virtualMachineConfiguration"]["imageReference"]["offer"] == "ubuntu-hpc"
    assert "from-the-keyring" not in repr(image)
    # what --export writes keeps the password out of the files
    wire = exported(SubmitSettings(pool=PoolChoice("new", "c"), image=image), tmp_path)
    assert all(t["containerSettings"]["registry"]["username"] == "puller" for t in wire["tasks"])
    assert "from-the-keyring" not in "".join(p.read_text() for p in tmp_path.iterdir())
    registries = wire["pool"]["virtualMachineConfiguration"]["containerConfiguration"]
    assert registries["containerRegistries"][0]["password"] == REDACTED


def test_a_registry_by_managed_identity_needs_an_existing_pool():
    registry = ContainerRegistry("studio.azurecr.io", identity_id=IDENTITY)
    image = ContainerImage("studio.azurecr.io/maya:2026", HOST, registry)
    with pytest.raises(SettingsError, match="only Azure Resource Manager can make"):
        SubmitSettings(image=image)
    with pytest.raises(ValueError, match="not both"):
        ContainerRegistry("r.io", "u", "p", identity_id=IDENTITY)
    with pytest.raises(ValueError, match="a password needs its user name"):
        ContainerRegistry("r.io", password="p")


def test_subnet_and_public_ip_choice_on_the_pool(tmp_path):
    network = NetworkSpec(SUBNET, "nopublicipaddresses")
    wire = exported(SubmitSettings(pool=PoolChoice("new", "p"), network=network), tmp_path)
    assert wire["pool"]["networkConfiguration"] == {
        "subnetId": SUBNET,
        "publicIPAddressConfiguration": {"provision": "nopublicipaddresses"},
    }
    default = exported(SubmitSettings(pool=PoolChoice("new", "p")), tmp_path / "d")
    assert "networkConfiguration" not in default["pool"]
    with pytest.raises(ValueError, match="public IP addresses' resource ids"):
        NetworkSpec(SUBNET, "usermanaged")
    user = NetworkSpec(SUBNET, "usermanaged", ("/subscriptions/0/publicIPAddresses/ip1",))
    wire = exported(SubmitSettings(pool=PoolChoice("new", "p"), network=user), tmp_path / "u")
    assert wire["pool"]["networkConfiguration"]["publicIPAddressConfiguration"] == {
        "provision": "usermanaged",
        "ipAddressIds": ["/subscriptions/0/publicIPAddresses/ip1"],
    }


def test_licence_variables_reach_every_task_through_the_job(tmp_path):
    licences = LicenceServers(autodesk="27000@lic.studio.lan", arnold_rlm="5053@lic.studio.lan")
    wire = exported(SubmitSettings(licences=licences), tmp_path)
    env = {e["name"]: e["value"] for e in wire["job"]["commonEnvironmentSettings"]}
    assert env["ADSKFLEX_LICENSE_FILE"] == "27000@lic.studio.lan"
    assert env["ARNOLD_LICENSE_ORDER"] == "network"
    assert env["solidangle_LICENSE"] == "5053@lic.studio.lan"
