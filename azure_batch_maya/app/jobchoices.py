"""One job's choices, and the one function that makes them a `SubmitSettings`.

The Submit tab and `submit` both fill a `JobChoices` and call `build_settings` with the Env
settings and the studio presets, so a job is the same whichever side sent it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import timedelta

from azure_batch_maya.render.autoscale import DEFAULT_IDLE_MINUTES, AutoscaleError, plan_for
from azure_batch_maya.render.pathmap import NodeOS
from azure_batch_maya.render.scouts import ScoutPlan
from azure_batch_maya.render.settings import PoolChoice, SettingsError, SubmitSettings
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.settings.enforcement import limit_problems, spot_split, studio_env
from azure_batch_maya.settings.env import EnvSettings
from azure_batch_maya.settings.studio import StudioPresets


@dataclass(frozen=True)
class JobChoices:
    """What the artist chose for this job, beyond the Env tab (which says what the nodes are)."""

    frames: str | None = None  # None: the scene's render range
    prefix: str | None = None  # the output prefix for this job only; None: the scene's
    layers: tuple[str, ...] = ()  # only these layers; empty: every renderable one
    chunk_size: int = 1
    split_layers: bool = False
    split_cameras: bool = False
    max_task_retries: int = 2
    priority: int = 0
    job_time_limit_hours: float | None = None
    pool: PoolChoice = field(default_factory=PoolChoice)
    node_os: NodeOS = "linux"
    job_id: str | None = None
    spot_chosen: bool = False  # the artist set the Spot count (else a studio share applies)
    autoscale_max: int = 0  # a new pool that sizes itself up to this many nodes (0: off)
    idle_minutes: float = DEFAULT_IDLE_MINUTES  # ... and empties after this long idle
    autoscale_interval_minutes: float | None = None  # how often Batch evaluates the formula
    scout: ScoutPlan | None = None  # scout frames first (the studio's scout_frames default)


def build_settings(
    choices: JobChoices,
    env: EnvSettings,
    studio: StudioPresets,
    *,
    base: SubmitSettings | None = None,
) -> SubmitSettings:
    """The job's settings: `base` (e.g. the stand-in), the Env tab's (with the studio's locked
    values), these choices, the studio's Spot share. SettingsError says what to change; the
    studio's limits are not checked here (`limit_problems`), so a tab can list them."""
    base = base or SubmitSettings()
    from_env = studio_env(env, studio, chosen={f.name for f in fields(env)}).submit_fields()
    from_env["environment"] = {**base.environment, **from_env["environment"]}
    limit = choices.job_time_limit_hours
    settings = replace(
        base,
        frames=choices.frames,
        layers=choices.layers,
        chunk_size=choices.chunk_size,
        split_layers=choices.split_layers,
        split_cameras=choices.split_cameras,
        max_task_retries=choices.max_task_retries,
        priority=choices.priority,
        job_time_limit=timedelta(hours=limit) if limit else None,
        pool=choices.pool,
        node_os=choices.node_os,
        job_id=choices.job_id,
        scout=choices.scout,
        **from_env,
    )
    settings = spot_split(settings, studio, chosen=choices.spot_chosen)
    if choices.autoscale_max > 0:
        settings = _autoscaled(settings, choices)
    return settings


def _autoscaled(settings: SubmitSettings, choices: JobChoices) -> SubmitSettings:
    """Our formula's plan for a pool of up to `autoscale_max` nodes, split by the Spot share the
    node counts mean; the counts become that most (what the estimate prices)."""
    try:
        plan, dedicated, spot = plan_for(
            choices.autoscale_max,
            choices.idle_minutes,
            dedicated_nodes=settings.dedicated_nodes,
            spot_nodes=settings.spot_nodes,
        )
    except AutoscaleError as exc:
        raise SettingsError(str(exc)) from None
    interval = choices.autoscale_interval_minutes
    return replace(
        settings,
        autoscale=plan,
        dedicated_nodes=dedicated,
        spot_nodes=spot,
        autoscale_interval=(
            timedelta(minutes=interval) if interval is not None else settings.autoscale_interval
        ),
    )


def check_limits(settings: SubmitSettings, studio: StudioPresets) -> None:
    """Raise SettingsError naming the first studio limit these settings break."""
    problems = limit_problems(settings, studio)
    if problems:
        raise SettingsError(problems[0])


def scene_for_job(scene: SceneInfo, choices: JobChoices) -> SceneInfo:
    """The scene as this job sees it: the prefix override, never written to the file."""
    if choices.prefix is None or not choices.prefix.strip():
        return scene
    return replace(scene, image_prefix=choices.prefix.strip())
