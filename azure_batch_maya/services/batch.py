"""Batch as the product uses it: pools, jobs, tasks and task files over azure-batch 15.

Specifications are frozen dataclasses; `*_options` functions turn them into SDK models (pure, so
job building is testable without a service) and the verbs call the service, turning SDK errors
into ours. Long operations return an `Operation` to wait on, as the SDK's `begin_*` pollers do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from azure.batch import BatchClient, models

# The SDK's own terminate signature names this model, which its `models` does not export.
from azure.batch.models._models import BatchJobTerminateOptions
from azure.core.credentials import AzureNamedKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.polling import LROPoller

from azure_batch_maya.services.errors import (
    TaskSubmissionError,
    TransferCancelledError,
    service_call,
)

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
TASKS_PER_REQUEST = 100
TASK_SUBMISSION_ROUNDS = 3
TASK_RETRY_BACKOFF = 1.0


# Images ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketplaceImage:
    """A marketplace image (e.g. Ubuntu 24.04) whose start task installs Maya."""

    publisher: str
    offer: str
    sku: str
    node_agent_sku_id: str
    version: str = "latest"


@dataclass(frozen=True)
class CustomImage:
    """An image with Maya baked in, from an Azure Compute Gallery (or a shared/community one)."""

    image_id: str
    node_agent_sku_id: str
    gallery: Literal["compute", "shared", "community"] = "compute"


@dataclass(frozen=True)
class ContainerImage:
    """Tasks run in this container image on a container-capable host image."""

    image: str
    host: MarketplaceImage | CustomImage
    registry_server: str | None = None
    registry_username: str | None = None
    registry_password: str | None = field(default=None, repr=False)


ImageSpec = MarketplaceImage | CustomImage | ContainerImage


# Files -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceFileSpec:
    """A file (an HTTP URL) or blobs (a container SAS URL and prefix) a task fetches first."""

    file_path: str | None = None
    http_url: str | None = None
    container_url: str | None = None
    blob_prefix: str | None = None

    def __post_init__(self) -> None:
        if (self.http_url is None) == (self.container_url is None):
            raise ValueError("a resource file needs exactly one of http_url and container_url")


@dataclass(frozen=True)
class OutputFileSpec:
    """Files matching `pattern` uploaded to a container SAS URL (under `path`) when a task ends."""

    pattern: str
    container_url: str
    path: str | None = None
    upload_condition: Literal["taskcompletion", "tasksuccess", "taskfailure"] = "taskcompletion"


# Pools -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StartTaskSpec:
    """Runs on every node as it joins the pool (installs Maya on a marketplace image)."""

    command_line: str
    environment: Mapping[str, str] = field(default_factory=dict)
    resource_files: tuple[ResourceFileSpec, ...] = ()
    elevated: bool = True
    wait_for_success: bool = True
    max_retries: int = 1


@dataclass(frozen=True)
class PoolSpec:
    """A pool of nodes: dedicated, Spot (the API's low-priority) or both, and task slots each."""

    id: str
    vm_size: str
    image: ImageSpec
    dedicated_nodes: int = 0
    spot_nodes: int = 0
    task_slots_per_node: int = 1
    start_task: StartTaskSpec | None = None
    display_name: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    resize_timeout: timedelta | None = None
    node_fill: Literal["spread", "pack"] = "spread"


# Jobs and tasks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobPreparationSpec:
    """Runs once on each node before the job's first task there (fetches the job's inputs)."""

    command_line: str
    environment: Mapping[str, str] = field(default_factory=dict)
    resource_files: tuple[ResourceFileSpec, ...] = ()
    wait_for_success: bool = True
    rerun_on_node_reboot_after_success: bool = False
    max_wall_clock_time: timedelta | None = None
    max_retries: int = 0


@dataclass(frozen=True)
class JobSpec:
    """A job on an existing pool (`pool_id`) or on a pool made for it and deleted after it."""

    id: str
    pool_id: str | None = None
    auto_pool: PoolSpec | None = None
    display_name: str | None = None
    priority: int = 0
    max_wall_clock_time: timedelta | None = None
    max_task_retry_count: int = 0
    preparation: JobPreparationSpec | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)
    terminate_when_tasks_complete: bool = True

    def __post_init__(self) -> None:
        if (self.pool_id is None) == (self.auto_pool is None):
            raise ValueError(f"job {self.id} needs exactly one of pool_id and auto_pool")


