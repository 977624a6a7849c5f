"""Specs become the SDK's models: pure functions, checked on the JSON they put on the wire."""

from __future__ import annotations

from datetime import timedelta

import pytest

from azure_batch_maya.services.batch import (
    ContainerImage,
    ContainerRegistry,
    CustomImage,
    JobPreparationSpec,
    JobSpec,
    OutputFileSpec,
    ResourceFileSpec,
    StartTaskSpec,
    TaskSpec,
    job_create_options,
    metadata_dict,
    pool_create_options,
    task_create_options,
)
from tests.services.specs import UBUNTU, ubuntu_pool


def test_a_marketplace_pool_with_spot_nodes_slots_and_a_start_task():
    spec = ubuntu_pool(
        dedicated_nodes=2,
        spot_nodes=8,
        task_slots_per_node=4,
        node_fill="pack",
        metadata={"created-by": "azure-batch-maya"},
        start_task=StartTaskSpec(
            command_line="/bin/bash -c ./install_maya.sh",
            environment={"MAYA_VERSION": "2026"},
            resource_files=(ResourceFileSpec(http_url="https://x/install_maya.sh"),),
        ),
    )
    body = pool_create_options(spec).as_dict()
    assert body["id"] == "maya-pool"
    assert body["targetDedicatedNodes"] == 2
    assert body["targetLowPriorityNodes"] == 8
    assert body["taskSlotsPerNode"] == 4
    assert body["taskSchedulingPolicy"] == {"nodeFillType": "pack"}
    vm = body["virtualMachineConfiguration"]
    assert vm["imageReference"] == {
        "publisher": "canonical",
        "offer": "ubuntu-24_04-lts",
        "sku": "server",
        "version": "latest",
    }
    assert vm["nodeAgentSKUId"] == "batch.node.ubuntu 24.04"
    start = body["startTask"]
    assert start["userIdentity"] == {"autoUser": {"scope": "pool", "elevationLevel": "admin"}}
    assert start["environmentSettings"] == [{"name": "MAYA_VERSION", "value": "2026"}]
    assert start["resourceFiles"] == [{"httpUrl": "https://x/install_maya.sh"}]
    assert start["waitForSuccess"] is True
    assert body["metadata"] == [{"name": "created-by", "value": "azure-batch-maya"}]


@pytest.mark.parametrize(
    ("gallery", "key"),
    [
        ("compute", "virtualMachineImageId"),
        ("shared", "sharedGalleryImageId"),
        ("community", "communityGalleryImageId"),
    ],
)
def test_a_custom_image_is_referenced_by_its_gallery_id(gallery, key):
    image = CustomImage(
        image_id="/gallery/maya2026/1.0.0", node_agent_sku_id="agent", gallery=gallery
    )
    vm = pool_create_options(ubuntu_pool(image=image)).as_dict()["virtualMachineConfiguration"]
    assert vm["imageReference"] == {key: "/gallery/maya2026/1.0.0"}


def test_a_container_image_runs_on_its_host_image_with_its_registry():
    image = ContainerImage(
        image="myregistry.azurecr.io/maya:2026",
        host=UBUNTU,
        registry=ContainerRegistry("myregistry.azurecr.io", "puller", "s3cret"),
    )
    assert "s3cret" not in repr(image)
    vm = pool_create_options(ubuntu_pool(image=image)).as_dict()["virtualMachineConfiguration"]
    assert vm["imageReference"]["offer"] == "ubuntu-24_04-lts"
    containers = vm["containerConfiguration"]
    assert containers["type"] == "dockerCompatible"
    assert containers["containerImageNames"] == ["myregistry.azurecr.io/maya:2026"]
    assert containers["containerRegistries"][0]["registryServer"] == "myregistry.azurecr.io"


