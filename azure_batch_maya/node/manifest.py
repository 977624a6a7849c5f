"""What one submission's inputs are: node path → content hash, frozen at submission.

The one definition of the manifest file, for both sides: the upload step builds a `Manifest`
(`transfer.manifest.manifest_for`) and writes it with `to_json`; the job preparation task on
the node reads it with `from_json` (`node.fetch_inputs`). Stdlib only, since it ships.

Files live once in a content-addressed store (`sha256/<hash>` in one container); a manifest
per submission lists which of them the job reads and where each goes on the node. Uploading a
newer version of a file later adds a new blob and never changes what a running job reads.
The manifest itself is named by its content too (`manifests/<job id>/<sha256>.json`): two
submissions can never write over each other's, whatever ids they were given.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

BLOB_PREFIX = "sha256/"
MANIFEST_PREFIX = "manifests/"
FORMAT_VERSION = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")


class ManifestError(ValueError):
    """A manifest that cannot be read; the job that uses it must be submitted again."""


def blob_name(sha256: str) -> str:
    """The store's name for a content."""
    return f"{BLOB_PREFIX}{sha256}"


def text_blob_name(prefix: str, job_id: str, text: str) -> str:
    """`<prefix><job id>/<sha256 of text>.json`: a job's file under a name no other content
    can take, so neither a second job nor a retry can overwrite what a job reads."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return f"{prefix}{job_id}/{digest}.json"


@dataclass(frozen=True)
class ManifestEntry:
    """One file: where it goes below the node's asset root, and its content."""

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
        return text_blob_name(MANIFEST_PREFIX, self.submission, self.to_json())

    def to_json(self) -> str:
        """The manifest file. Each file's `blob` is derived from its hash; it is written for
        people reading the file, and a reader takes the hash."""
        return self._text

    @functools.cached_property
    def _text(self) -> str:
        """Made once: the blob's name is the hash of this text, and both are asked for (a
        frozen manifest's text never changes)."""
        data: dict[str, Any] = {
            "version": FORMAT_VERSION,
            "submission": self.submission,
            "project": self.project,
            "created": self.created,
            "files": [
                {"path": e.node_path, "blob": e.blob_name, "sha256": e.sha256, "size": e.size}
                for e in self.entries
            ],
        }
        return json.dumps(data, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Read a manifest file; `ManifestError` says what is wrong with it."""
        try:
            data = json.loads(text)
            version = data.get("version")
        except (ValueError, AttributeError) as exc:
            raise ManifestError(f"not a readable input manifest: {exc}") from None
        if version != FORMAT_VERSION:
            raise ManifestError(
                f"manifest format {version!r} is not {FORMAT_VERSION}: the node scripts and "
                "the job were made by different versions of azure-batch-maya; submit again"
            )
        try:
            head = (str(data["submission"]), str(data["project"]), str(data["created"]))
            files = data["files"]
            if not isinstance(files, list):
                raise TypeError("files is not a list")
            entries = tuple(_entry(i, f) for i, f in enumerate(files))
        except (ValueError, KeyError, TypeError) as exc:
            raise ManifestError(f"not a readable input manifest: {exc!s}") from None
        return cls(*head, entries)


def _entry(index: int, item: Any) -> ManifestEntry:
    path, sha256, size = item["path"], item["sha256"], item["size"]
    if not isinstance(path, str) or not path:
        raise ValueError(f"files[{index}].path {path!r:.60} is not a path")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"files[{index}].sha256 {sha256!r:.80} is not a SHA-256 in hex")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError(f"files[{index}].size {size!r:.30} is not a size in bytes")
    return ManifestEntry(path, sha256, size)