@dataclass(frozen=True)
class TaskSpec:
    """One task: usually one frame (or a chunk of frames) of one render layer."""

    id: str
    command_line: str
    display_name: str | None = None
    environment: Mapping[str, str] = field(default_factory=dict)
    resource_files: tuple[ResourceFileSpec, ...] = ()
    output_files: tuple[OutputFileSpec, ...] = ()
    required_slots: int = 1
    max_wall_clock_time: timedelta | None = None
    max_retries: int | None = None
    elevated: bool = False


@dataclass(frozen=True)
class TaskCounts:
    """A job's progress, from one `taskcounts` call rather than listing every task."""

    active: int
    running: int
    completed: int
    succeeded: int
    failed: int

    @property
    def total(self) -> int:
        return self.active + self.running + self.completed

    @property
    def done(self) -> bool:
        return self.active == 0 and self.running == 0


@dataclass(frozen=True)
class TaskFile:
    """A file in a task's directory on its node (`stdout.txt`, `wd/...`)."""

    name: str
    size: int
    is_directory: bool
    url: str | None = None


# Conversions to SDK models (pure) --------------------------------------------------------------


def image_configuration(image: ImageSpec) -> models.VirtualMachineConfiguration:
    """The SDK's VM configuration for an image spec."""
    if isinstance(image, ContainerImage):
        host = image_configuration(image.host)
        registries = None
        if image.registry_server:
            registries = [
                models.ContainerRegistryReference(
                    registry_server=image.registry_server,
                    username=image.registry_username,
                    password=image.registry_password,
                )
            ]
        host.container_configuration = models.BatchContainerConfiguration(
            type=models.ContainerType.DOCKER_COMPATIBLE,
            container_image_names=[image.image],
            container_registries=registries,
        )
        return host
    if isinstance(image, MarketplaceImage):
        reference = models.BatchVmImageReference(
            publisher=image.publisher, offer=image.offer, sku=image.sku, version=image.version
        )
    elif image.gallery == "shared":
        reference = models.BatchVmImageReference(shared_gallery_image_id=image.image_id)
    elif image.gallery == "community":
        reference = models.BatchVmImageReference(community_gallery_image_id=image.image_id)
    else:
        reference = models.BatchVmImageReference(virtual_machine_image_id=image.image_id)
    return models.VirtualMachineConfiguration(
        image_reference=reference, node_agent_sku_id=image.node_agent_sku_id
    )


def resource_file(spec: ResourceFileSpec) -> models.ResourceFile:
    return models.ResourceFile(
        http_url=spec.http_url,
        storage_container_url=spec.container_url,
        blob_prefix=spec.blob_prefix,
        file_path=spec.file_path,
    )


def output_file(spec: OutputFileSpec) -> models.OutputFile:
    return models.OutputFile(
        file_pattern=spec.pattern,
        destination=models.OutputFileDestination(
            container=models.OutputFileBlobContainerDestination(
                container_url=spec.container_url, path=spec.path
            )
        ),
        upload_options=models.OutputFileUploadConfiguration(
            upload_condition=models.OutputFileUploadCondition(spec.upload_condition)
        ),
    )


def start_task(spec: StartTaskSpec) -> models.BatchStartTask:
    return models.BatchStartTask(
        command_line=spec.command_line,
        environment_settings=_environment(spec.environment),
        resource_files=[resource_file(r) for r in spec.resource_files] or None,
        user_identity=_user(elevated=spec.elevated, scope="pool"),
        wait_for_success=spec.wait_for_success,
        max_task_retry_count=spec.max_retries,
    )


