"""Where Maya writes a frame's image: the image prefix with its tokens, frame and extension.

Used twice, so both sides agree: when a job is built (the images each task must produce) and
on the node by the stand-in renderer (where it writes). Maya's naming has more switches than
modelled here; the render script forces the ones it relies on (`name.#.ext`, padding), and an
unknown token is an error rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DEFAULT_PREFIX = "<Scene>"
DEFAULT_PADDING = 4

# Maya's own tokens; `%s`, `%l`, `%c` are the pre-2008 spellings still accepted.
_TOKEN = re.compile(r"<([^<>/\\]+)>|%([slc])")
_UNUSED = {"version": ""}

# Image format (imfPluginKey / Arnold driver translator) → file extension. Keys seen in real
# scenes: png, exr, tif, jpeg, iff; the rest are guesses (unverified), and an unknown format
# is an error, so a wrong guess fails when the job is built, not on the farm.
EXTENSIONS = {
    "png": "png",
    "exr": "exr",
    "deepexr": "exr",
    "tif": "tif",
    "tiff": "tif",
    "jpeg": "jpg",
    "jpg": "jpg",
    "iff": "iff",
    "maya": "iff",
    "tga": "tga",
    "targa": "tga",
    "bmp": "bmp",
}


class ImageNameError(ValueError):
    """An image prefix or format this product cannot predict the file names of."""


@dataclass(frozen=True)
class ImageNaming:
    """The settings that decide file names: prefix, extension, frame padding."""

    prefix: str
    extension: str
    padding: int = DEFAULT_PADDING

    def name(
        self, *, scene: str, layer: str, camera: str, frame: float, render_pass: str = "beauty"
    ) -> str:
        """The image's path relative to the images folder, with `/` separators."""
        if not float(frame).is_integer():
            raise ImageNameError(
                f"frame {frame} is fractional; fractional frames are not supported yet, "
                "render whole frames (e.g. 1-10)"
            )
        stem = expand_prefix(
            self.prefix, scene=scene, layer=layer, camera=camera, render_pass=render_pass
        )
        return f"{stem}.{int(frame):0{self.padding}d}.{self.extension}"


def image_extension(image_format: str, default_format: str) -> str:
    """The extension for a scene's image format, or `default_format` (the renderer table's,
    `render/renderers.py`) when the scene names none."""
    key = (image_format or default_format).lower()
    try:
        return EXTENSIONS[key]
    except KeyError:
        known = ", ".join(sorted(EXTENSIONS))
        raise ImageNameError(
            f"image format {image_format!r} is not one this product knows the extension of "
            f"({known}); choose one of them in Render Settings"
        ) from None


def effective_prefix(prefix: str, *, layers: int, cameras: int) -> str:
    """The prefix the node sets: the scene's own, or for an empty one what Maya does by default
    (`<Scene>` under a `<RenderLayer>/` folder when several layers render and a `<Camera>/`
    folder when several cameras do; docs/rendering.md). Setting it on the node leaves Maya
    nothing to choose, so the names predicted here are the names written."""
    if prefix.strip():
        return prefix
    folders = ("<RenderLayer>/" if layers > 1 else "") + ("<Camera>/" if cameras > 1 else "")
    return folders + DEFAULT_PREFIX


def layer_token(layer: str) -> str:
    """What `<RenderLayer>` becomes for a layer's shown name: Render Setup shows the default
    layer as `masterLayer` (MtoA and OpenPype both map it so; docs/rendering.md)."""
    return "masterLayer" if layer == "defaultRenderLayer" else layer


def expand_prefix(
    prefix: str, *, scene: str, layer: str, camera: str, render_pass: str = "beauty"
) -> str:
    """The prefix with its tokens replaced; raises on a token it does not know."""
    values = {
        "scene": scene,
        "s": scene,
        "renderlayer": layer_token(layer),
        "layer": layer_token(layer),
        "l": layer_token(layer),
        "camera": camera.rsplit("|", 1)[-1].replace(":", "_"),
        "c": camera.rsplit("|", 1)[-1].replace(":", "_"),
        "renderpass": render_pass,
        **_UNUSED,
    }

    def replace(match: re.Match[str]) -> str:
        key = (match.group(1) or match.group(2)).lower()
        if key not in values:
            raise ImageNameError(
                f"image prefix {prefix!r} uses {match.group(0)}, which this product cannot "
                "predict; use <Scene>, <RenderLayer>, <Camera> or <RenderPass>"
            )
        return values[key]

    text = _TOKEN.sub(replace, prefix or DEFAULT_PREFIX).replace("\\", "/")
    parts = [p for p in text.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise ImageNameError(
            f"image prefix {prefix!r} does not name a file inside the images folder"
        )
    return "/".join(parts)
