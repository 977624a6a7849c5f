"""The Env tab: how the nodes get Maya (the route), VM size, node counts, network, licences.

Three routes (docs/azure.md): install at node start (a marketplace image whose start task
installs the user's uploaded installers), a custom image with Maya (Azure Compute Gallery),
or a container image with Maya on a Docker host image. Persisted as JSON in the user's data
folder with nothing secret in it: a registry password lives in the OS keyring only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from azure_batch_maya.controllers.events import Event
from azure_batch_maya.render.cost import PRICES_FILE, PriceError, load_prices
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
from azure_batch_maya.services.errors import SecretStoreError
from azure_batch_maya.services.settings import save_registry_password
from azure_batch_maya.settings.studio import PresetsError, StudioPresets
from azure_batch_maya.system.userdirs import data_dir

log = logging.getLogger(__name__)

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
# The licence each renderer needs besides Maya's own (Autodesk) licence.
RENDERER_LICENCES = {
    "arnold": ("autodesk", "arnold_rlm"),
    "vray": ("autodesk", "vray"),
    "redshift": ("autodesk", "redshift"),
}


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


class EnvController:
    """Holds the Env choices; every change is saved at once (a small file, fast enough).

    `settings` is what the nodes get: the artist's saved choices with the studio file's locked
    values in, and its defaults for what the artist never set (`chosen` names what they did).
    """

    def __init__(
        self,
        *,
        folder: Path | None = None,
        studio: StudioPresets | None = None,
        studio_problem: str | None = None,
    ) -> None:
        self.path = (folder or data_dir()) / ENV_FILE
        self.studio = studio or StudioPresets()
        self.studio_problem = studio_problem  # a studio file that is wrong: submitting stops
        self.saved = EnvSettings()  # the artist's own choices, as in the file
        self.chosen: frozenset[str] = frozenset()
        self.settings = self._effective()
        self.changed: Event[EnvSettings] = Event()
        self.problem: str | None = None  # why the saved file could not be used, if it could not

    def load(self) -> EnvSettings:
        self.problem = None
        try:
            data = json.loads(self.path.read_text("utf-8"))
            self.saved = EnvSettings.from_json(data)
            self.chosen = _chosen(data, self.saved)
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            self.problem = (
                f"the Env tab's settings in {self.path} are unreadable ({exc}); fix or delete "
                "the file, or set them again on the Env tab"
            )
            log.warning("%s; using the defaults", self.problem)
        self.settings = self._effective()
        self.changed.emit(self.settings)
        return self.settings

    def lock_notes(self) -> dict[str, str]:
        """EnvSettings field → why it is read-only (the studio file's reason and path)."""
        from azure_batch_maya.settings.enforcement import env_lock_notes

        return env_lock_notes(self.studio)

    def update(self, **changes: Any) -> EnvSettings:
        """Change some fields (`vm_size="…"`, `licences=LicenceServers(…)`) and save.

        A locked field keeps the studio's value whatever is asked."""
        self.saved = replace(self.saved, **changes)
        self.chosen = self.chosen | set(changes)
        self.settings = self._effective()
        self._save()
        self.problem = None  # the file is whole again
        self.changed.emit(self.settings)
        return self.settings

    def set_licence(self, name: str, server: str) -> None:
        self.update(licences=replace(self.settings.licences, **{name: server.strip() or None}))

    def set_environment(self, pairs: list[tuple[str, str]]) -> None:
        """The variables table; rows without a name are dropped, a bad name is refused."""
        kept = tuple((k.strip(), v) for k, v in pairs if k.strip())
        for name, _ in kept:
            if "=" in name or " " in name:
                raise SettingsError(f"environment variable {name!r}: names cannot hold = or spaces")
        self.update(environment=kept)

    def set_registry_password(self, password: str) -> None:
        """Keep the registry user's password in the OS keyring (never in the settings file)."""
        s = self.settings
        if not (s.registry_server.strip() and s.registry_username.strip()):
            raise SettingsError("enter the registry server and user name before the password")
        try:
            save_registry_password(s.registry_server.strip(), s.registry_username.strip(), password)
        except SecretStoreError as exc:
            raise SettingsError(exc.message) from None

    def vm_sizes(self) -> list[str]:
        """VM sizes the price table knows (the list to search); the current one first if not."""
        sizes = _priced_sizes()
        known = {s.lower() for s in sizes}
        current = self.settings.vm_size
        return sizes if current.lower() in known else [current, *sizes]

    @staticmethod
    def licences_for(renderer: str) -> tuple[str, ...]:
        """Licence servers the detected renderer needs (Maya's own for any of them)."""
        return RENDERER_LICENCES.get(renderer, ("autodesk",))

    def _effective(self) -> EnvSettings:
        from azure_batch_maya.settings.enforcement import studio_env

        try:
            return studio_env(self.saved, self.studio, self.chosen)
        except PresetsError as exc:
            self.studio_problem = str(exc)
            return self.saved

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        part = self.path.with_name(self.path.name + ".part")
        data = {**self.saved.to_json(), CHOSEN_KEY: sorted(self.chosen)}
        part.write_text(json.dumps(data, indent=1), encoding="utf-8")
        part.replace(self.path)


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


def _priced_sizes() -> list[str]:
    """The VM sizes of the price table in use, spelt as the table spells them."""
    try:
        table = load_prices()
    except PriceError:
        return []
    path = Path(table.source)
    if path.is_file():
        data = json.loads(path.read_text("utf-8"))
    else:
        shipped = resources.files("azure_batch_maya") / "data" / PRICES_FILE
        data = json.loads(shipped.read_text("utf-8"))
    return sorted(data.get("prices", {}), key=str.lower)
