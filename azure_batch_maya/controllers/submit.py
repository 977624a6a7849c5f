"""The Submit tab: pool, renderer, frames, layers, how the job is split, retries, priority,
time limit, the validation list, the estimate, Submit.

Frames, step and output prefix start from the scene's render settings and can be changed for
this job only: the scene file is never edited. The Env tab's choices (image, VM size, nodes,
licences, variables) come from the `EnvController`, with the studio file's rules in; the job
is built by `app.jobchoices.build_settings`, as `submit` builds it. The tab's choices are
kept per scene (`settings.scenememory`) when a job is sent.

The checks and the estimate are worked out again only when an input changes, and never read a
file on the interface's thread: what they need from the disk (`DiskFacts`) and the price
table are read on a worker and handed over (`read_disk`/`apply_disk`, `apply_prices`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from azure_batch_maya.app import submit as submission
from azure_batch_maya.app.jobchoices import JobChoices, build_settings, scene_for_job
from azure_batch_maya.app.quota import check_quotas
from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.frames import FrameSpec, FrameSpecError, parse_frames
from azure_batch_maya.controllers.assets import AssetsController, ScanResult
from azure_batch_maya.controllers.env import EnvController
from azure_batch_maya.controllers.events import Event
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.render import prices
from azure_batch_maya.render.autoscale import DEFAULT_IDLE_MINUTES
from azure_batch_maya.render.cost import CostEstimate, PriceError, PriceTable, load_prices
from azure_batch_maya.render.renderers import RENDERERS, supported_text
from azure_batch_maya.render.scouts import ScoutError, ScoutPlan
from azure_batch_maya.render.settings import (
    POOL_MODES,
    PoolChoice,
    PoolMode,
    SettingsError,
    SubmitSettings,
)
from azure_batch_maya.render.validation import (
    DiskChecks,
    Finding,
    check_disk,
    has_errors,
    validate,
)
from azure_batch_maya.scene.model import SceneInfo
from azure_batch_maya.services import pools
from azure_batch_maya.services.storage import Progress
from azure_batch_maya.settings import scenememory
from azure_batch_maya.settings.enforcement import limit_problems

log = logging.getLogger(__name__)

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
    split_layers: bool = False
    split_cameras: bool = False
    max_task_retries: int = 2
    priority: int = 0
    time_limit_hours: float = 0.0  # 0: no limit (the job's SAS still ends after 7 days)
    over_ceiling: bool = False  # submit over the studio's cost ceiling, where it allows
    job_id: str = ""
    autoscale_max: int = 0  # a new pool that sizes itself up to this many nodes (0: off)
    idle_minutes: float = DEFAULT_IDLE_MINUTES  # ... and empties after this long idle
    scout: int = 0  # scout frames rendered first (0: off); the rest waits for the go
    scout_auto: bool = False  # ... or starts by itself once they succeed


# Not kept per scene: a job id is one job's, going over the ceiling is asked each time.
NOT_REMEMBERED = frozenset({"job_id", "over_ceiling"})
CHECKING_FILES = "Checking the scene's files…"


@dataclass(frozen=True)
class DiskFacts:
    """What the checks read from the disk, for one scan and one set of asset choices."""

    result: ScanResult
    choices: AssetChoices
    checks: DiskChecks
    checked_pools: frozenset[str]  # pools whose nodes were checked from here (`pools check`)


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
        self.memory_folder: Path | None = None  # default: the user's data folder
        self.fields = self._studio_defaults(SubmitFields())
        self.pool_ids: tuple[str, ...] = ()
        self.changed: Event[SubmitController] = Event()
        self._version = 0  # bumped by every input change; checks are recomputed only then
        self._checks: tuple[int, tuple[Finding, ...], CostEstimate | str] | None = None
        # The price table: None until read; the panel reads it on a worker (`read_prices`, and
        # again after `refresh_prices` fetched Azure's),
        # saying so meanwhile (`prices_pending`); without a panel it is read when first needed.
        self.price_table: PriceTable | None = None
        self.price_problem: str | None = None  # why the table read on a worker could not be
        self.prices_pending = False
        # What the checks need from the disk: read when first needed, or, once a view with
        # workers sets `disk_on_worker`, on its worker (`disk_request`, `read_disk`).
        self.disk_on_worker = False
        self._disk: DiskFacts | None = None
        self._disk_asked: tuple[ScanResult, AssetChoices] | None = None
        session.scene_changed.connect(lambda _scene: self.reset_from_scene())
        session.connection_changed.connect(lambda _c: self._inputs_changed())
        assets.changed.connect(lambda _assets: self._inputs_changed())
        env.changed.connect(lambda _s: self._inputs_changed())
        self.reset_from_scene()

    def _inputs_changed(self) -> None:
        self._version += 1
        self.changed.emit(self)

    def _studio_defaults(self, fields_: SubmitFields) -> SubmitFields:
        scout = self.env.studio.effective("scout_frames")
        return replace(fields_, scout=scout) if isinstance(scout, int) else fields_

    def reset_from_scene(self) -> None:
        """Frames, step, prefix and layers as the scene's render settings say (Refresh)."""
        scene = self.session.scene
        if scene is None:
            self.fields = self._studio_defaults(SubmitFields(pool_mode=self.fields.pool_mode))
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
        self._inputs_changed()

    def update(self, **changes: object) -> None:
        self.fields = replace(self.fields, **changes)  # type: ignore[arg-type]
        self._inputs_changed()

    def pool_checked(self) -> None:
        """A pool's nodes were checked (Pools tab): its "run the node check" notice may go."""
        self._disk = None  # the file of checked pools changed: read it again
        self._disk_asked = None
        self._inputs_changed()

    def set_layer(self, name: str, render: bool) -> None:
        self.fields.layers[name] = render
        self._inputs_changed()

    # The choices kept per scene -----------------------------------------------------------------

    def recall(self) -> dict[str, Any] | None:
        """The choices kept for the open scene when a job was last sent from it. Reads a file:
        call it on a worker, then `apply_recalled` on the main thread."""
        scene = self.session.scene
        return scenememory.recall(scene.scene, self.memory_folder) if scene else None

    def apply_recalled(self, data: dict[str, Any] | None) -> None:
        """Put kept choices back; unknown or mistyped ones (a damaged file) are left out."""
        if not data:
            return
        current = asdict(self.fields)
        kept: dict[str, Any] = {}
        for f in fields(SubmitFields):
            value = data.get(f.name)
            if f.name in NOT_REMEMBERED or value is None:
                continue
            if f.name == "layers":
                if isinstance(value, dict) and set(value) == set(self.fields.layers):
                    kept[f.name] = {str(k): bool(v) for k, v in value.items()}
            elif type(value) is type(current[f.name]) or (
                isinstance(current[f.name], float) and type(value) is int
            ):
                kept[f.name] = value
        self.fields = replace(self.fields, **kept)
        self._inputs_changed()

    def remember(self) -> None:
        """Keep this tab's choices for the open scene. Writes a file (the submit worker)."""
        scene = self.session.scene
        if scene is None:
            return
        data = {k: v for k, v in asdict(self.fields).items() if k not in NOT_REMEMBERED}
        try:
            scenememory.remember(scene.scene, data, self.memory_folder)
        except OSError as exc:  # losing the memory must not lose the job
            log.warning("could not keep the Submit choices for %s: %s", scene.scene, exc)

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
        """The validation list for these frames (errors first); empty until Assets scanned.
        Recomputed only when an input changed."""
        return self._checked()[1]

    def estimate(self) -> CostEstimate | str:
        """The Azure price of this job, or why there is none (the local pool costs nothing).
        Recomputed only when an input changed."""
        return self._checked()[2]

    def _checked(self) -> tuple[int, tuple[Finding, ...], CostEstimate | str]:
        if self._checks is None or self._checks[0] != self._version:
            self._checks = (self._version, self._find(), self._estimate())
        return self._checks

    def _find(self) -> tuple[Finding, ...]:
        result = self.assets.result
        if result is None:
            return ()
        disk = self._disk_now()
        problems: list[Finding] = []
        try:
            frames: FrameSpec | None = self.frame_spec()
            settings = self.settings()
            studio = self.env.studio
            problems += [
                Finding("error", "studio-limit", text) for text in limit_problems(settings, studio)
            ]
        except SettingsError as exc:
            frames = None
            problems.append(Finding("error", "settings", str(exc)))
        checks = disk.checks if disk is not None else DiskChecks()  # until the worker says
        choices = self.assets.choices
        found = validate(
            result.scene, result.resolutions, frames=frames, choices=choices, disk=checks
        )
        return (*problems, *found, *self._pool_check_notice(disk))

    def _pool_check_notice(self, disk: DiskFacts | None) -> tuple[Finding, ...]:
        """Offer the node check before the first job on a pool never checked from here."""
        f = self.fields
        if f.pool_mode == "auto" or not f.pool_id.strip() or self.base.stand_in or disk is None:
            return ()
        from azure_batch_maya.app.pools.check import check_notice

        pool_id = f.pool_id.strip()
        if pool_id in disk.checked_pools:
            return ()
        return (Finding("notice", "pool", check_notice(pool_id)),)

    # What the checks read from the disk -------------------------------------------------------

    def _disk_now(self) -> DiskFacts | None:
        """The disk facts for the current scan and choices; None while a worker reads them."""
        result, choices = self.assets.result, self.assets.choices
        facts = self._disk
        if facts is not None and facts.result is result and facts.choices == choices:
            return facts
        if result is None or self.disk_on_worker:
            return None
        self._disk = self.read_disk((result, choices))  # no panel: read now
        return self._disk

    def disk_request(self) -> tuple[ScanResult, AssetChoices] | None:
        """What to hand `read_disk` on a worker when the disk facts are out of date and no
        worker was asked for these yet; None when nothing is to be read. Main thread."""
        result, choices = self.assets.result, self.assets.choices
        if result is None or not self.disk_on_worker or self._disk_now() is not None:
            return None
        asked = self._disk_asked
        if asked is not None and asked[0] is result and asked[1] == choices:
            return None
        self._disk_asked = (result, choices)
        return result, choices

    @staticmethod
    def read_disk(request: tuple[ScanResult, AssetChoices]) -> DiskFacts:
        """The checks that read the disk, and the pools checked from here. Slow: a worker's."""
        from azure_batch_maya.settings.preferences import checked_pools

        result, choices = request
        checks = check_disk(result.scene, result.resolutions, choices=choices)
        return DiskFacts(result, choices, checks, checked_pools())

    def apply_disk(self, facts: DiskFacts) -> None:
        """Facts read on a worker; those of a scan or choices since replaced are dropped."""
        if facts.result is self.assets.result and facts.choices == self.assets.choices:
            self._disk = facts
            self._inputs_changed()

    @property
    def disk_pending(self) -> bool:
        """A scan is there but its disk checks are still being read (on a worker)."""
        return self.assets.result is not None and self._disk_now() is None

    def over_ceiling(self) -> str | None:
        """Why the studio's cost ceiling refuses this job, or None."""
        estimate = self.estimate()
        if not isinstance(estimate, CostEstimate):
            return None
        why = self.env.studio.over_ceiling(
            estimate.total, estimate.currency, override=self.fields.over_ceiling
        )
        if why is None:
            return None
        why = why.replace("submit with --over-ceiling", "tick Over the ceiling")
        return why[0].upper() + why[1:] + "."

    def blocked_reason(self) -> str | None:
        """Why Submit Job is disabled, or None when it can go."""
        if self.env.studio_problem:
            return f"The studio file is wrong: {self.env.studio_problem}"
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
        if self.disk_pending:
            return CHECKING_FILES
        if has_errors(self.findings()):
            return "Fix the errors in the Checks list first."
        return self.over_ceiling()

    def scene_for_job(self) -> SceneInfo:
        """The scene as this job sees it: the prefix override, never written to the file."""
        return scene_for_job(self.session.require_scene(), JobChoices(prefix=self.fields.prefix))

    def choices(self) -> JobChoices:
        """These fields as the job's choices (what `submit` makes from its flags)."""
        f = self.fields
        if f.pool_mode not in POOL_MODES:
            raise SettingsError(f"pool mode {f.pool_mode!r}")
        layers = tuple(name for name, on in f.layers.items() if on)
        if f.layers and not layers:
            raise SettingsError("tick at least one render layer")
        everything = len(layers) == len(f.layers)
        return JobChoices(
            frames=self.frames_text,
            prefix=f.prefix,
            layers=() if everything else layers,
            chunk_size=f.chunk_size,
            split_layers=f.split_layers,
            split_cameras=f.split_cameras,
            max_task_retries=f.max_task_retries,
            priority=f.priority,
            job_time_limit_hours=f.time_limit_hours or None,
            pool=PoolChoice(f.pool_mode, f.pool_id.strip() or None),
            node_os=self.base.node_os,
            job_id=f.job_id.strip() or None,
            spot_chosen="spot_nodes" in self.env.chosen,
            autoscale_max=f.autoscale_max if f.pool_mode == "new" else 0,
            idle_minutes=f.idle_minutes,
            scout=_scout(f.scout, f.scout_auto),
        )

    def settings(self) -> SubmitSettings:
        """The SubmitSettings these fields and the Env tab make; SettingsError says what's wrong."""
        return build_settings(self.choices(), self.env.settings, self.env.studio, base=self.base)

    def read_prices(self) -> PriceTable | str:
        """The price table, or why there is none. Reads a file: call it on a worker."""
        try:
            return load_prices()
        except PriceError as exc:
            return str(exc)

    def apply_prices(self, table: PriceTable | str) -> None:
        """The table `read_prices` read (on a worker): for the estimate, and the Env tab's
        list of VM sizes, so the file is read once for both."""
        self.prices_pending = False
        if isinstance(table, PriceTable):
            self.price_table, self.price_problem = table, None
        else:
            self.price_problem = table
        self.env.apply_prices(table)
        self._inputs_changed()

    def _estimate(self) -> CostEstimate | str:
        if self.session.scene is None:
            return ""
        connection = self.session.connection
        if connection is not None and connection.local:
            return "The local pool costs nothing."
        if self.prices_pending:
            return "Reading the price table…"
        if self.price_table is None and self.price_problem is not None:
            return f"No estimate: {self.price_problem}"  # never read again here
        try:
            return submission.estimate(
                self.scene_for_job(), self.settings(), prices=self.price_table
            )
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
        self.remember()
        return submission.submit(
            connection, self.scene_for_job(), project, settings, progress=progress, cancel=cancel
        )


def _scout(count: int, auto: bool) -> ScoutPlan | None:
    if count <= 0:
        return None
    try:
        return ScoutPlan(count=count, auto=auto)
    except ScoutError as exc:
        raise SettingsError(str(exc)) from None


def _n(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
