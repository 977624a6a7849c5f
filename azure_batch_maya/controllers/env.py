"""The Env tab: what the render nodes are (image, VM size, node counts), licences, variables.

Persisted as JSON in the user's data folder; nothing secret goes in it (a container registry
password is not asked for here: use a registry the pool reaches with a managed identity).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from azure_batch_maya.assets.userdirs import data_dir
from azure_batch_maya.controllers.events import Event
from azure_batch_maya.render.cost import PRICES_FILE, PriceError, load_prices
from azure_batch_maya.render.settings import (
    DEFAULT_IMAGE,
    DEFAULT_VM_SIZE,
    LicenceServers,
    SettingsError,
)
from azure_batch_maya.services.batch import ContainerImage, CustomImage, ImageSpec, MarketplaceImage
from azure_batch_maya.settings.studio import PresetsError, StudioPresets

log = logging.getLogger(__name__)

ENV_FILE = "env.json"
CHOSEN_KEY = "chosen"  # the fields the artist set, so the studio's defaults fill only the rest
ImageKind = Literal["marketplace", "custom", "container"]
IMAGE_KINDS: tuple[ImageKind, ...] = ("marketplace", "custom", "container")
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

    image_kind: ImageKind = "marketplace"
    publisher: str = DEFAULT_IMAGE.publisher
    offer: str = DEFAULT_IMAGE.offer
    sku: str = DEFAULT_IMAGE.sku
    custom_image_id: str = ""
    container_image: str = ""
    node_agent_sku: str = DEFAULT_IMAGE.node_agent_sku_id
    vm_size: str = DEFAULT_VM_SIZE
    dedicated_nodes: int = 1
    spot_nodes: int = 0
    licences: LicenceServers = field(default_factory=LicenceServers)
    environment: tuple[tuple[str, str], ...] = ()

    def image(self) -> ImageSpec:
        """The image spec these choices make; SettingsError names the missing field."""
        if not self.node_agent_sku.strip():
            raise SettingsError("enter the node agent SKU (e.g. batch.node.ubuntu 24.04)")
        market = MarketplaceImage(
            self.publisher.strip(), self.offer.strip(), self.sku.strip(), self.node_agent_sku
        )
        if self.image_kind == "custom":
            if not self.custom_image_id.strip():
                raise SettingsError("enter the custom image's resource id (Azure Compute Gallery)")
            return CustomImage(self.custom_image_id.strip(), self.node_agent_sku)
        if not (market.publisher and market.offer and market.sku):
            raise SettingsError("enter the marketplace image's publisher, offer and SKU")
        if self.image_kind == "container":
            if not self.container_image.strip():
                raise SettingsError("enter the container image (e.g. myregistry.azurecr.io/maya)")
            return ContainerImage(self.container_image.strip(), market)
        return market

    def submit_fields(self) -> dict[str, Any]:
        """What these choices set on a `SubmitSettings` (the Submit tab and `submit` use it)."""
        return {
            "vm_size": self.vm_size,
            "image": self.image(),
            "dedicated_nodes": self.dedicated_nodes,
            "spot_nodes": self.spot_nodes,
            "licences": self.licences,
            "environment": dict(self.environment),
        }

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
        if values.get("image_kind") not in IMAGE_KINDS:
            values.pop("image_kind", None)
        return cls(**values)


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
