"""The asset part of `scan --json`: per reference `resolved`, `rule`, `files`; and `validation`.

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