def pool_create_options(spec: PoolSpec) -> models.BatchPoolCreateOptions:
    """The SDK's create-pool body for a pool spec."""
    return models.BatchPoolCreateOptions(
        id=spec.id,
        vm_size=spec.vm_size,
        display_name=spec.display_name,
        virtual_machine_configuration=image_configuration(spec.image),
        target_dedicated_nodes=spec.dedicated_nodes,
        target_low_priority_nodes=spec.spot_nodes,
        resize_timeout=spec.resize_timeout,
        task_slots_per_node=spec.task_slots_per_node,
        task_scheduling_policy=_scheduling(spec),
        start_task=start_task(spec.start_task) if spec.start_task else None,
        metadata=_metadata(spec.metadata),
    )


def pool_specification(spec: PoolSpec) -> models.BatchPoolSpecification:
    """The same pool as an auto-pool specification (its id becomes the auto-pool's prefix)."""
    return models.BatchPoolSpecification(
        vm_size=spec.vm_size,
        display_name=spec.display_name,
        virtual_machine_configuration=image_configuration(spec.image),
        target_dedicated_nodes=spec.dedicated_nodes,
        target_low_priority_nodes=spec.spot_nodes,
        resize_timeout=spec.resize_timeout,
        task_slots_per_node=spec.task_slots_per_node,
        task_scheduling_policy=_scheduling(spec),
        start_task=start_task(spec.start_task) if spec.start_task else None,
        metadata=_metadata(spec.metadata),
    )


def job_preparation_task(spec: JobPreparationSpec) -> models.BatchJobPreparationTask:
    return models.BatchJobPreparationTask(
        command_line=spec.command_line,
        environment_settings=_environment(spec.environment),
        resource_files=[resource_file(r) for r in spec.resource_files] or None,
        wait_for_success=spec.wait_for_success,
        rerun_on_node_reboot_after_success=spec.rerun_on_node_reboot_after_success,
        constraints=models.BatchTaskConstraints(
            max_wall_clock_time=spec.max_wall_clock_time, max_task_retry_count=spec.max_retries
        ),
        user_identity=_user(elevated=False, scope="task"),
    )


def job_create_options(spec: JobSpec) -> models.BatchJobCreateOptions:
    """The SDK's create-job body: pool or auto-pool, preparation task, metadata, limits."""
    if spec.auto_pool is not None:
        pool_info = models.BatchPoolInfo(
            auto_pool_specification=models.BatchAutoPoolSpecification(
                auto_pool_id_prefix=spec.auto_pool.id[:20],
                pool_lifetime_option=models.BatchPoolLifetimeOption.JOB,
                keep_alive=False,
                pool=pool_specification(spec.auto_pool),
            )
        )
    else:
        pool_info = models.BatchPoolInfo(pool_id=spec.pool_id)
    return models.BatchJobCreateOptions(
        id=spec.id,
        pool_info=pool_info,
        display_name=spec.display_name,
        priority=spec.priority,
        constraints=models.BatchJobConstraints(
            max_wall_clock_time=spec.max_wall_clock_time,
            max_task_retry_count=spec.max_task_retry_count,
        ),
        job_preparation_task=job_preparation_task(spec.preparation) if spec.preparation else None,
        common_environment_settings=_environment(spec.environment),
        metadata=_metadata(spec.metadata),
        all_tasks_complete_mode=(
            models.BatchAllTasksCompleteMode.TERMINATE_JOB
            if spec.terminate_when_tasks_complete
            else models.BatchAllTasksCompleteMode.NO_ACTION
        ),
    )


def task_create_options(spec: TaskSpec) -> models.BatchTaskCreateOptions:
    """The SDK's create-task body for a task spec."""
    constraints = None
    if spec.max_wall_clock_time is not None or spec.max_retries is not None:
        constraints = models.BatchTaskConstraints(
            max_wall_clock_time=spec.max_wall_clock_time, max_task_retry_count=spec.max_retries
        )
    return models.BatchTaskCreateOptions(
        id=spec.id,
        command_line=spec.command_line,
        display_name=spec.display_name,
        environment_settings=_environment(spec.environment),
        resource_files=[resource_file(r) for r in spec.resource_files] or None,
        output_files=[output_file(o) for o in spec.output_files] or None,
        required_slots=spec.required_slots,
        constraints=constraints,
        user_identity=_user(elevated=spec.elevated, scope="task") if spec.elevated else None,
    )