def test_a_job_on_a_pool_with_preparation_metadata_and_limits():
    spec = JobSpec(
        id="shot010-v003",
        pool_id="maya-pool",
        priority=100,
        max_wall_clock_time=timedelta(hours=6),
        max_task_retry_count=2,
        metadata={"scene": "shot010_lighting.ma", "frames": "1-240"},
        environment={"ARNOLD_PATHMAP": "/mnt/map.json"},
        preparation=JobPreparationSpec(
            command_line="python3 fetch_inputs.py",
            resource_files=(
                ResourceFileSpec(container_url="https://sa/in?sig", blob_prefix="v3/"),
            ),
        ),
    )
    body = job_create_options(spec).as_dict()
    assert body["poolInfo"] == {"poolId": "maya-pool"}
    assert body["constraints"] == {"maxWallClockTime": "PT06H00M00S", "maxTaskRetryCount": 2}
    assert body["onAllTasksComplete"] == "terminatejob"
    assert body["commonEnvironmentSettings"] == [
        {"name": "ARNOLD_PATHMAP", "value": "/mnt/map.json"}
    ]
    prep = body["jobPreparationTask"]
    assert prep["commandLine"] == "python3 fetch_inputs.py"
    assert prep["waitForSuccess"] is True
    assert prep["resourceFiles"] == [
        {"storageContainerUrl": "https://sa/in?sig", "blobPrefix": "v3/"}
    ]
    assert metadata_dict(job_create_options(spec).metadata) == {
        "scene": "shot010_lighting.ma",
        "frames": "1-240",
    }


def test_a_job_with_an_auto_pool_lives_and_dies_with_the_job():
    spec = JobSpec(id="shot010", auto_pool=ubuntu_pool("shot010-pool", spot_nodes=4))
    info = job_create_options(spec).as_dict()["poolInfo"]
    auto = info["autoPoolSpecification"]
    assert auto["poolLifetimeOption"] == "job"
    assert auto["keepAlive"] is False
    assert auto["autoPoolIdPrefix"] == "shot010-pool"
    assert auto["pool"]["targetLowPriorityNodes"] == 4
    assert auto["pool"]["vmSize"] == "standard_d4s_v5"
    assert "poolId" not in info


def test_a_job_needs_exactly_one_of_pool_and_auto_pool():
    with pytest.raises(ValueError, match="exactly one"):
        JobSpec(id="j")
    with pytest.raises(ValueError, match="exactly one"):
        JobSpec(id="j", pool_id="p", auto_pool=ubuntu_pool())


def test_a_task_with_inputs_outputs_and_limits():
    spec = TaskSpec(
        id="frame-0001",
        command_line="render -s 1 -e 1 scene.ma",
        resource_files=(ResourceFileSpec(http_url="https://x/render.py", file_path="render.py"),),
        output_files=(
            OutputFileSpec(
                pattern="images/**/*.exr", container_url="https://sa/out?sig", path="v3"
            ),
        ),
        required_slots=2,
        max_wall_clock_time=timedelta(minutes=30),
        max_retries=1,
    )
    body = task_create_options(spec).as_dict()
    assert body["requiredSlots"] == 2
    assert body["constraints"] == {"maxWallClockTime": "PT30M00S", "maxTaskRetryCount": 1}
    assert body["resourceFiles"] == [{"httpUrl": "https://x/render.py", "filePath": "render.py"}]
    assert body["outputFiles"] == [
        {
            "filePattern": "images/**/*.exr",
            "destination": {"container": {"containerUrl": "https://sa/out?sig", "path": "v3"}},
            "uploadOptions": {"uploadCondition": "taskcompletion"},
        }
    ]
    assert "userIdentity" not in body


def test_a_resource_file_is_either_a_url_or_a_container():
    with pytest.raises(ValueError):
        ResourceFileSpec(file_path="x")
    with pytest.raises(ValueError):
        ResourceFileSpec(http_url="https://x", container_url="https://y")


def test_tasks_on_an_existing_container_pool_name_its_first_image():
    from azure.batch import models

    from azure_batch_maya.services.batch import TaskContainer, container_settings
    from azure_batch_maya.services.pools import ContainerPoolError, task_container_for

    image = ContainerImage("reg.io/maya:2026", UBUNTU, ContainerRegistry("reg.io", "u", "p"))
    wire = pool_create_options(ubuntu_pool(image=image)).as_dict()
    pool = models.BatchPool({"id": "c", **wire})  # as the service returns it
    container = task_container_for(pool)
    assert container == TaskContainer("reg.io/maya:2026")
    settings = container_settings(container)
    assert settings is not None
    assert settings.as_dict() == {
        "imageName": "reg.io/maya:2026",
        "workingDirectory": "taskWorkingDirectory",
    }
    assert (
        task_container_for(models.BatchPool(pool_create_options(ubuntu_pool()).as_dict())) is None
    )
    wire["virtualMachineConfiguration"]["containerConfiguration"]["containerImageNames"] = []
    with pytest.raises(ContainerPoolError, match="--container-image"):
        task_container_for(models.BatchPool({"id": "c", **wire}))
