"""The renderers the product can send to a farm, keyed by `defaultRenderGlobals.currentRenderer`.

The one table that validation, job building, the Submit tab and the cost estimate read. The
`Render -r` names differ from the scene's values (`mayaSoftware` → `sw`); both are kept, with
the plug-in to load, each renderer's own flags and environment (shared/MAYA_FACTS.md §1), the
plug that names its images and the format it writes when the scene names none (docs/rendering.md).
Anything else (RenderMan, mental ray, …) is a validation error naming the ones supported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


class UnsupportedRendererError(ValueError):
    """The scene's renderer is not one this product can render on a farm."""


GLOBALS_PREFIX = "defaultRenderGlobals.imageFilePrefix"


@dataclass(frozen=True)
class Renderer:
    scene_name: str  # currentRenderer
    render_name: str  # `Render -r …`
    label: str
    plugin: str | None  # Maya plug-in that provides it
    default_format: str  # the image format when the scene names none (unverified: vray, redshift)
    prefix_plug: str = GLOBALS_PREFIX  # the attribute its image file names come from
    path_file_env: str | None = None  # the path-mapping file variable it reads, if any
    environment: Mapping[str, str] = field(default_factory=dict)
    options: Mapping[str, str] = field(default_factory=dict)  # option → `Render` flag

    def render_flags(self, values: Mapping[str, str]) -> tuple[str, ...]:
        """`Render` flags for renderer options, e.g. `{"verbosity": "2"}` → `-ai:lve 2`."""
        flags: list[str] = []
        for key, value in values.items():
            if key not in self.options:
                known = ", ".join(sorted(self.options)) or "none"
                raise UnsupportedRendererError(
                    f"{self.label} has no option {key!r} (its options: {known})"
                )
            flags += [self.options[key], value]
        return tuple(flags)


RENDERERS: dict[str, Renderer] = {
    r.scene_name: r
    for r in (
        Renderer("mayaSoftware", "sw", "Maya Software", None, "iff"),
        Renderer("mayaHardware2", "hw2", "Maya Hardware 2.0", None, "iff"),
        Renderer(
            "arnold",
            "arnold",
            "Arnold",
            "mtoa",
            "exr",
            path_file_env="ARNOLD_PATHMAP",
            options={"verbosity": "-ai:lve", "threads": "-ai:threads"},
        ),
        Renderer(
            "vray",
            "vray",
            "V-Ray",
            "vrayformaya",
            "exr",
            prefix_plug="vraySettings.fileNamePrefix",
            options={"threads": "-threads"},
        ),
        Renderer(
            "redshift",
            "redshift",
            "Redshift",
            "redshift4maya",
            "exr",
            path_file_env="REDSHIFT_PATHOVERRIDE_FILE",
            environment={"REDSHIFT_FORCEQUITONINTERNALERROR": "1"},
            options={"gpu": "-gpu"},
        ),
    )
}


def supported_text() -> str:
    """The supported renderers for a message: `Maya Software (mayaSoftware), …`."""
    return ", ".join(f"{r.label} ({r.scene_name})" for r in RENDERERS.values())


def renderer_for(current_renderer: str) -> Renderer:
    """The table entry for a scene's `currentRenderer`; raises for anything unsupported."""
    try:
        return RENDERERS[current_renderer]
    except KeyError:
        raise UnsupportedRendererError(
            f"the scene renders with {current_renderer!r}, which cannot be sent to a farm yet; "
            f"switch Render Settings to one of: {supported_text()}"
        ) from None


def render_command(renderer: Renderer, values: Mapping[str, str]) -> tuple[str, ...]:
    """A `Render` command template for the render script's command launcher.

    For farms whose scenes' paths already resolve on the nodes: `Render` opens the scene itself,
    so `dirmap` cannot be on before references load (shared/MAYA_FACTS.md §3). The mayapy
    launcher is the default for that reason. `{…}` are filled per task by the render script.
    Arnold is told to abort on a licence failure (`-ai:alf`), as the mayapy launcher tells it.
    """
    forced = ("-ai:alf", "true") if renderer.scene_name == "arnold" else ()
    return (
        "Render",
        "-r",
        renderer.render_name,
        "-s",
        "{start}",
        "-e",
        "{end}",
        "-b",
        "{step}",
        "-rd",
        "{images}",
        "-proj",
        "{project}",
        *forced,
        *renderer.render_flags(values),
        "{scene}",
    )