def metadata_dict(items: Sequence[models.BatchMetadataItem] | None) -> dict[str, str]:
    """A pool's or job's metadata as a plain dict."""
    return {item.name: item.value for item in items or ()}


def _scheduling(spec: PoolSpec) -> models.BatchTaskSchedulingPolicy:
    return models.BatchTaskSchedulingPolicy(node_fill_type=models.BatchNodeFillType(spec.node_fill))


def _environment(values: Mapping[str, str]) -> list[models.EnvironmentSetting] | None:
    return [models.EnvironmentSetting(name=k, value=v) for k, v in values.items()] or None


def _metadata(values: Mapping[str, str]) -> list[models.BatchMetadataItem] | None:
    return [models.BatchMetadataItem(name=k, value=v) for k, v in values.items()] or None


def _user(*, elevated: bool, scope: Literal["pool", "task"]) -> models.UserIdentity:
    return models.UserIdentity(
        auto_user=models.AutoUserSpecification(
            scope=models.AutoUserScope(scope),
            elevation_level=models.ElevationLevel.ADMIN if elevated else None,
        )
    )


# Long operations -------------------------------------------------------------------------------


class Operation:
    """A long Batch operation (resize, delete, terminate) under way; `wait()` raises ours."""

    def __init__(self, poller: LROPoller[None], *, account: str, action: str) -> None:
        self._poller = poller
        self._account = account
        self._action = action

    def done(self) -> bool:
        return self._poller.done()

    def wait(self, timeout: float | None = None) -> None:
        """Block until the operation finished (or `timeout` seconds passed)."""
        with service_call("batch", account=self._account, action=self._action):
            self._poller.result(timeout)


# Pools -----------------------------------------------------------------------------------------


def create_pool(client: BatchClient, spec: PoolSpec) -> None:
    """Create a persistent pool; `AlreadyExistsError` if the id is taken."""
    with _batch(client, f"creating pool {spec.id}"):
        client.create_pool(pool_create_options(spec))
    log.info(
        "created pool %s (%d dedicated, %d Spot)", spec.id, spec.dedicated_nodes, spec.spot_nodes
    )


def get_pool(
    client: BatchClient, pool_id: str, *, select: Sequence[str] | None = None
) -> models.BatchPool:
    """A pool, optionally only the `select`ed properties."""
    with _batch(client, f"getting pool {pool_id}"):
        return client.get_pool(pool_id, select=list(select) if select else None)


def pool_exists(client: BatchClient, pool_id: str) -> bool:
    """Whether the pool exists, asking only for its id.

    azure-batch 15.1.0's own `pool_exists()` raises instead of answering False.
    """
    with _batch(client, f"checking pool {pool_id}"):
        try:
            client.get_pool(pool_id, select=["id"])
        except ResourceNotFoundError:
            return False
    return True


def list_pools(
    client: BatchClient, *, filter: str | None = None, select: Sequence[str] | None = None
) -> list[models.BatchPool]:
    """Pools matching an OData `$filter`, with only the `$select`ed properties if given."""
    with _batch(client, "listing pools"):
        return list(client.list_pools(filter=filter, select=list(select) if select else None))


def begin_resize_pool(
    client: BatchClient,
    pool_id: str,
    *,
    dedicated_nodes: int,
    spot_nodes: int = 0,
    polling_interval: int = 5,
) -> Operation:
    """Start resizing a pool (to 0 between jobs, so idle nodes cost nothing)."""
    options = models.BatchPoolResizeOptions(
        target_dedicated_nodes=dedicated_nodes, target_low_priority_nodes=spot_nodes
    )
    action = f"resizing pool {pool_id}"
    with _batch(client, action):
        poller = client.begin_resize_pool(pool_id, options, polling_interval=polling_interval)
    log.info("resizing pool %s to %d dedicated, %d Spot", pool_id, dedicated_nodes, spot_nodes)
    return Operation(poller, account=_account(client), action=action)


