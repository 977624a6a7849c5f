"""What the user decided about a scene's files: search paths, added and deselected files.

The asset project is built from the scene and these; `settings/assetchoices.py` keeps them
per scene so they come back when the scene does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AssetChoices:
    """What the user decided for a scene; paths are local and absolute."""

    search_paths: tuple[str, ...] = ()
    added: tuple[str, ...] = ()  # files or folders (a folder adds every file below it)
    deselected: tuple[str, ...] = ()  # files or folders not to send
    project_name: str | None = None
