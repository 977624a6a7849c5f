"""The Env tab: how the nodes get Maya (the route), VM size, node counts, network, licences.

The choices themselves, their checks and their file are `settings/env.py`; this holds the
tab's state: the studio file's rules applied, the keyring for a registry password, the list
of VM sizes to search (from the price table the panel reads on a worker: never read here).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from azure_batch_maya.controllers.events import Event
from azure_batch_maya.render.cost import PriceTable
from azure_batch_maya.render.settings import LicenceServers, SettingsError
from azure_batch_maya.services.errors import SecretStoreError
from azure_batch_maya.services.settings import save_registry_password
from azure_batch_maya.settings.env import (
    CONTAINER_HOST,
    CUSTOM_NODE_AGENT,
    ENTRA_FOR_GALLERY_NOTE,
    ENV_FILE,
    IMAGE_KINDS,
    REGISTRY_AUTHS,
    RETIRED_LICENCES_NOTE,
    EnvSettings,
    env_path,
    load_env,
    save_env,
)
from azure_batch_maya.settings.studio import PresetsError, StudioPresets

__all__ = [
    "CONTAINER_HOST",
    "CUSTOM_NODE_AGENT",
    "ENTRA_FOR_GALLERY_NOTE",
    "ENV_FILE",
    "IMAGE_KINDS",
    "REGISTRY_AUTHS",
    "RETIRED_LICENCES_NOTE",
    "EnvController",
    "EnvSettings",
    "LicenceServers",
]

log = logging.getLogger(__name__)

# The licence each renderer needs besides Maya's own (Autodesk) licence.
RENDERER_LICENCES = {
    "arnold": ("autodesk", "arnold_rlm"),
    "vray": ("autodesk", "vray"),
    "redshift": ("autodesk", "redshift"),
}


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
        self.folder = folder
        self.path = env_path(folder)
        self.studio = studio or StudioPresets()
        self.studio_problem = studio_problem  # a studio file that is wrong: submitting stops
        self.saved = EnvSettings()  # the artist's own choices, as in the file
        self.chosen: frozenset[str] = frozenset()
        self.settings = self._effective()
        self.changed: Event[EnvSettings] = Event()
        self.problem: str | None = None  # why the saved file could not be used, if it could not
        # The price table's VM sizes: none until `apply_prices` hands over a table read on a
        # worker (the panel's start, and each refresh of prices), so a redraw reads no file.
        self.sizes: tuple[str, ...] = ()

    def load(self) -> EnvSettings:
        saved = load_env(self.folder)
        self.saved, self.chosen, self.problem = saved.settings, saved.chosen, saved.problem
        if self.problem:
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
        known = {s.lower() for s in self.sizes}
        current = self.settings.vm_size
        return list(self.sizes) if current.lower() in known else [current, *self.sizes]

    def apply_prices(self, table: PriceTable | str) -> None:
        """A price table read on a worker (or why there is none): its sizes become the list."""
        sizes = table.sizes if isinstance(table, PriceTable) else ()
        if sizes and sizes != self.sizes:
            self.sizes = sizes
            self.changed.emit(self.settings)

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
        save_env(self.saved, self.chosen, self.folder)
