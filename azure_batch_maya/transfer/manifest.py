"""What one submission's inputs are: node path → content hash, frozen at submission.

Files live once in a content-addressed store (`sha256/<hash>` in one container); a manifest
per submission lists which of them the job reads and where each goes on the node. Uploading a
newer version of a file later adds a new blob and never changes what a running job reads.
The manifest itself is named by its content too (`manifests/<job id>/<sha256>.json`): two
submissions can never write over each other's, whatever ids they were given.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from azure_batch_maya.assets.project import AssetProject

STORE_CONTAINER = "abm-store"
BLOB_PREFIX = "sha256/"
MANIFEST_PREFIX = "manifests/"
FORMAT_VERSION = 1


class ManifestError(ValueError):
    """A manifest that cannot be read; the job that uses it must be submitted again."""


@dataclass(frozen=True)
class ManifestEntry:
    node_path: str  # relative to the node's asset root, forward slashes
    sha256: str
    size: int

    @property
    def blob_name(self) -> str:
        return blob_name(self.sha256)


@dataclass(frozen=True)
class Manifest:
    submission: str
    project: str
    created: str
    entries: tuple[ManifestEntry, ...]

    @property
    def total_size(self) -> int:
        return sum(e.size for e in self.entries)

    @property
    def blob_name(self) -> str:
        return text_blob_name(MANIFEST_PREFIX, self.submission, to_json(self))


def blob_name(sha256: str) -> str:
    return f"{BLOB_PREFIX}{sha256}"


def text_blob_name(prefix: str, job_id: str, text: str) -> str:
    """`<prefix><job id>/<sha256 of text>.json`: a job's file under a name no other content
    can take, so neither a second job nor a retry can overwrite what a job reads."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{prefix}{job_id}/{digest}.json"


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


def to_json(manifest: Manifest) -> str:
    """The manifest file; render nodes read it with `node.fetch_inputs.read_manifest`."""
    data: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "submission": manifest.submission,
        "project": manifest.project,
        "created": manifest.created,
        "files": [
            {"path": e.node_path, "blob": e.blob_name, "sha256": e.sha256, "size": e.size}
            for e in manifest.entries
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1)


def from_json(text: str) -> Manifest:
    try:
        data = json.loads(text)
        version = data.get("version")
        files = data["files"]
        entries = tuple(
            ManifestEntry(str(f["path"]), str(f["sha256"]), int(f["size"])) for f in files
        )
        head = (str(data["submission"]), str(data["project"]), str(data["created"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ManifestError(f"not a readable input manifest: {exc}") from None
    if version != FORMAT_VERSION:
        raise ManifestError(f"manifest format {version!r} is not {FORMAT_VERSION}")
    return Manifest(*head, entries)