def begin_delete_pool(client: BatchClient, pool_id: str, *, polling_interval: int = 5) -> Operation:
    """Start deleting a pool; waiting ends when the service no longer knows it."""
    action = f"deleting pool {pool_id}"
    with _batch(client, action):
        poller = client.begin_delete_pool(pool_id, polling_interval=polling_interval)
    log.info("deleting pool %s", pool_id)
    return Operation(poller, account=_account(client), action=action)


def list_nodes(
    client: BatchClient, pool_id: str, *, select: Sequence[str] | None = None
) -> list[models.BatchNode]:
    """A pool's nodes (state, Spot or dedicated), `$select`ed if given."""
    with _batch(client, f"listing nodes of pool {pool_id}"):
        return list(client.list_nodes(pool_id, select=list(select) if select else None))


def list_supported_images(client: BatchClient) -> list[models.BatchSupportedImage]:
    """The images and node agents the account offers (pick Ubuntu 24.04 over 22.04)."""
    with _batch(client, "listing supported images"):
        return list(client.list_supported_images())


def check_batch_account(client: BatchClient) -> None:
    """One cheap call that fails with our error unless the account answers and accepts us."""
    with _batch(client, "checking the Batch account"):
        next(iter(client.list_pools(max_results=1, select=["id"])), None)


# Jobs ------------------------------------------------------------------------------------------


def create_job(client: BatchClient, spec: JobSpec) -> None:
    """Create a job on its pool or auto-pool (with tasks to add, `submit_job` is safer)."""
    with _batch(client, f"creating job {spec.id}"):
        client.create_job(job_create_options(spec))
    log.info("created job %s", spec.id)


def update_job(
    client: BatchClient,
    job_id: str,
    *,
    terminate_when_tasks_complete: bool | None = None,
    priority: int | None = None,
) -> None:
    """Change what can change on a running job (leaves other properties as they are)."""
    mode = None
    if terminate_when_tasks_complete is not None:
        mode = (
            models.BatchAllTasksCompleteMode.TERMINATE_JOB
            if terminate_when_tasks_complete
            else models.BatchAllTasksCompleteMode.NO_ACTION
        )
    options = models.BatchJobUpdateOptions(priority=priority, all_tasks_complete_mode=mode)
    with _batch(client, f"updating job {job_id}"):
        client.update_job(job_id, options)


def submit_job(
    client: BatchClient, spec: JobSpec, tasks: Sequence[TaskSpec], *, max_concurrency: int = 4
) -> int:
    """Create a job, add its tasks, and only then let it end when they are all complete.

    Creating it with "terminate when all tasks complete" would end it as soon as the first
    tasks finished while later ones were still being added; the service documents this.
    """
    create_job(client, replace(spec, terminate_when_tasks_complete=False))
    added = create_tasks(client, spec.id, tasks, max_concurrency=max_concurrency)
    if spec.terminate_when_tasks_complete:
        update_job(client, spec.id, terminate_when_tasks_complete=True)
    return added


def get_job(
    client: BatchClient, job_id: str, *, select: Sequence[str] | None = None
) -> models.BatchJob:
    with _batch(client, f"getting job {job_id}"):
        return client.get_job(job_id, select=list(select) if select else None)


def list_jobs(
    client: BatchClient, *, filter: str | None = None, select: Sequence[str] | None = None
) -> list[models.BatchJob]:
    """Jobs matching an OData `$filter` (e.g. "state eq 'active'"), `$select`ed if given."""
    with _batch(client, "listing jobs"):
        return list(client.list_jobs(filter=filter, select=list(select) if select else None))


def begin_terminate_job(
    client: BatchClient, job_id: str, *, reason: str | None = None, polling_interval: int = 5
) -> Operation:
    """Stop a job: running tasks end, active ones never start; its files stay."""
    action = f"terminating job {job_id}"
    options = BatchJobTerminateOptions(termination_reason=reason) if reason else None
    with _batch(client, action):
        poller = client.begin_terminate_job(job_id, options, polling_interval=polling_interval)
    log.info("terminating job %s", job_id)
    return Operation(poller, account=_account(client), action=action)


