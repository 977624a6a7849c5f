"""What a person chooses for one submission, beyond what the scene says.

Frozen and checked when made, so a bad value fails at the panel or the CLI with a message that
says what to change, never halfway through building a job. Images are the service layer's own
specs (`services.batch.ImageSpec`), so a pool is described once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from azure_batch_maya.node.imagenames import DEFAULT_PADDING
from azure_batch_maya.render.autoscale import EVALUATION_INTERVAL, AutoscalePlan
from azure_batch_maya.render.pathmap import NODE_OSES, NodeOS
from azure_batch_maya.render.scouts import ScoutPlan
from azure_batch_maya.services.batch import ImageSpec, MarketplaceImage

PoolMode = Literal["auto", "existing", "new"]
POOL_MODES: tuple[PoolMode, ...] = ("auto", "existing", "new")
DEFAULT_VM_SIZE = "Standard_D8s_v5"
# Ubuntu 24.04: the 22.04 node agent ends on 30 Jun 2027 (DESIGN.md). Maya still has to be
# installed by a start task or baked into a custom image.
DEFAULT_IMAGE = MarketplaceImage(
    "canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04"
)

# Licence settings → the environment variables the node's software reads. Autodesk network
# licensing (Maya, and Arnold 6+ through Autodesk licensing) reads ADSKFLEX_LICENSE_FILE; RLM
# Arnold (≤5) reads solidangle_LICENSE. The V-Ray and Redshift names are unverified: a wrong
# one shows as a licence failure in the task's stderr, and Arnold is told to abort on one.
LICENCE_VARIABLES = {
    "autodesk": "ADSKFLEX_LICENSE_FILE",
    "arnold_rlm": "solidangle_LICENSE",
    "vray": "VRAY_AUTH_CLIENT_SETTINGS",  # unverified; value like licset://host:30304
    "redshift": "redshift_LICENSE",  # unverified
}


class SettingsError(ValueError):
    """A submit setting that cannot work; the message says which and what to use instead."""


@dataclass(frozen=True)
class PoolChoice:
    """`auto`: a pool made for this job and deleted with it; `existing`: a pool by id;
    `new`: a persistent pool made now (and kept, resize it to 0 between jobs)."""

    mode: PoolMode = "auto"
    pool_id: str | None = None

    def __post_init__(self) -> None:
        if self.mode not in POOL_MODES:
            raise SettingsError(f"pool mode {self.mode!r}: use one of {', '.join(POOL_MODES)}")
        if self.mode == "existing" and not self.pool_id:
            raise SettingsError("an existing pool needs its id (e.g. --pool my-render-pool)")

    @classmethod
    def parse(cls, text: str) -> PoolChoice:
        """`auto`, `new`, `new:ID`, or an existing pool's id (the CLI's `--pool`)."""
        if text == "auto":
            return cls("auto")
        if text == "new" or text.startswith("new:"):
            return cls("new", text[4:] or None)
        return cls("existing", text)


@dataclass(frozen=True)
class LicenceServers:
    """Bring-your-own licence servers (Azure's pay-per-use licences ended in Feb 2024)."""

    autodesk: str | None = None  # e.g. 27000@licence.example.com
    arnold_rlm: str | None = None  # e.g. 5053@licence.example.com
    vray: str | None = None
    redshift: str | None = None

    def environment(self) -> dict[str, str]:
        out = {}
        for key, variable in LICENCE_VARIABLES.items():
            value = getattr(self, key)
            if value:
                out[variable] = value
        return out


@dataclass(frozen=True)
class SubmitSettings:
    """One submission's choices; every field has a working default except where noted."""

    frames: str | None = None  # e.g. "1-100x2"; None: the scene's render range
    step: float | None = None  # overrides the scene's step when `frames` is not given
    chunk_size: int = 1  # frames per task
    layers: tuple[str, ...] = ()  # only these layers (legacy `rs_X` or Render Setup `X`)
    split_layers: bool = False  # one task per layer
    split_cameras: bool = False  # one task per renderable camera
    pool: PoolChoice = field(default_factory=PoolChoice)
    vm_size: str = DEFAULT_VM_SIZE
    image: ImageSpec = DEFAULT_IMAGE
    node_os: NodeOS = "linux"
    dedicated_nodes: int = 1
    spot_nodes: int = 0
    task_slots_per_node: int = 1
    max_task_retries: int = 2
    priority: int = 0  # -1000 … 1000: Batch runs a pool's higher-priority jobs' tasks first
    job_time_limit: timedelta | None = None
    task_time_limit: timedelta | None = None
    renderer_options: Mapping[str, str] = field(default_factory=dict)
    licences: LicenceServers = field(default_factory=LicenceServers)
    environment: Mapping[str, str] = field(default_factory=dict)
    padding: int = DEFAULT_PADDING
    stand_in: bool = False  # the stand-in renderer; only ever when asked for
    node_python: str | None = None  # default: mayapy on the node (python3/python for stand-in)
    render_command: tuple[str, ...] = ()  # a render command template instead of mayapy
    job_id: str | None = None  # default: made from the scene name and a timestamp
    autoscale: AutoscalePlan | None = None  # a new pool sized by our formula (render/autoscale)
    autoscale_interval: timedelta = EVALUATION_INTERVAL
    scout: ScoutPlan | None = None  # a few frames first, then the rest (render/scouts.py)

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise SettingsError(f"chunk size {self.chunk_size}: use 1 or more frames per task")
        if self.step is not None and self.step <= 0:
            raise SettingsError(f"frame step {self.step}: use a step above 0")
        if self.node_os not in NODE_OSES:
            raise SettingsError(f"node OS {self.node_os!r}: use linux or windows")
        if self.dedicated_nodes < 0 or self.spot_nodes < 0:
            raise SettingsError("node counts cannot be negative")
        if self.autoscale is not None and self.pool.mode != "new":
            raise SettingsError(
                "autoscale makes a new persistent pool: use it with a new pool (--pool new:ID); "
                "for a pool that exists run `azure-batch-maya pools autoscale ID --max N`"
            )
        no_nodes = self.dedicated_nodes + self.spot_nodes == 0
        if self.pool.mode != "existing" and self.autoscale is None and no_nodes:
            raise SettingsError("a new pool needs at least one dedicated or Spot node")
        if self.task_slots_per_node < 1:
            raise SettingsError("task slots per node must be 1 or more")
        if self.max_task_retries < -1:
            raise SettingsError("max task retries: use -1 (unlimited), 0 or more")
        if not -1000 <= self.priority <= 1000:
            raise SettingsError(f"job priority {self.priority}: use -1000 to 1000")
        if not 1 <= self.padding <= 9:
            raise SettingsError(f"frame padding {self.padding}: use 1 to 9 digits")
        for name, value in {**self.environment, **self.licences.environment()}.items():
            if not name or "=" in name or "\0" in name + value:
                raise SettingsError(f"environment variable {name!r} cannot be set on a node")
