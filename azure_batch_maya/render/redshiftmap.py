"""Redshift's path-override file (`REDSHIFT_PATHOVERRIDE_FILE`): one `"source" "target"` a line.

The format has no documented escape for a double quote, so a path holding one cannot be written;
it is left out and named in `skipped`, so the caller can warn instead of shipping a broken file.
"""

from __future__ import annotations

from dataclasses import dataclass

from azure_batch_maya.render.pathmap import NodePathMap

ENV_VAR = "REDSHIFT_PATHOVERRIDE_FILE"
FILE_NAME = "azbm_redshift_pathoverride.txt"  # on the node, beside the scene or in the task folder


@dataclass(frozen=True)
class RedshiftOverrides:
    text: str
    skipped: tuple[str, ...]


def redshift_overrides(pathmap: NodePathMap) -> RedshiftOverrides:
    lines: list[str] = []
    skipped: list[str] = []
    pairs = list(pathmap.files) + [(d.scene, d.node) for d in pathmap.dirs]
    for source, target in pairs:
        if any(c in s for s in (source, target) for c in '"\n\r'):
            skipped.append(source)
            continue
        lines.append(f'"{source}" "{target}"')
    return RedshiftOverrides("\n".join(lines) + ("\n" if lines else ""), tuple(skipped))