def begin_delete_job(client: BatchClient, job_id: str, *, polling_interval: int = 5) -> Operation:
    """Delete a job, its tasks and (for an auto-pool job) its pool."""
    action = f"deleting job {job_id}"
    with _batch(client, action):
        poller = client.begin_delete_job(job_id, polling_interval=polling_interval)
    log.info("deleting job %s", job_id)
    return Operation(poller, account=_account(client), action=action)


# Tasks -----------------------------------------------------------------------------------------


def create_tasks(
    client: BatchClient, job_id: str, specs: Sequence[TaskSpec], *, max_concurrency: int = 4
) -> int:
    """Add tasks 100 a request, `max_concurrency` requests at a time; returns how many were added.

    Tasks that already exist count as added, so a cut-off submission can simply be repeated.
    This replaces azure-batch 15.1.0's `create_tasks`, which passes tasks the service refused
    as added (it compares "ClientError" with "clienterror") and loops for ever while the service
    answers 5xx. Retries of each request are still azure-core's.
    """
    account = _account(client)
    action = f"adding {len(specs)} tasks to job {job_id}"
    pending = [task_create_options(spec) for spec in specs]
    added = 0
    for round_ in range(TASK_SUBMISSION_ROUNDS):
        if round_:
            time.sleep(TASK_RETRY_BACKOFF * round_)
        chunks = [
            pending[i : i + TASKS_PER_REQUEST] for i in range(0, len(pending), TASKS_PER_REQUEST)
        ]
        if not chunks:
            break
        workers = max(1, min(max_concurrency, len(chunks)))
        with (
            service_call("batch", account=account, action=action),
            ThreadPoolExecutor(max_workers=workers) as pool,
        ):
            outcomes = list(pool.map(lambda c: _add_chunk(client, job_id, c), chunks))
        refused = [r for outcome in outcomes for r in outcome.refused]
        if refused:
            raise _refused_tasks(refused, action=action)
        added += sum(outcome.added for outcome in outcomes)
        pending = [task for outcome in outcomes for task in outcome.retry]
    if pending:
        raise TaskSubmissionError(
            "ServerError",
            f"{action[:1].upper()}{action[1:]} failed: the service could not add "
            f"{len(pending)} tasks after {TASK_SUBMISSION_ROUNDS} tries; submit the job again "
            "later (tasks already added are kept)",
            tuple(task.id for task in pending),
        )
    log.info("added %d tasks to job %s", added, job_id)
    return added


@dataclass(frozen=True)
class _ChunkOutcome:
    added: int
    retry: list[models.BatchTaskCreateOptions]
    refused: list[models.BatchTaskCreateResult]


def _add_chunk(
    client: BatchClient, job_id: str, chunk: list[models.BatchTaskCreateOptions]
) -> _ChunkOutcome:
    try:
        result = client.create_task_collection(job_id, models.BatchTaskGroup(task_values=chunk))
    except HttpResponseError as error:
        too_large = error.error is not None and error.error.code == "RequestBodyTooLarge"
        if not too_large or len(chunk) == 1:
            raise
        half = len(chunk) // 2
        first, second = (
            _add_chunk(client, job_id, chunk[:half]),
            _add_chunk(client, job_id, chunk[half:]),
        )
        return _ChunkOutcome(
            first.added + second.added, first.retry + second.retry, first.refused + second.refused
        )
    by_id = {task.id: task for task in chunk}
    added, retry, refused = 0, [], []
    for outcome in result.result_values or []:
        status = str(getattr(outcome.status, "value", outcome.status)).lower()
        code = outcome.error.code if outcome.error else None
        if status == models.BatchTaskAddStatus.SUCCESS.value or code == "TaskExists":
            added += 1
        elif status == models.BatchTaskAddStatus.SERVER_ERROR.value and outcome.task_id in by_id:
            retry.append(by_id[outcome.task_id])
        else:
            refused.append(outcome)
    return _ChunkOutcome(added, retry, refused)


