"""The Submit tab: pool, renderer, frames, layers, the validation list, the estimate, Submit.

Frames, step and output prefix start from the scene's render settings and can be changed for
this job only: the scene file is never edited. The Env tab's choices (image, VM size, nodes,
licences, variables) come from the `EnvController`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from azure_batch_maya import submission
from azure_batch_maya.assets.frames import FrameSpec, FrameSpecError, parse_frames
from azure_batch_maya.assets.validation import Finding, has_errors, validate
from azure_batch_maya.controllers.assets import AssetsController
from azure_batch_maya.controllers.env import EnvController
from azure_batch_maya.controllers.events import Event
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.quotacheck import check_quotas
from azure_batch_maya.render import prices
from azure_batch_maya.render.autoscale import DEFAULT_IDLE_MINUTES, AutoscaleError, plan_for
from azure_batch_maya.render.cost import CostEstimate
from azure_batch_maya.render.renderers import RENDERERS, supported_text
from azure_batch_maya.render.settings import (
    POOL_MODES,
    PoolChoice,
    PoolMode,
    SettingsError,
    SubmitSettings,
)
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.services import pools
from azure_batch_maya.services.storage import Progress

POOL_MODE_LABELS: dict[PoolMode, str] = {
    "auto": "Auto-pool for this job (deleted with it)",
    "existing": "An existing pool",
    "new": "A new persistent pool (resize it to 0 between jobs)",
}


@dataclass
class SubmitFields:
    """The per-job choices; frames and prefix start as the scene's."""

    pool_mode: PoolMode = "auto"
    pool_id: str = ""  # the existing pool, or the new pool's id (blank: made up)
    start: float = 1.0
    end: float = 1.0
    step: float = 1.0
    prefix: str = ""
    layers: dict[str, bool] = field(default_factory=dict)  # layer name → render it
    chunk_size: int = 1
    job_id: str = ""
    autoscale_max: int = 0  # a new pool that sizes itself up to this many nodes (0: off)
    idle_minutes: float = DEFAULT_IDLE_MINUTES  # ... and empties after this long idle


