"""`SceneInfo`: the one description of a scene that the rest of the product uses.

Both readers (the offline .ma reader and the live Maya reader) produce it, so job building,
asset resolution and the panel never care where a scene came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FrameRange:
    """Frames as render settings hold them; Maya allows fractional frames and steps."""

    start: float = 1.0
    end: float = 1.0
    step: float = 1.0

    def to_json(self) -> dict[str, float | int]:
        return {"start": _num(self.start), "end": _num(self.end), "step": _num(self.step)}


@dataclass(frozen=True)
class FileRef:
    """One external file as the scene writes it: (node, node type, attribute, raw path).

    `attribute` is the name as the .ma file writes it (`ftn`, `dso`, `cfn`, …); a reference
    node's file is `("xRN", "reference", "file", path)`. `frame_sequence` and `uv_tiling` carry
    the node's own hints (`useFrameExtension`, `uvTilingMode`) so asset expansion needs no
    second look at the scene.
    """

    node: str
    node_type: str
    attribute: str
    path: str
    frame_sequence: bool = False
    uv_tiling: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "node_type": self.node_type,
            "attribute": self.attribute,
            "path": self.path,
        }


@dataclass(frozen=True)
class RenderLayer:
    """A legacy render layer; a Render Setup layer `X` appears as its legacy layer `rs_X`."""

    name: str
    renderable: bool = True
    render_setup: str | None = None  # the renderSetupLayer's name, when there is one

    @property
    def display_name(self) -> str:
        if self.name == "defaultRenderLayer":
            return "masterLayer"
        return self.render_setup or self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "display_name": self.display_name,
            "renderable": self.renderable,
            "render_setup": self.render_setup is not None,
        }


@dataclass(frozen=True)
class Camera:
    """A camera shape and its transform; only renderable ones are rendered."""

    shape: str
    transform: str
    renderable: bool = False


@dataclass(frozen=True)
class PluginRequirement:
    """A `requires` line: the plug-in, its version, and the node types it provides."""

    name: str
    version: str
    node_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class SceneInfo:
    """Everything a render needs to know about a scene, from either reader."""

    scene: str
    maya_version: str | None = None
    codeset: str | None = None
    renderer: str = "mayaSoftware"
    frames: FrameRange = field(default_factory=FrameRange)
    animation: bool = False
    image_prefix: str = ""
    image_format: str = ""
    layers: tuple[RenderLayer, ...] = ()
    cameras: tuple[Camera, ...] = ()
    project_root: str | None = None
    plugins: tuple[PluginRequirement, ...] = ()
    references: tuple[FileRef, ...] = ()
    renumber_frames: bool = False
    warnings: tuple[str, ...] = ()

    @property
    def renderable_cameras(self) -> tuple[Camera, ...]:
        return tuple(c for c in self.cameras if c.renderable)

    @property
    def renderable_layers(self) -> tuple[RenderLayer, ...]:
        return tuple(layer for layer in self.layers if layer.renderable)

    def to_json(self) -> dict[str, Any]:
        """The `scan --json` object; the keys are a public contract, extend, never rename."""
        return {
            "scene": self.scene,
            "maya_version": self.maya_version,
            "codeset": self.codeset,
            "renderer": self.renderer,
            "frames": self.frames.to_json(),
            "animation": self.animation,
            "image_prefix": self.image_prefix,
            "image_format": self.image_format,
            "layers": [layer.to_json() for layer in self.layers],
            "cameras": [c.transform for c in self.renderable_cameras],
            "project_root": self.project_root,
            "plugins": [{"name": p.name, "version": p.version} for p in self.plugins],
            "references": [ref.to_json() for ref in self.references],
            "warnings": list(self.warnings),
        }


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value
