"""Where a scene's Maya project is: the folder that holds `workspace.mel`."""

from __future__ import annotations

from pathlib import Path

WORKSPACE_FILE = "workspace.mel"


def find_project_root(scene: Path) -> Path | None:
    """The nearest folder above `scene` holding `workspace.mel`, as Maya finds a project."""
    for folder in scene.resolve().parents:
        if (folder / WORKSPACE_FILE).is_file():
            return folder
    return None
