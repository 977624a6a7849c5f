"""A small stand-in for `maya.cmds`, at the live reader's seam only: an in-memory node graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeNode:
    node_type: str
    attrs: dict[str, Any] = field(default_factory=dict)
    parent: str | None = None
    referenced: bool = False


@dataclass
class FakeCmds:
    """Answers the queries the live reader makes, the way Maya's commands answer them."""

    nodes: dict[str, FakeNode] = field(default_factory=dict)
    connections: list[tuple[str, str]] = field(default_factory=list)  # (source, destination)
    reference_files: dict[str, str] = field(default_factory=dict)
    plugins_in_use: list[str] = field(default_factory=list)
    scene_name: str = ""
    workspace_root: str = ""
    loaded_types: set[str] | None = None

    def file(self, *, q: bool, sceneName: bool) -> str:
        return self.scene_name

    def workspace(self, *, q: bool, rootDirectory: bool) -> str:
        return self.workspace_root

    def about(self, *, version: bool = False, codeset: bool = False) -> str:
        return "2025" if version else "UTF-8"

    def objExists(self, name: str) -> bool:
        return name in self.nodes

    def getAttr(self, plug: str) -> Any:
        node, attr = plug.split(".", 1)
        if node not in self.nodes or attr not in self.nodes[node].attrs:
            raise ValueError(f"No object matches name: {plug}")
        return self.nodes[node].attrs[attr]

    def ls(self, *, type: str) -> list[str]:
        if self.loaded_types is not None and type not in self.loaded_types:
            raise RuntimeError(f"Unknown object type: {type}")
        return [name for name, node in self.nodes.items() if node.node_type == type]

    def listRelatives(self, node: str, *, parent: bool) -> list[str] | None:
        found = self.nodes[node].parent
        return [found] if found else None

    def listConnections(self, plug: str, *, source: bool, destination: bool) -> list[str] | None:
        found = [s.split(".")[0] for s, d in self.connections if d == plug]
        return found or None

    def pluginInfo(self, *, q: bool, pluginsInUse: bool) -> list[str] | None:
        return self.plugins_in_use or None

    def referenceQuery(self, node: str, **flags: bool) -> Any:
        if flags.get("isNodeReferenced"):
            return self.nodes[node].referenced
        if node not in self.reference_files:
            raise RuntimeError(f"Reference node '{node}' is not associated with a reference file.")
        return self.reference_files[node]

    def attributeQuery(self, attr: str, *, node: str, exists: bool) -> bool:
        return attr in self.nodes[node].attrs
