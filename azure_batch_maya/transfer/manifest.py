"""One submission's manifest made from its asset project, and where the store keeps contents.

The manifest file itself is defined once, in `node/manifest.py` (the node reads it with the
same code, stdlib only); this module holds what only the uploading side needs.
"""

from __future__ import annotations

from datetime import datetime, timezone

from azure_batch_maya.assets.project import AssetProject
from azure_batch_maya.node.manifest import Manifest, ManifestEntry

STORE_CONTAINER = "abm-store"


def manifest_for(
    project: AssetProject, submission: str, *, now: datetime | None = None
) -> Manifest:
    """The manifest of an asset project, entries sorted by node path."""
    created = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = sorted(
        {ManifestEntry(f.node_path, f.sha256, f.size) for f in project.files},
        key=lambda e: e.node_path,
    )
    return Manifest(submission, project.name, created, tuple(entries))
