"""A render job, built by pure functions: scene + asset project + settings + storage URLs.

`build_job` returns a `RenderJob`: the service layer's job and task specs (so `services.batch.
submit_job` sends it as is), the new persistent pool to create first when one was asked for,
and the render plan every task reads on its node. Nothing here touches the network or disk
except `export_job`, which writes the job as JSON for `--export DIR`.

On the node: the job preparation task fetches the shipped code, the plan and the manifest as
resource files into `<prep>/azbm/`, then runs `fetch` to place the asset project's files under
`<prep>/assets/` in the node layout; each task runs `render TASK_ID`, which renders into its
working folder's `images/`; images, stdout and stderr are uploaded when the task completes,
failed or not, so the frames a failed task did write are never lost.

The route to Maya on the nodes is the image (docs/azure.md): a custom image has it; a
marketplace image gets it from the pool's start task (install at node start); a container
pool runs every task, the preparation included, in the container image, where Batch maps
AZ_BATCH_NODE_ROOT_DIR at the same path, so the fetched inputs are where the plan says.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from azure.batch import models

from azure_batch_maya import __version__
from azure_batch_maya.assets.project import AssetProject
from azure_batch_maya.node.fetch_inputs import STORE_URL_ENV
from azure_batch_maya.node.imagenames import (
    ImageNameError,
    ImageNaming,
    effective_prefix,
    image_extension,
)
from azure_batch_maya.node.nodemap import ROOT_TOKEN
from azure_batch_maya.node.plan import (
    IMAGES_DIR,
    MANIFEST_FILE,
    PLAN_FILE,
    SHIP_DIR,
    Plan,
    TaskEntry,
)
from azure_batch_maya.render.autoscale import formula as autoscale_formula
from azure_batch_maya.render.commandline import Arg, NodeVar, command_line
from azure_batch_maya.render.pathmap import node_path_of_local
from azure_batch_maya.render.planmapping import plan_mapping
from azure_batch_maya.render.renderers import Renderer, UnsupportedRendererError, renderer_for
from azure_batch_maya.render.scouts import (
    GATE_TASK_ID,
    META_AUTO,
    META_GATE,
    META_REST_FRAMES,
    META_SCOUTS,
    ScoutError,
    check_id_list,
)
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.render.shipping import shipped_files
from azure_batch_maya.render.tasks import (
    RenderTask,
    TaskPlanError,
    frame_spec,
    plan_tasks,
    safe_id,
)
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.services.batch import (
    ContainerImage,
    CustomImage,
    JobPreparationSpec,
    JobSpec,
    MarketplaceImage,
    OutputFileSpec,
    PoolSpec,
    ResourceFileSpec,
    TaskSpec,
    job_create_options,
    pool_create_options,
    task_container,
    task_create_options,
)

PREP_DIR_VAR = "AZ_BATCH_JOB_PREP_WORKING_DIR"
REDACTED = "(kept in the OS keyring; not written to files)"
# Python reads and writes UTF-8 whatever the node's locale, so non-ASCII paths survive logs.
NODE_ENVIRONMENT = {"PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}


class JobBuildError(ValueError):
    """The scene and settings cannot make a job; the message says what to change."""


class RouteError(JobBuildError):
    """The chosen route to Maya on the nodes cannot work on Azure as things stand."""


def check_route(settings: SubmitSettings, *, entra: bool, local: bool) -> None:
    """Refuse, before any upload, a pool Azure would refuse or whose nodes would lack Maya.

    Only a pool made for this job is checked: an existing pool already has its image.
    """
    if local or settings.pool.mode == "existing":
        return
    image = settings.image
    host = image.host if isinstance(image, ContainerImage) else image
    if isinstance(host, CustomImage) and host.gallery == "compute" and not entra:
        raise RouteError(
            "a pool from an Azure Compute Gallery image can only be made with an Entra ID "
            "sign-in (Azure refuses account keys for it); sign in with Entra ID on the Config "
            "tab, or submit to an existing pool with --pool ID"
        )
    if (
        isinstance(image, MarketplaceImage)
        and settings.start_task is None
        and not settings.stand_in
    ):
        raise RouteError(
            "a marketplace image has no Maya: install at node start needs your installers "
            "(`azure-batch-maya nodes installers add FILE...`), or choose a custom image or "
            "a container image on the Env tab (docs/azure.md)"
        )


@dataclass(frozen=True)
class JobInputs:
    """Where the job's inputs are, as URLs with their SAS (made by the upload step).

    `plan_url` is where the caller uploads `RenderJob.plan_text` before submitting, and
    `code_urls` where each of `shipping.shipped_files()` was uploaded (by its shipped path).
    """

    store_url: str  # container of content-addressed blobs (read)
    manifest_url: str  # this submission's manifest (read)
    plan_url: str  # this job's plan (read)
    code_urls: Mapping[str, str]  # shipped path → blob URL (read)
    outputs_url: str  # container for images and logs (write)
    outputs_prefix: str | None = None  # blob folder in it; default: the job id


@dataclass(frozen=True)
class RenderJob:
    """Everything to submit: create `new_pool` (if any), then `job` with `tasks`."""

    job: JobSpec
    tasks: tuple[TaskSpec, ...]
    render_tasks: tuple[RenderTask, ...]
    plan: Plan
    renderer: Renderer
    new_pool: PoolSpec | None = None
    outputs_prefix: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def plan_text(self) -> str:
        return self.plan.to_json()


def default_job_id(scene: SceneInfo, now: datetime, suffix: str = "") -> str:
    """Scene, time and (from `app/submit.py`) a random suffix: unique without the user's
    help, even for two submissions of one scene in the same second."""
    tail = f"-{suffix}" if suffix else ""
    return safe_id(f"{Path(scene.scene).stem}-{now:%Y%m%d-%H%M%S}{tail}")


def build_job(
    scene: SceneInfo,
    project: AssetProject,
    settings: SubmitSettings,
    inputs: JobInputs,
    *,
    now: datetime,
) -> RenderJob:
    """The job, its tasks and its plan; raises our errors for anything that cannot render."""
    try:
        renderer = renderer_for(scene.renderer)
    except UnsupportedRendererError as exc:
        raise JobBuildError(str(exc)) from None
    if settings.job_id and safe_id(settings.job_id) != settings.job_id:
        raise JobBuildError(
            f"job id {settings.job_id!r} is not valid for Batch: use up to 64 letters, digits, "
            "hyphens and underscores"
        )
    job_id = settings.job_id or default_job_id(scene, now)
    try:
        render_tasks = plan_tasks(scene, settings)
    except TaskPlanError as exc:
        raise JobBuildError(str(exc)) from None
    try:
        naming = ImageNaming(
            effective_prefix(
                scene.image_prefix,
                layers=len(scene.renderable_layers),
                cameras=len(scene.renderable_cameras),
            ),
            image_extension(scene.image_format, renderer.default_format),
            settings.padding,
        )
        images = {t.id: task_images(scene, naming, t) for t in render_tasks}
    except ImageNameError as exc:
        raise JobBuildError(str(exc)) from None
    warnings: list[str] = []
    if settings.renderer_options and not settings.render_command:
        raise JobBuildError(
            "renderer options become `Render` flags, which only the Render launcher passes; "
            "set render_command=render_command(renderer, options) or leave the options out"
        )
    try:
        renderer.render_flags(settings.renderer_options)
    except UnsupportedRendererError as exc:
        raise JobBuildError(str(exc)) from None
    plan, plan_warnings = _plan(
        scene, project, settings, renderer, job_id, naming, render_tasks, images
    )
    warnings += plan_warnings
    prefix = (inputs.outputs_prefix or job_id).strip("/")
    pool_spec = _pool_spec(scene, settings, job_id)
    new_pool = pool_spec if settings.pool.mode == "new" else None
    existing = new_pool.id if new_pool is not None else settings.pool.pool_id
    scout_ids = tuple(t.id for t in render_tasks if t.scout)
    gated = bool(scout_ids) and len(scout_ids) < len(render_tasks)
    gate = gate_task(settings, scout_ids) if gated else None
    if gate is not None:
        try:
            check_id_list(scout_ids)
        except ScoutError as exc:
            raise JobBuildError(str(exc)) from None
    job = JobSpec(
        id=job_id,
        pool_id=existing if settings.pool.mode != "auto" else None,
        auto_pool=pool_spec if settings.pool.mode == "auto" else None,
        display_name=f"{Path(scene.scene).name} ({renderer.label})",
        priority=settings.priority,
        max_wall_clock_time=settings.job_time_limit,
        max_task_retry_count=settings.max_task_retries,
        preparation=_preparation(settings, inputs),
        environment={
            **NODE_ENVIRONMENT,
            **renderer.environment,
            **settings.licences.environment(),
            **settings.environment,
        },
        metadata={
            **_metadata(scene, project, settings, renderer),
            **(scout_metadata(settings, render_tasks, gate) if gate is not None else {}),
        },
        terminate_when_tasks_complete=True,
        uses_task_dependencies=gate is not None,
    )
    tasks = tuple(_task(t, settings, inputs, prefix, gated=gated) for t in render_tasks)
    if gate is not None and settings.scout is not None and settings.scout.auto:
        tasks += (gate,)
    return RenderJob(job, tasks, render_tasks, plan, renderer, new_pool, prefix, tuple(warnings))


def task_images(scene: SceneInfo, naming: ImageNaming, task: RenderTask) -> tuple[str, ...]:
    """The images a task must leave, relative to its images folder. `<RenderLayer>` is the
    layer's shown name (`beauty` for Render Setup's `rs_beauty`, docs/rendering.md)."""
    stem = Path(scene.scene).stem
    shown = {layer.name: layer.display_name for layer in scene.layers}
    return tuple(
        naming.name(scene=stem, layer=shown.get(layer, layer), camera=camera, frame=frame)
        for layer in task.layers
        for camera in task.cameras
        for frame in task.frames
    )


def node_python(settings: SubmitSettings) -> Arg:
    """The interpreter tasks start: the setting, else mayapy (or python for the stand-in)."""
    if settings.node_python:
        return settings.node_python
    if settings.stand_in:
        return "python3" if settings.node_os == "linux" else "python"
    return "mayapy" if settings.node_os == "linux" else "mayapy.exe"


def render_arguments(task_id: str, settings: SubmitSettings) -> list[Arg]:
    args: list[Arg] = [node_python(settings), NodeVar(PREP_DIR_VAR, f"/{SHIP_DIR}")]
    args += ["render", task_id]
    if settings.stand_in:
        args.append("--stand-in")
    return args


def to_batch_models(
    job: RenderJob,
) -> tuple[models.BatchJobCreateOptions, list[models.BatchTaskCreateOptions]]:
    """The SDK's create-job body and create-task bodies.

    The job ends when all its tasks complete; send it with `services.jobs.submit_job` (or
    create it without that and set it after adding the tasks), or it ends after the first.
    """
    return job_create_options(job.job), [task_create_options(t) for t in job.tasks]


def export_job(job: RenderJob, folder: Path) -> list[Path]:
    """Write `job.json`, `tasks.json`, `plan.json` (and `pool.json` for a new pool)."""
    folder.mkdir(parents=True, exist_ok=True)
    job_model, task_models = to_batch_models(job)
    documents: dict[str, Any] = {
        "job.json": _wire(job_model),
        "tasks.json": [_wire(t) for t in task_models],
    }
    if job.new_pool is not None:
        documents["pool.json"] = _wire(pool_create_options(job.new_pool))
    written = []
    for name, document in documents.items():
        path = folder / name
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", "utf-8")
        written.append(path)
    plan_path = folder / PLAN_FILE
    plan_path.write_text(job.plan_text, "utf-8")
    written.append(plan_path)
    return written


def _wire(model: Any) -> Any:
    """A model as the REST API's JSON (camelCase keys, ISO 8601 durations), with a registry
    password left out: it comes from the keyring and is never written to a file."""
    from azure.batch._utils.model_base import SdkJSONEncoder

    return _redacted(json.loads(json.dumps(model, cls=SdkJSONEncoder, exclude_readonly=True)))


def _redacted(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: REDACTED if k == "password" and v else _redacted(v) for k, v in document.items()}
    if isinstance(document, list):
        return [_redacted(v) for v in document]
    return document


def _plan(
    scene: SceneInfo,
    project: AssetProject,
    settings: SubmitSettings,
    renderer: Renderer,
    job_id: str,
    naming: ImageNaming,
    render_tasks: tuple[RenderTask, ...],
    images: dict[str, tuple[str, ...]],
) -> tuple[Plan, list[str]]:
    mapping = plan_mapping(project, settings.node_os, renderer)
    plan = Plan(
        job_id=job_id,
        scene=node_path_of_local(scene.scene, ROOT_TOKEN),
        renderer=scene.renderer,
        naming=naming,
        pathmap=mapping.pathmap,
        tasks={
            t.id: TaskEntry(t.id, t.frames, t.layers, t.cameras, images[t.id]) for t in render_tasks
        },
        plugins=(renderer.plugin,) if renderer.plugin else (),
        path_files=mapping.path_files,
        command=tuple(settings.render_command) or None,
        renderer_options=dict(settings.renderer_options),
        prefix_plug=renderer.prefix_plug,
    )
    return plan, list(mapping.warnings)


def _preparation(settings: SubmitSettings, inputs: JobInputs) -> JobPreparationSpec:
    files = [
        ResourceFileSpec(file_path=f"{SHIP_DIR}/{MANIFEST_FILE}", http_url=inputs.manifest_url),
        ResourceFileSpec(file_path=f"{SHIP_DIR}/{PLAN_FILE}", http_url=inputs.plan_url),
    ]
    for rel, _local in shipped_files():
        url = inputs.code_urls.get(rel)
        if url is None:
            raise JobBuildError(f"no URL for the node file {rel}; upload shipping.shipped_files()")
        files.append(ResourceFileSpec(file_path=f"{SHIP_DIR}/{rel}", http_url=url))
    args: list[Arg] = [node_python(settings), NodeVar(PREP_DIR_VAR, f"/{SHIP_DIR}"), "fetch"]
    return JobPreparationSpec(
        command_line=command_line(args, settings.node_os),
        environment={**NODE_ENVIRONMENT, STORE_URL_ENV: inputs.store_url},
        resource_files=tuple(files),
        wait_for_success=True,
        max_retries=max(settings.max_task_retries, 0),
        container=task_container(settings.image),
    )


def gate_task(settings: SubmitSettings, scout_ids: tuple[str, ...]) -> TaskSpec:
    """The task the rest depends on: it does nothing, and runs once every scout succeeded.

    Added with the job when the rest starts by itself, else by `jobs release` (the artist's
    go), which rebuilds it from the job's metadata (`gate_from_metadata`).
    """
    args: list[Arg] = [node_python(settings), "-c", "pass"]
    return TaskSpec(
        id=GATE_TASK_ID,
        command_line=command_line(args, settings.node_os),
        display_name="render the rest (after the scout frames)",
        depends_on=scout_ids,
        max_retries=settings.max_task_retries,
        container=task_container(settings.image),  # every task on a container pool names one
    )


def gate_from_metadata(metadata: Mapping[str, str]) -> TaskSpec | None:
    """The gate task of a scouted job, from what `build_job` put in its metadata."""
    scouts, command = metadata.get(META_SCOUTS), metadata.get(META_GATE)
    if not scouts or not command:
        return None
    return TaskSpec(
        id=GATE_TASK_ID,
        command_line=command,
        display_name="render the rest (after the scout frames)",
        depends_on=tuple(scouts.split(",")),
    )


def scout_metadata(
    settings: SubmitSettings, render_tasks: tuple[RenderTask, ...], gate: TaskSpec
) -> dict[str, str]:
    """Which tasks are scouts, how many frames follow, and the gate `jobs release` adds (no
    secret in any)."""
    auto = settings.scout is not None and settings.scout.auto
    return {
        META_SCOUTS: ",".join(gate.depends_on),
        META_GATE: gate.command_line,
        META_AUTO: str(auto),
        META_REST_FRAMES: str(sum(len(t.frames) for t in render_tasks if not t.scout)),
    }


def _task(
    task: RenderTask, settings: SubmitSettings, inputs: JobInputs, prefix: str, *, gated: bool
) -> TaskSpec:
    logs = f"{prefix}/logs/{task.id}"
    outputs = (
        OutputFileSpec(
            f"{IMAGES_DIR}/**/*", inputs.outputs_url, f"{prefix}/{IMAGES_DIR}", "taskcompletion"
        ),
        OutputFileSpec("../stdout.txt", inputs.outputs_url, f"{logs}/stdout.txt", "taskcompletion"),
        OutputFileSpec("../stderr.txt", inputs.outputs_url, f"{logs}/stderr.txt", "taskcompletion"),
    )
    return TaskSpec(
        id=task.id,
        command_line=command_line(render_arguments(task.id, settings), settings.node_os),
        display_name=task.display_name,
        output_files=outputs,
        max_wall_clock_time=settings.task_time_limit,
        max_retries=settings.max_task_retries,
        container=task_container(settings.image),
        depends_on=(GATE_TASK_ID,) if gated and not task.scout else (),
        blocks_dependents_on_failure=gated and task.scout,
    )


def _pool_spec(scene: SceneInfo, settings: SubmitSettings, job_id: str) -> PoolSpec:
    pool_id = settings.pool.pool_id if settings.pool.mode == "new" else None
    return PoolSpec(
        id=pool_id or safe_id(f"azbm-{job_id}"),
        vm_size=settings.vm_size,
        image=settings.image,
        dedicated_nodes=settings.dedicated_nodes,
        spot_nodes=settings.spot_nodes,
        task_slots_per_node=settings.task_slots_per_node,
        display_name=f"azure-batch-maya: {Path(scene.scene).name}",
        metadata={"created_by": f"azure-batch-maya {__version__}"},
        resize_timeout=timedelta(minutes=15),
        start_task=settings.start_task,
        network=settings.network,
        **_autoscale(settings),
    )


def _autoscale(settings: SubmitSettings) -> dict[str, Any]:
    """A new pool with our autoscale formula instead of fixed node counts."""
    plan = settings.autoscale
    if plan is None:
        return {}
    text = autoscale_formula(plan.max_nodes, plan.spot_share, plan.idle_minutes)
    return {"auto_scale_formula": text, "auto_scale_interval": settings.autoscale_interval}


def _metadata(
    scene: SceneInfo,
    project: AssetProject,
    settings: SubmitSettings,
    renderer: Renderer,
) -> dict[str, str]:
    return {
        "scene": Path(scene.scene).name,
        "renderer": renderer.scene_name + (" (stand-in)" if settings.stand_in else ""),
        "frames": str(frame_spec(scene, settings)),
        "project": project.name,
        "created_by": f"azure-batch-maya {__version__}",
    }
