"""The files a scene and the scenes it references name, as paths on this node.

One walk for the stand-in's two questions: which files are absent (`standin.missing_files`)
and which textures to show (`contactsheet.node_textures`). Explicit remaps name the top
scene's nodes, so nested scenes are mapped by dirmap alone, as Maya does.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from azure_batch_maya.node.nodemap import NodeMapping
from azure_batch_maya.scene.errors import SceneError
from azure_batch_maya.scene.ma_reader import read_ma
from azure_batch_maya.scene.model import FileRef


@dataclass(frozen=True)
class NodeRef:
    """One file reference: the scene holding it, its plug, and its path on the node."""

    scene: Path
    ref: FileRef
    plug: str
    value: str

    @property
    def loads_scene(self) -> bool:
        """A reference node loading an .ma scene, which the walk can follow."""
        return self.ref.node_type == "reference" and self.value.lower().endswith(".ma")


@dataclass(frozen=True)
class UnreadableScene:
    """A scene on the walk that could not be read (absent or damaged)."""

    path: Path
    error: str


def walk_references(
    scene_path: Path, mapping: NodeMapping, follow: Callable[[NodeRef], bool]
) -> Iterator[NodeRef | UnreadableScene]:
    """Every reference of the scene, then of each referenced scene `follow` accepts (once)."""
    queue: list[tuple[Path, bool]] = [(scene_path, True)]
    seen: set[str] = set()
    while queue:
        path, top = queue.pop(0)
        key = os.path.normcase(str(path))
        if key in seen:
            continue
        seen.add(key)
        try:
            info = read_ma(path)
        except SceneError as exc:
            yield UnreadableScene(path, str(exc))
            continue
        for ref in info.references:
            plug = f"{ref.node}.{ref.attribute}"
            value = mapping.value_for(plug, ref.path) if top else mapping.map_written(ref.path)
            item = NodeRef(path, ref, plug, value)
            yield item
            if item.loads_scene and follow(item):
                queue.append((Path(value), False))
