"""`Session`: what every tab shares, the open scene and the connection, and news of either."""

from __future__ import annotations

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.controllers.events import Event
from azure_batch_maya.scene.model import SceneInfo


class Session:
    """The scene the panel works on and the accounts it talks to (None until each is known)."""

    def __init__(self, scene: SceneInfo | None = None) -> None:
        self.scene = scene
        self.connection: Connection | None = None
        self.scene_changed: Event[SceneInfo | None] = Event()
        self.connection_changed: Event[Connection | None] = Event()

    def set_scene(self, scene: SceneInfo | None) -> None:
        self.scene = scene
        self.scene_changed.emit(scene)

    def set_connection(self, connection: Connection | None) -> None:
        self.connection = connection
        self.connection_changed.emit(connection)

    def require_connection(self) -> Connection:
        """The connection, or an error telling the user to authenticate first."""
        if self.connection is None:
            raise NotAuthenticatedError("not connected: press Authenticate on the Config tab first")
        return self.connection

    def require_scene(self) -> SceneInfo:
        if self.scene is None:
            raise NoSceneError("no scene is open: open or save a Maya scene first")
        return self.scene


class NotAuthenticatedError(RuntimeError):
    """An action needs the accounts and the Config tab has not connected yet."""


class NoSceneError(RuntimeError):
    """An action needs a scene and none is open."""