class SubmitController:
    """Holds the job's choices; `submit` (slow) uploads and sends the job."""

    def __init__(
        self,
        session: Session,
        assets: AssetsController,
        env: EnvController,
        *,
        base: SubmitSettings | None = None,
    ) -> None:
        self.session = session
        self.assets = assets
        self.env = env
        self.base = base or SubmitSettings()  # e.g. the stand-in renderer on the local pool
        self.fields = SubmitFields()
        self.pool_ids: tuple[str, ...] = ()
        self.changed: Event[SubmitController] = Event()
        session.scene_changed.connect(lambda _scene: self.reset_from_scene())
        assets.changed.connect(lambda _assets: self.changed.emit(self))
        self.reset_from_scene()

    def reset_from_scene(self) -> None:
        """Frames, step, prefix and layers as the scene's render settings say (Refresh)."""
        scene = self.session.scene
        if scene is None:
            self.fields = SubmitFields(pool_mode=self.fields.pool_mode)
        else:
            r = scene.frames
            layers = {layer.name: layer.renderable for layer in scene.layers}
            self.fields = replace(
                self.fields,
                start=r.start,
                end=r.end,
                step=r.step,
                prefix=scene.image_prefix,
                layers=layers,
                job_id="",
            )
        self.changed.emit(self)

    def update(self, **changes: object) -> None:
        self.fields = replace(self.fields, **changes)  # type: ignore[arg-type]
        self.changed.emit(self)

    def set_layer(self, name: str, render: bool) -> None:
        self.fields.layers[name] = render
        self.changed.emit(self)

    # What the tab shows -------------------------------------------------------------------------

    @property
    def renderer(self) -> str:
        return self.session.scene.renderer if self.session.scene else ""

    @property
    def renderer_label(self) -> str:
        entry = RENDERERS.get(self.renderer)
        return entry.label if entry else self.renderer

    @property
    def renderer_supported(self) -> bool:
        return self.renderer in RENDERERS

    @property
    def frames_text(self) -> str:
        f = self.fields
        return f"{_n(f.start)}-{_n(f.end)}x{_n(f.step)}"

    def frame_spec(self) -> FrameSpec:
        f = self.fields
        if f.end < f.start:
            raise SettingsError(f"end frame {_n(f.end)} is before start frame {_n(f.start)}")
        try:
            return parse_frames(self.frames_text)
        except FrameSpecError as exc:
            raise SettingsError(str(exc)) from None

    def findings(self) -> tuple[Finding, ...]:
        """The validation list for these frames (errors first); empty until Assets scanned."""
        result = self.assets.result
        if result is None:
            return ()
        problems: list[Finding] = []
        try:
            frames: FrameSpec | None = self.frame_spec()
            self.settings()
        except SettingsError as exc:
            frames = None
            problems.append(Finding("error", "settings", str(exc)))
        choices = self.assets.choices
        found = validate(result.scene, result.resolutions, frames=frames, choices=choices)
        return (*problems, *found)

    def blocked_reason(self) -> str | None:
        """Why Submit Job is disabled, or None when it can go."""
        if self.session.scene is None:
            return "Open a scene first."
        if not self.renderer_supported:  # the stand-in too: the job is built the same way
            return (
                f"{self.renderer!r} cannot render on Batch; switch to one of: {supported_text()}."
            )
        if self.session.connection is None:
            return "Authenticate on the Config tab first."
        if self.assets.result is None:
            return "Scanning the scene's files…"
        if has_errors(self.findings()):
            return "Fix the errors in the Checks list first."
        return None

    def scene_for_job(self) -> SceneInfo:
        """The scene as this job sees it: the prefix override, never written to the file."""
        scene = self.session.require_scene()
        return replace(scene, image_prefix=self.fields.prefix.strip())

    def settings(self) -> SubmitSettings:
        """The SubmitSettings these fields and the Env tab make; SettingsError says what's wrong."""
        f = self.fields
        env = self.env.settings
        if f.pool_mode not in POOL_MODES:
            raise SettingsError(f"pool mode {f.pool_mode!r}")
        pool = PoolChoice(f.pool_mode, f.pool_id.strip() or None)
        layers = tuple(name for name, on in f.layers.items() if on)
        if f.layers and not layers:
            raise SettingsError("tick at least one render layer")
        everything = len(layers) == len(f.layers)
        from_env = env.submit_fields()
        from_env["environment"] = {**self.base.environment, **from_env["environment"]}
        if f.pool_mode == "new" and f.autoscale_max > 0:
            try:
                plan, dedicated, spot = plan_for(
                    f.autoscale_max,
                    f.idle_minutes,
                    dedicated_nodes=from_env["dedicated_nodes"],
                    spot_nodes=from_env["spot_nodes"],
                )
            except AutoscaleError as exc:
                raise SettingsError(str(exc)) from None
            from_env.update(autoscale=plan, dedicated_nodes=dedicated, spot_nodes=spot)
        return replace(
            self.base,
            frames=self.frames_text,
            chunk_size=f.chunk_size,
            layers=() if everything else layers,
            pool=pool,
            job_id=f.job_id.strip() or None,
            **from_env,
        )

    def estimate(self) -> CostEstimate | str:
        """The Azure price of this job, or why there is none (the local pool costs nothing)."""
        connection = self.session.connection
        if connection is not None and connection.local:
            return "The local pool costs nothing."
        try:
            return submission.estimate(self.scene_for_job(), self.settings())
        except ValueError as exc:  # settings, prices, or a job that cannot be planned
            return f"No estimate: {exc}"

    # Slow steps (worker thread) ---------------------------------------------------------------

    def refresh_prices(self) -> str:
        """Fetch the Env tab VM size's price from Azure's retail prices API when the cached
        one is missing or old, on an Azure connection only; what to tell the user ('' when
        all went well). Slow (a worker's job); the estimate then reads the cache."""
        connection = self.session.connection
        if connection is None or connection.local:
            return ""
        region = prices.region_of(connection.where) or prices.DEFAULT_REGION
        return prices.refresh_if_stale([self.env.settings.vm_size], region)

    def list_pool_ids(self) -> tuple[str, ...]:
        """The account's pools, for "an existing pool". Slow."""
        connection = self.session.require_connection()
        return tuple(sorted(p.id or "" for p in pools.list_pools(connection.batch, select=["id"])))

    def apply_pool_ids(self, ids: tuple[str, ...]) -> None:
        self.pool_ids = ids
        self.changed.emit(self)

    def submit(
        self, *, progress: Progress | None = None, cancel: threading.Event | None = None
    ) -> submission.Submitted:
        """Upload what storage lacks, then send the job. Slow."""
        reason = self.blocked_reason()
        if reason:
            raise SettingsError(reason)
        settings = self.settings()
        connection = self.session.require_connection()
        over = [f.message for f in check_quotas(connection, settings) if f.level == "error"]
        if over:  # before the upload: a pool over its quota would never get a node
            raise SettingsError(" ".join(over))
        project = self.assets.build_project()
        return submission.submit(
            connection, self.scene_for_job(), project, settings, progress=progress, cancel=cancel
        )


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
