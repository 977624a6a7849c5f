"""The renderers' own path-mapping files: one table for the job's plan and for other farms.

Arnold and Redshift read paths Maya never sees (inside `.ass` stand-ins, proxies), so each gets
the folder mapping again in a file of its own format, named by an environment variable. Their
file names and writers are kept here once: `planmapping` puts the renderer's file in the plan,
`farmmapping` writes them all for a farm of the user's own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from azure_batch_maya.node.plan import PathFile
from azure_batch_maya.render import arnoldmap, redshiftmap
from azure_batch_maya.render.pathmap import NodePathMap


@dataclass(frozen=True)
class RendererPathFiles:
    files: tuple[PathFile, ...]
    skipped: tuple[str, ...]  # paths a format could not hold (named for a warning)


@dataclass(frozen=True)
class _Format:
    name: str
    json_text: bool  # a root put in later must be JSON-escaped
    write: Callable[[NodePathMap], tuple[str, tuple[str, ...]]]  # → text, skipped paths


def _redshift(pathmap: NodePathMap) -> tuple[str, tuple[str, ...]]:
    overrides = redshiftmap.redshift_overrides(pathmap)
    return overrides.text, overrides.skipped


FORMATS: dict[str, _Format] = {
    arnoldmap.ENV_VAR: _Format(
        arnoldmap.FILE_NAME, True, lambda m: (arnoldmap.arnold_pathmap_json(m), ())
    ),
    redshiftmap.ENV_VAR: _Format(redshiftmap.FILE_NAME, False, _redshift),
}


def renderer_path_files(pathmap: NodePathMap, envs: Collection[str]) -> RendererPathFiles:
    """The files for the renderers reading the variables `envs` (every one of `FORMATS`)."""
    files: list[PathFile] = []
    skipped: list[str] = []
    for env, form in FORMATS.items():
        if env in envs:
            text, left_out = form.write(pathmap)
            files.append(PathFile(env, form.name, text, form.json_text))
            skipped += left_out
    return RendererPathFiles(tuple(files), tuple(skipped))
