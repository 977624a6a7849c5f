"""Pool, job and task specifications, and their conversion to azure-batch 15's models.

Specs are frozen dataclasses the render layer fills in; the `*_options` functions are pure, so
job building is testable without a service. The verbs that send them live in `pools`, `jobs`
and `tasks`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from azure.batch import models

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
    # With a formula, Batch sizes the pool (node counts are then not sent, as it requires).
    auto_scale_formula: str | None = None
    auto_scale_interval: timedelta | None = None


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
    uses_task_dependencies: bool = False  # tasks may name others in `depends_on`

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
    depends_on: tuple[str, ...] = ()  # task ids that must succeed first (job: dependencies on)
    blocks_dependents_on_failure: bool = False  # explicit `dependencyAction: block` on failure


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
    return models.BatchPoolCreateOptions(id=spec.id, **_pool_fields(spec))


def pool_specification(spec: PoolSpec) -> models.BatchPoolSpecification:
    """The same pool as an auto-pool specification (its id becomes the auto-pool's prefix)."""
    return models.BatchPoolSpecification(**_pool_fields(spec))


def _pool_fields(spec: PoolSpec) -> dict[str, Any]:
    """What a pool and an auto-pool specification share: everything but the pool's id."""
    autoscale = spec.auto_scale_formula is not None
    return {
        "vm_size": spec.vm_size,
        "display_name": spec.display_name,
        "virtual_machine_configuration": image_configuration(spec.image),
        "target_dedicated_nodes": None if autoscale else spec.dedicated_nodes,
        "target_low_priority_nodes": None if autoscale else spec.spot_nodes,
        "enable_auto_scale": True if autoscale else None,
        "auto_scale_formula": spec.auto_scale_formula,
        "auto_scale_evaluation_interval": spec.auto_scale_interval if autoscale else None,
        "resize_timeout": spec.resize_timeout,
        "task_slots_per_node": spec.task_slots_per_node,
        "task_scheduling_policy": _scheduling(spec),
        "start_task": start_task(spec.start_task) if spec.start_task else None,
        "metadata": _metadata(spec.metadata),
    }


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
        uses_task_dependencies=spec.uses_task_dependencies or None,
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
        depends_on=(
            models.BatchTaskDependencies(task_ids=list(spec.depends_on))
            if spec.depends_on
            else None
        ),
        exit_conditions=_blocking() if spec.blocks_dependents_on_failure else None,
    )


def _blocking() -> models.ExitConditions:
    """Any failure (exit code, inputs, upload) blocks the task's dependents; success satisfies."""
    block = models.ExitOptions(dependency_action=models.DependencyAction.BLOCK)
    return models.ExitConditions(pre_processing_error=block, file_upload_error=block, default=block)


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