def _refused_tasks(
    refused: list[models.BatchTaskCreateResult], *, action: str
) -> TaskSubmissionError:
    codes = sorted({r.error.code for r in refused if r.error and r.error.code})
    said = next((r.error.message.value for r in refused if r.error and r.error.message), None)
    detail = f"{', '.join(codes)}: {said}" if said else ", ".join(codes) or "no reason given"
    return TaskSubmissionError(
        codes[0] if codes else "TaskRefused",
        f"{action[:1].upper()}{action[1:]} failed: the service refused {len(refused)} tasks "
        f"({detail}); fix the job settings and submit again (tasks already added are kept)",
        tuple(r.task_id for r in refused if r.task_id),
    )


def list_tasks(
    client: BatchClient,
    job_id: str,
    *,
    filter: str | None = None,
    select: Sequence[str] | None = None,
) -> list[models.BatchTask]:
    """A job's tasks matching an OData `$filter`, with only the `$select`ed properties if given."""
    with _batch(client, f"listing tasks of job {job_id}"):
        return list(
            client.list_tasks(job_id, filter=filter, select=list(select) if select else None)
        )


def get_task_counts(client: BatchClient, job_id: str) -> TaskCounts:
    """A job's progress in one call."""
    with _batch(client, f"getting the progress of job {job_id}"):
        counts = client.get_job_task_counts(job_id).task_counts
    return TaskCounts(
        active=counts.active,
        running=counts.running,
        completed=counts.completed,
        succeeded=counts.succeeded,
        failed=counts.failed,
    )


# Task files ------------------------------------------------------------------------------------


def list_task_files(
    client: BatchClient, job_id: str, task_id: str, *, recursive: bool = True
) -> list[TaskFile]:
    """The files in a task's directory on its node (names use the node's separators)."""
    with _batch(client, f"listing files of task {task_id} in job {job_id}"):
        files = list(client.list_task_files(job_id, task_id, recursive=recursive))
    return [
        TaskFile(
            name=f.name or "",
            size=int(f.properties.content_length) if f.properties else 0,
            is_directory=bool(f.is_directory),
            url=f.url,
        )
        for f in files
    ]


def download_task_file(
    client: BatchClient,
    job_id: str,
    task_id: str,
    file_path: str,
    destination: Path,
    *,
    progress: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> int:
    """Save a task's file (`stdout.txt`, `stderr.txt`, `wd/...`) through `destination.part`.

    Returns the size; a cancelled or failed download leaves no file under either name.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(destination.name + PART_SUFFIX)
    done = 0
    try:
        with _batch(client, f"downloading {file_path} of task {task_id}"), part.open("wb") as f:
            for chunk in client.download_task_file(job_id, task_id, file_path):
                if cancel is not None and cancel.is_set():
                    raise TransferCancelledError(
                        "Cancelled", f"The download of {file_path} of task {task_id} was cancelled"
                    )
                f.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done)
        part.replace(destination)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return done


def read_task_file(client: BatchClient, job_id: str, task_id: str, file_path: str) -> bytes:
    """A small task file's bytes (a log to show in the UI)."""
    with _batch(client, f"reading {file_path} of task {task_id}"):
        return b"".join(client.download_task_file(job_id, task_id, file_path))


# Helpers ---------------------------------------------------------------------------------------


def _batch(client: BatchClient, action: str) -> AbstractContextManager[None]:
    return service_call("batch", account=_account(client), action=action)


def _account(client: BatchClient) -> str:
    """The account name for messages: the shared key's, else the endpoint's first label."""
    config = getattr(client, "_config", None)
    credential = getattr(config, "credential", None)
    if isinstance(credential, AzureNamedKeyCredential):
        return credential.named_key.name
    parts = urlsplit(str(getattr(config, "endpoint", "") or ""))
    host = parts.hostname or ""
    if host.endswith(".batch.azure.com"):
        return host.split(".", 1)[0]
    return parts.netloc
