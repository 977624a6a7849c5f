"""The Env choices (how nodes get Maya, VM size, nodes, network, licences), as the user saved them.

Three routes (docs/azure.md): install at node start (a marketplace image whose start task
installs the user's uploaded installers), a custom image with Maya (Azure Compute Gallery),
or a container image with Maya on a Docker host image. Kept as JSON in the user's data folder
with nothing secret in it: a registry password lives in the OS keyring only. The Env tab and
the CLI's `submit` and `pools check` read them here; the studio file's rules are applied by
`settings/enforcement.py`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from azure_batch_maya.render.settings import (
    DEFAULT_IMAGE,
    DEFAULT_VM_SIZE,
    LicenceServers,
    SettingsError,
)
from azure_batch_maya.services.batch import (
    PUBLIC_IPS,
    ContainerImage,
    ContainerRegistry,
    CustomImage,
    ImageSpec,
    MarketplaceImage,
    NetworkSpec,
    PublicIps,
)
from azure_batch_maya.system import atomic
from azure_batch_maya.system.userdirs import data_dir

ENV_FILE = "env.json"
CHOSEN_KEY = "chosen"  # the fields the artist set, so the studio's defaults fill only the rest
ImageKind = Literal["install", "custom", "container"]
IMAGE_KINDS: tuple[ImageKind, ...] = ("install", "custom", "container")
RegistryAuth = Literal["none", "identity", "password"]
REGISTRY_AUTHS: tuple[RegistryAuth, ...] = ("none", "identity", "password")
# A Rocky/RHEL 9 custom image (images/packer) runs the EL 9 node agent; a container host needs
# Docker: Microsoft's HPC Ubuntu image has it. Check both with `az batch pool supported-images
# list` (docs/azure.md); a wrong one is refused by Batch when the pool is made.
CUSTOM_NODE_AGENT = "batch.node.el 9"
CONTAINER_HOST = "microsoft-dsvm:ubuntu-hpc:2204"
CONTAINER_NODE_AGENT = "batch.node.ubuntu 22.04"
ENTRA_FOR_GALLERY_NOTE = (
    "Azure makes pools from Azure Compute Gallery images only for an Entra ID sign-in "
    "(Config tab); with account keys, submit to a pool made beforehand."
)
RETIRED_LICENCES_NOTE = (
    "Azure retired the Batch rendering images and pay-per-use Maya, Arnold and V-Ray licences "
    "on 29 February 2024: render nodes need your own licence server, reached from the pool's "
    "network (e.g. 27000@licence.example.com)."
)


@dataclass(frozen=True)
class EnvSettings:
    """The Env tab's choices, as saved."""

    image_kind: ImageKind = "install"
    publisher: str = DEFAULT_IMAGE.publisher
    offer: str = DEFAULT_IMAGE.offer
    sku: str = DEFAULT_IMAGE.sku
    node_agent_sku: str = DEFAULT_IMAGE.node_agent_sku_id
    custom_image_id: str = ""
    custom_node_agent: str = CUSTOM_NODE_AGENT
    container_image: str = ""
    container_host: str = CONTAINER_HOST  # publisher:offer:sku of the Docker host image
    container_node_agent: str = CONTAINER_NODE_AGENT
    registry_server: str = ""
    registry_auth: RegistryAuth = "none"
    registry_identity: str = ""  # the user-assigned identity's ARM resource id
    registry_username: str = ""  # its password: the OS keyring, never this file
    subnet_id: str = ""
    public_ips: PublicIps = "batchmanaged"
    vm_size: str = DEFAULT_VM_SIZE
    dedicated_nodes: int = 1
    spot_nodes: int = 0
    licences: LicenceServers = field(default_factory=LicenceServers)
    environment: tuple[tuple[str, str], ...] = ()

    def image(self) -> ImageSpec:
        """The image spec these choices make; SettingsError names the missing field.

        A registry user's password is not in it: submitting reads it from the keyring.
        """
        if self.image_kind == "custom":
            if not self.custom_image_id.strip():
                raise SettingsError(
                    "enter the custom image's resource id (an Azure Compute Gallery image "
                    "version, /subscriptions/…/galleries/…/images/…/versions/…)"
                )
            return CustomImage(self.custom_image_id.strip(), _agent(self.custom_node_agent))
        if self.image_kind == "container":
            return self._container()
        if not (self.publisher.strip() and self.offer.strip() and self.sku.strip()):
            raise SettingsError("enter the marketplace image's publisher, offer and SKU")
        return MarketplaceImage(
            self.publisher.strip(),
            self.offer.strip(),
            self.sku.strip(),
            _agent(self.node_agent_sku),
        )

    def check(self) -> None:
        """Raise SettingsError for a choice that cannot work."""
        self.image()
        self.network()
        self.licences.environment()

    def network(self) -> NetworkSpec | None:
        """The pool's subnet and public IP choice, or None for Batch's own network."""
        if not self.subnet_id.strip():
            if self.public_ips != "batchmanaged":
                raise SettingsError("nodes without Batch-managed public IPs need a subnet id")
            return None
        subnet = self.subnet_id.strip()
        if not subnet.lower().startswith("/subscriptions/") or "/subnets/" not in subnet.lower():
            raise SettingsError(
                "the subnet is its resource id: /subscriptions/…/resourceGroups/…/providers/"
                "Microsoft.Network/virtualNetworks/VNET/subnets/SUBNET"
            )
        if self.public_ips not in PUBLIC_IPS or self.public_ips == "usermanaged":
            raise SettingsError(
                "public IPs: use batchmanaged or nopublicipaddresses (user-managed addresses "
                "are not offered here)"
            )
        return NetworkSpec(subnet, self.public_ips)

    def submit_fields(self) -> dict[str, Any]:
        """What these choices set on a `SubmitSettings` (the Submit tab and `submit` use it)."""
        return {
            "vm_size": self.vm_size,
            "image": self.image(),
            "network": self.network(),
            "dedicated_nodes": self.dedicated_nodes,
            "spot_nodes": self.spot_nodes,
            "licences": self.licences,
            "environment": dict(self.environment),
        }

    def _container(self) -> ContainerImage:
        image = self.container_image.strip()
        if not image:
            raise SettingsError("enter the container image (e.g. myregistry.azurecr.io/maya:2026)")
        parts = [p.strip() for p in self.container_host.split(":")]
        if len(parts) != 3 or not all(parts):
            raise SettingsError(
                f"container host image {self.container_host!r}: write publisher:offer:sku of "
                f"an image with Docker, e.g. {CONTAINER_HOST}"
            )
        publisher, offer, sku = parts
        host = MarketplaceImage(publisher, offer, sku, _agent(self.container_node_agent))
        server = self.registry_server.strip()
        if self.registry_auth == "none" or not server:
            if self.registry_auth != "none":
                raise SettingsError("enter the registry server (e.g. myregistry.azurecr.io)")
            return ContainerImage(image, host, ContainerRegistry(server) if server else None)
        if self.registry_auth == "identity":
            identity = self.registry_identity.strip()
            if "/userassignedidentities/" not in identity.lower():
                raise SettingsError(
                    "enter the managed identity's resource id (/subscriptions/…/providers/"
                    "Microsoft.ManagedIdentity/userAssignedIdentities/NAME); the pool must have "
                    "that identity, with AcrPull on the registry"
                )
            return ContainerImage(image, host, ContainerRegistry(server, identity_id=identity))
        user = self.registry_username.strip()
        if not user:
            raise SettingsError(f"enter the user name for {server}")
        return ContainerImage(image, host, ContainerRegistry(server, user))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["environment"] = [list(pair) for pair in self.environment]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EnvSettings:
        """Saved settings; unknown keys (a newer version's) are ignored."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {k: v for k, v in data.items() if k in known}
        if "licences" in values:
            values["licences"] = LicenceServers(**dict(values["licences"]))
        if "environment" in values:
            values["environment"] = tuple((str(k), str(v)) for k, v in values["environment"])
        if values.get("image_kind") == "marketplace":  # saved before the routes had names
            values["image_kind"] = "install"
        if values.get("image_kind") == "custom" and "custom_node_agent" not in values:
            values["custom_node_agent"] = values.get("node_agent_sku", CUSTOM_NODE_AGENT)
            values.pop("node_agent_sku", None)
        if values.get("image_kind") not in IMAGE_KINDS:
            values.pop("image_kind", None)
        if values.get("registry_auth") not in REGISTRY_AUTHS:
            values.pop("registry_auth", None)
        if values.get("public_ips") not in PUBLIC_IPS:
            values.pop("public_ips", None)
        return cls(**values)


def _agent(text: str) -> str:
    if not text.strip():
        raise SettingsError("enter the node agent SKU (e.g. batch.node.ubuntu 24.04)")
    return text.strip()


@dataclass(frozen=True)
class SavedEnv:
    """The file as read: the artist's choices, which fields they set, and what was wrong."""

    settings: EnvSettings = field(default_factory=EnvSettings)
    chosen: frozenset[str] = frozenset()
    problem: str | None = None  # why the file could not be used (the defaults stand in)


