"""Installers for the "install at node start" route, for a panel tab (no widgets here).

The same store as `nodes installers …`: `list_installers`, `add` and `remove` are slow (storage
calls, hashing and uploading gigabytes) and belong on a worker thread; `add` reports bytes
sent and stops on the cancel event. `apply` takes a listing back on the UI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from azure_batch_maya.assets.hashcache import HashCache
from azure_batch_maya.controllers.events import Event
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.transfer import installers
from azure_batch_maya.transfer.installers import AddReport, Installer, InstallerOS


class InstallersController:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.installers: tuple[Installer, ...] = ()
        self.changed: Event[InstallersController] = Event()

    def list_installers(self) -> tuple[Installer, ...]:
        """The stored installers, in install order. Slow."""
        return installers.list_installers(self.session.require_connection().blobs)

    def add(
        self,
        files: Sequence[Path],
        *,
        os_hint: InstallerOS | None = None,
        args: str = "",
        progress: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> AddReport:
        """Hash (cached) and upload what storage lacks, then list them. Slow."""
        blobs = self.session.require_connection().blobs
        cache = HashCache.load()
        try:
            return installers.add_installers(
                blobs,
                files,
                digests=lambda p: cache.digest(str(p)).sha256,
                os_hint=os_hint,
                args=args,
                progress=progress,
                cancel=cancel,
            )
        finally:
            cache.save()

    def remove(self, name: str) -> Installer:
        """Take one off the list (and its content, unless listed again). Slow."""
        return installers.remove_installer(self.session.require_connection().blobs, name)

    def apply(self, listed: tuple[Installer, ...]) -> None:
        self.installers = listed
        self.changed.emit(self)
