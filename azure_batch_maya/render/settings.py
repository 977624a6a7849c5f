"""What a person chooses for one submission, beyond what the scene says.

Frozen and checked when made, so a bad value fails at the panel or the CLI with a message that
says what to change, never halfway through building a job. Images are the service layer's own
specs (`services.batch.ImageSpec`), so a pool is described once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from azure_batch_maya.node.imagenames import DEFAULT_PADDING
from azure_batch_maya.render.autoscale import EVALUATION_INTERVAL, AutoscalePlan
from azure_batch_maya.render.commandline import NodeVar
from azure_batch_maya.render.pathmap import NODE_OSES, NodeOS
from azure_batch_maya.render.scouts import ScoutPlan
from azure_batch_maya.services.batch import (
    ContainerImage,
    ContainerRegistry,
    ImageSpec,
    MarketplaceImage,
    NetworkSpec,
    StartTaskSpec,
)

PoolMode = Literal["auto", "existing", "new"]
POOL_MODES: tuple[PoolMode, ...] = ("auto", "existing", "new")
DEFAULT_VM_SIZE = "Standard_D8s_v5"
# Ubuntu 24.04: the 22.04 node agent ends on 30 Jun 2027 (DESIGN.md). On Azure a marketplace
# image is the install-at-start route: the pool's start task installs the user's installers.
DEFAULT_IMAGE = MarketplaceImage(
    "canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04"
)

# Licence servers, entered as "port@host", → the variables each product's client reads
# (shared/NODE_FACTS.md §6). Maya itself needs none in batch mode (Microsoft's rendering page);
# Arnold 6+ reads Autodesk network licensing. The V-Ray and Redshift names are unverified: a
# wrong one fails the task (Arnold is forced to abort on a licence failure; see
# docs/rendering-on-nodes.md), never a silent watermark from Arnold.
DEFAULT_LICENCE_PORTS = {"autodesk": 27000, "arnold_rlm": 5053, "vray": 30304, "redshift": 5054}
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$")


def licence_address(key: str, text: str) -> tuple[int, str]:
    """(port, host) from "port@host" or a bare host (the product's default port)."""
    value = text.strip()
    if value.startswith("licset://"):  # V-Ray's own spelling, licset://host:port
        host, _, port = value[len("licset://") :].partition(":")
        value = f"{port}@{host}" if port else host
    port_text, at, host = value.rpartition("@")
    if not at:
        port_text, host = str(DEFAULT_LICENCE_PORTS[key]), value
    if not port_text.isdigit() or not 0 < int(port_text) < 65536 or not _HOST.match(host):
        raise SettingsError(
            f"licence server {text!r}: write it as port@host, e.g. "
            f"{DEFAULT_LICENCE_PORTS[key]}@licence.example.com"
        )
    return int(port_text), host


def licence_variables(key: str, port: int, host: str) -> dict[str, str]:
    """The environment variables that point one product's licence client at a server."""
    if key == "autodesk":
        return {"ADSKFLEX_LICENSE_FILE": f"{port}@{host}", "ARNOLD_LICENSE_ORDER": "network"}
    if key == "arnold_rlm":
        return {
            "solidangle_LICENSE": f"{port}@{host}",
            "ARNOLD_LICENSE_HOST": host,
            "ARNOLD_LICENSE_PORT": str(port),
        }
    if key == "vray":
        return {"VRAY_AUTH_CLIENT_SETTINGS": f"licset://{host}:{port}"}  # unverified
    if key == "redshift":
        return {"redshift_LICENSE": f"{port}@{host}"}  # RLM's ISV_LICENSE rule; unverified
    raise KeyError(key)


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
        """The licence variables for the nodes; SettingsError for an entry not port@host."""
        out: dict[str, str] = {}
        for key in DEFAULT_LICENCE_PORTS:
            value = getattr(self, key)
            if value and value.strip():
                out.update(licence_variables(key, *licence_address(key, value)))
        return out

    def servers(self) -> dict[str, tuple[int, str]]:
        """Each given server as (port, host), for a reachability check on the nodes."""
        return {
            key: licence_address(key, getattr(self, key))
            for key in DEFAULT_LICENCE_PORTS
            if (getattr(self, key) or "").strip()
        }


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
    # default: mayapy on the node (python3/python for stand-in); a NodeVar for a path below a
    # node folder (the install-at-start route's mayapy wrapper)
    node_python: str | NodeVar | None = None
    render_command: tuple[str, ...] = ()  # a render command template instead of mayapy
    job_id: str | None = None  # default: made from the scene name and a timestamp
    network: NetworkSpec | None = None  # a subnet, to reach a licence server on the studio's
    start_task: StartTaskSpec | None = None  # install at node start: the new pool's start task
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
        registry = self.image.registry if isinstance(self.image, ContainerImage) else None
        if registry and registry.identity_id and self.pool.mode != "existing":
            raise SettingsError(
                "a registry reached by managed identity needs a pool that has that identity, "
                "which only Azure Resource Manager can make (docs/azure.md shows the command); "
                "make it once, then submit with --pool ITS_ID, or use a registry user and password"
            )
        for name, value in {**self.environment, **self.licences.environment()}.items():
            if not name or "=" in name or "\0" in name + value:
                raise SettingsError(f"environment variable {name!r} cannot be set on a node")


def with_registry_password(settings: SubmitSettings) -> SubmitSettings:
    """The settings with the container registry user's password from the environment or the
    OS keyring (slow on some keyrings: call it where the job is sent, never on a redraw)."""
    from dataclasses import replace

    from azure_batch_maya.services.settings import get_registry_password

    image = settings.image
    registry = image.registry if isinstance(image, ContainerImage) else None
    if not isinstance(image, ContainerImage) or registry is None:
        return settings
    if not registry.username or registry.password:
        return settings
    password = get_registry_password(registry.server, registry.username)
    if not password:
        raise SettingsError(
            f"no password for {registry.username} at {registry.server}: enter it on the Env tab "
            "(it is kept in the OS keyring) or set AZURE_BATCH_MAYA_REGISTRY_PASSWORD"
        )
    filled = ContainerRegistry(registry.server, registry.username, password)
    return replace(settings, image=replace(image, registry=filled))
