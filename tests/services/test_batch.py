"""Batch: specs become the SDK's models (pure), and the verbs work over HTTP on the local pool."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest

from azure_batch_maya.services.batch import (
    ContainerImage,
    CustomImage,
    JobPreparationSpec,
    JobSpec,
    MarketplaceImage,
    OutputFileSpec,
    PoolSpec,
    ResourceFileSpec,
    StartTaskSpec,
    TaskSpec,
    begin_delete_job,
    begin_delete_pool,
    begin_resize_pool,
    begin_terminate_job,
    check_batch_account,
    create_job,
    create_pool,
    create_tasks,
    download_task_file,
    get_job,
    get_pool,
    get_task_counts,
    job_create_options,
    list_jobs,
    list_nodes,
    list_pools,
    list_task_files,
    list_tasks,
    metadata_dict,
    pool_create_options,
    pool_exists,
    read_task_file,
    submit_job,
    task_create_options,
)
from azure_batch_maya.services.clients import ClientOptions, create_batch_client
from azure_batch_maya.services.errors import (
    AlreadyExistsError,
    AuthenticationError,
    NotFoundError,
    TransferCancelledError,
)
from azure_batch_maya.services.settings import Secrets, ServiceSettings

UBUNTU = MarketplaceImage(
    publisher="canonical",
    offer="ubuntu-24_04-lts",
    sku="server",
    node_agent_sku_id="batch.node.ubuntu 24.04",
)


def ubuntu_pool(pool_id: str = "maya-pool", **overrides) -> PoolSpec:
    values = {"id": pool_id, "vm_size": "standard_d4s_v5", "image": UBUNTU, **overrides}
    return PoolSpec(**values)


# Pure conversions --------------------------------------------------------------------------


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
        registry_server="myregistry.azurecr.io",
        registry_username="puller",
        registry_password="s3cret",
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


# End to end on the local pool -----------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(local_pool):
    settings = ServiceSettings(batch_url=local_pool.url, batch_account=local_pool.account_name)
    return create_batch_client(
        settings, Secrets(batch_key=local_pool.account_key), options=ClientOptions(retry_total=2)
    )


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_the_local_pool_answers_and_accepts_the_key(batch):
    check_batch_account(batch)


def test_a_wrong_key_is_refused_by_the_local_pool(local_pool):
    settings = ServiceSettings(batch_url=local_pool.url, batch_account=local_pool.account_name)
    wrong = create_batch_client(
        settings, Secrets(batch_key="d3Jvbmc="), options=ClientOptions(retry_total=0)
    )
    with pytest.raises(AuthenticationError) as refused:
        check_batch_account(wrong)
    assert refused.value.code == "AuthenticationFailed"
    assert "Config tab" in refused.value.message


def test_pools_are_created_found_resized_listed_and_deleted(batch):
    pool_id = unique("pool")
    assert pool_exists(batch, pool_id) is False
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=1, metadata={"kind": "test"}))
    with pytest.raises(AlreadyExistsError):
        create_pool(batch, ubuntu_pool(pool_id))
    assert pool_exists(batch, pool_id) is True
    pool = get_pool(batch, pool_id)
    assert pool.target_dedicated_nodes == 1
    assert metadata_dict(pool.metadata) == {"kind": "test"}

    begin_resize_pool(batch, pool_id, dedicated_nodes=2, polling_interval=1).wait(timeout=30)
    assert get_pool(batch, pool_id).target_dedicated_nodes == 2
    nodes = list_nodes(batch, pool_id, select=["id", "state", "isDedicated"])
    assert len(nodes) == 2
    assert all(node.is_dedicated for node in nodes)

    listed = list_pools(batch, filter=f"id eq '{pool_id}'", select=["id", "state"])
    assert [p.id for p in listed] == [pool_id]
    assert listed[0].vm_size is None

    begin_delete_pool(batch, pool_id, polling_interval=1).wait(timeout=30)
    assert pool_exists(batch, pool_id) is False
    with pytest.raises(NotFoundError):
        get_pool(batch, pool_id)


PREPARE = "open('prepared.txt', 'w').write('inputs ready')"
RENDER = (
    "import os; p = os.path.join(os.environ['AZ_BATCH_JOB_PREP_WORKING_DIR'], 'prepared.txt'); "
    "print(open(p).read() + ', frame"
)


def test_a_job_with_preparation_runs_its_tasks_and_their_files_come_home(batch, tmp_path):
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=1, task_slots_per_node=4))
    python = "python3" if not __import__("sys").platform.startswith("win") else "python"
    job = JobSpec(
        id=job_id,
        pool_id=pool_id,
        metadata={"scene": "shot010.ma"},
        preparation=JobPreparationSpec(command_line=f'{python} -c "{PREPARE}"'),
    )
    tasks = [
        TaskSpec(id=f"frame-{i:04d}", command_line=f'{python} -c "{RENDER} {i}\')"')
        for i in range(1, 9)
    ]
    assert submit_job(batch, job, tasks, max_concurrency=2) == 8

    counts = wait_for(
        lambda: (c := get_task_counts(batch, job_id)).completed == 8 and c, timeout=60
    )
    assert counts.succeeded == 8
    assert counts.done
    assert wait_for(lambda: get_job(batch, job_id, select=["state"]).state == "completed")

    listed = list_tasks(batch, job_id, filter="state eq 'completed'", select=["id", "state"])
    assert len(listed) == 8
    assert listed[0].command_line is None

    jobs = list_jobs(batch, filter=f"id eq '{job_id}'", select=["id", "metadata"])
    assert metadata_dict(jobs[0].metadata) == {"scene": "shot010.ma"}

    names = {f.name for f in list_task_files(batch, job_id, "frame-0007")}
    assert {"stdout.txt", "stderr.txt"} <= names
    assert (
        read_task_file(batch, job_id, "frame-0007", "stdout.txt").strip()
        == b"inputs ready, frame 7"
    )
    target = tmp_path / "logs" / "frame-0007.stdout.txt"
    size = download_task_file(batch, job_id, "frame-0007", "stdout.txt", target)
    assert target.read_bytes().strip() == b"inputs ready, frame 7"
    assert size == target.stat().st_size

    cancel = threading.Event()
    cancel.set()
    with pytest.raises(TransferCancelledError):
        download_task_file(
            batch, job_id, "frame-0008", "stdout.txt", tmp_path / "f8.txt", cancel=cancel
        )
    assert not (tmp_path / "f8.txt").exists()
    assert not (tmp_path / "f8.txt.part").exists()

    begin_delete_job(batch, job_id, polling_interval=1).wait(timeout=30)
    with pytest.raises(NotFoundError):
        get_job(batch, job_id)
    begin_delete_pool(batch, pool_id, polling_interval=1).wait(timeout=30)


def test_a_terminated_job_completes_with_its_reason(batch):
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=0))
    create_job(batch, JobSpec(id=job_id, pool_id=pool_id, terminate_when_tasks_complete=False))
    begin_terminate_job(batch, job_id, reason="cancelled by user", polling_interval=1).wait(30)
    job = get_job(batch, job_id)
    assert job.state == "completed"
    assert job.execution_info is not None
    assert job.execution_info.termination_reason == "cancelled by user"
    begin_delete_job(batch, job_id, polling_interval=1).wait(timeout=30)
    begin_delete_pool(batch, pool_id, polling_interval=1).wait(timeout=30)


def test_250_tasks_go_in_three_requests_and_wait_on_an_empty_pool(local_pool):
    requests: list[str] = []
    settings = ServiceSettings(batch_url=local_pool.url, batch_account=local_pool.account_name)
    batch = create_batch_client(
        settings,
        Secrets(batch_key=local_pool.account_key),
        raw_request_hook=lambda request: requests.append(request.http_request.url),
    )
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=0))
    tasks = [TaskSpec(id=f"frame-{i:04d}", command_line="render") for i in range(250)]
    assert submit_job(batch, JobSpec(id=job_id, pool_id=pool_id), tasks, max_concurrency=3) == 250
    assert sum("/addtaskcollection" in url for url in requests) == 3
    counts = get_task_counts(batch, job_id)
    assert (counts.active, counts.running, counts.completed) == (250, 0, 0)
    assert get_job(batch, job_id, select=["state"]).state == "active"
    with pytest.raises(AlreadyExistsError):
        submit_job(batch, JobSpec(id=job_id, pool_id=pool_id), tasks)
    assert create_tasks(batch, job_id, tasks) == 250
    assert get_task_counts(batch, job_id).active == 250
    begin_delete_job(batch, job_id, polling_interval=1).wait(timeout=30)
    begin_delete_pool(batch, pool_id, polling_interval=1).wait(timeout=30)
