"""`scan`: a scene's JSON (`scan --json`, the panel, the tests) and its readable summary.

The asset part of `scan --json`: per reference `resolved`, `rule`, `files`; and `validation`.

Files used by referenced scenes (when they were read) come in `nested_references`, each with
`via`, the reference nodes it came through.

Kept here, not in the CLI, so the panel and the tests get the same object; the keys only grow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azure_batch_maya.assets.resolve import Resolution
from azure_batch_maya.render.validation import Finding
from azure_batch_maya.scene.model import SceneInfo


def scan_json(
    scene: SceneInfo, resolutions: Sequence[Resolution], findings: Sequence[Finding]
) -> dict[str, Any]:
    """`scene.to_json()` with each reference's resolution and the validation list added."""
    data = scene.to_json()
    top, nested = resolutions[: len(scene.references)], resolutions[len(scene.references) :]
    data["references"] = [
        {**ref.to_json(), **_resolution(res)}
        for ref, res in zip(scene.references, top, strict=True)
    ]
    if nested:
        data["nested_references"] = [
            {"via": list(res.via), **res.ref.to_json(), **_resolution(res)} for res in nested
        ]
    data["validation"] = [f.to_json() for f in findings]
    return data


def _resolution(res: Resolution) -> dict[str, Any]:
    return {**res.to_json(), **({"message": res.message} if res.message else {})}


def summary(data: dict[str, Any]) -> str:
    """The readable form of the `--json` object: what an artist checks before submitting."""
    frames = data["frames"]
    lines = [
        f"Scene:     {data['scene']}",
        f"Maya:      {data['maya_version'] or 'unknown'}   codeset {data['codeset'] or '?'}",
        f"Project:   {data['project_root'] or '(no workspace.mel found; use --project)'}",
        f"Renderer:  {data['renderer']}",
        f"Frames:    {frames['start']}-{frames['end']} step {frames['step']}"
        + ("" if data["animation"] else "   (animation off: Maya renders one frame)"),
        f"Output:    {data['image_prefix'] or '<Scene>'}"
        + (f"  [{data['image_format']}]" if data["image_format"] else ""),
        "Layers:    "
        + (
            ", ".join(
                layer["display_name"] + ("" if layer["renderable"] else " (off)")
                for layer in data["layers"]
            )
            or "(none in file)"
        ),
        f"Cameras:   {', '.join(data['cameras']) or '(no renderable camera)'}",
        "Plug-ins:  "
        + (", ".join(f"{p['name']} {p['version']}" for p in data["plugins"]) or "(none)"),
        f"Files:     {len(data['references'])} referenced",
    ]
    for ref in data["references"]:
        lines.append(f"  {ref['node']} ({ref['node_type']}.{ref['attribute']}): {ref['path']}")
        if ref.get("rule"):
            count = len(ref["files"])
            files = f"  [{count} files]" if count > 1 else ""
            lines.append(f"      found ({ref['rule']}): {ref['resolved'] or '(with Maya)'}{files}")
    for warning in data["warnings"]:
        lines.append(f"Warning: {warning}")
    return "\n".join(lines) + "\n"