def env_path(folder: Path | None = None) -> Path:
    return (folder or data_dir()) / ENV_FILE


def load_env(folder: Path | None = None) -> SavedEnv:
    """The saved choices; an unreadable file gives the defaults and says why, never raises."""
    path = env_path(folder)
    try:
        data = json.loads(path.read_text("utf-8"))
        settings = EnvSettings.from_json(data)
        return SavedEnv(settings, _chosen(data, settings))
    except FileNotFoundError:
        return SavedEnv()
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        return SavedEnv(
            problem=f"the Env tab's settings in {path} are unreadable ({exc}); fix or delete "
            "the file, or set them again on the Env tab"
        )


def save_env(settings: EnvSettings, chosen: frozenset[str], folder: Path | None = None) -> Path:
    """Write the choices whole (a crash leaves the old file)."""
    data = {**settings.to_json(), CHOSEN_KEY: sorted(chosen)}
    return atomic.write_json(env_path(folder), data, indent=1)


def _chosen(data: Mapping[str, Any], saved: EnvSettings) -> frozenset[str]:
    """The fields the artist set: as saved, or (a file from before it was saved) those that
    differ from the built-in defaults."""
    names = data.get(CHOSEN_KEY)
    if isinstance(names, list):
        return frozenset(str(n) for n in names)
    default = EnvSettings()
    return frozenset(
        f.name for f in fields(EnvSettings) if getattr(saved, f.name) != getattr(default, f.name)
    )
