"""The manifest: made from an asset project by the uploader, read by the node, one definition."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

import pytest

from azure_batch_maya.assets.project import AssetFile, AssetProject
from azure_batch_maya.node.manifest import Manifest, ManifestEntry, ManifestError
from azure_batch_maya.transfer.manifest import manifest_for


def project() -> AssetProject:
    files = (
        AssetFile("/p/b.png", "p/b.png", 2, "bb" * 32),
        AssetFile("/p/a.png", "p/a.png", 1, "aa" * 32),
        AssetFile("/p/copy/a.png", "p/copy/a.png", 1, "aa" * 32),
    )
    return AssetProject("shot010", "/p", files, ())


def test_manifest_lists_every_path_sorted_and_round_trips():
    when = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)
    manifest = manifest_for(project(), "job-7", now=when)
    assert [e.node_path for e in manifest.entries] == ["p/a.png", "p/b.png", "p/copy/a.png"]
    assert manifest.created == "2026-11-26T12:00:00Z"
    digest = hashlib.sha256(manifest.to_json().encode()).hexdigest()
    assert manifest.blob_name == f"manifests/job-7/{digest}.json"  # named by its content
    assert Manifest.from_json(manifest.to_json()) == manifest


def test_shared_contents_are_one_blob():
    manifest = manifest_for(project(), "job-7")
    blobs = {e.blob_name for e in manifest.entries}
    assert blobs == {f"sha256/{'aa' * 32}", f"sha256/{'bb' * 32}"}
    assert manifest.total_size == 4


def test_non_ascii_paths_survive():
    entry = ManifestEntry("Projets/Café/façade €.png", "cc" * 32, 3)
    manifest = Manifest("job-1", "café", "2026-01-01T00:00:00Z", (entry,))
    assert Manifest.from_json(manifest.to_json()).entries == (entry,)


HEAD = '"version": 1, "submission": "s", "project": "p", "created": "c"'


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        '{"version": 1}',
        "{nope",
        f'{{{HEAD}, "files": {{}}}}',
        f'{{{HEAD}, "files": [{{"path": "a"}}]}}',
        f'{{{HEAD}, "files": [{{"path": "a", "sha256": "XYZ", "size": 1}}]}}',
        f'{{{HEAD}, "files": [{{"path": "a", "sha256": "{"a" * 64}", "size": -1}}]}}',
        f'{{{HEAD}, "files": [{{"path": "", "sha256": "{"a" * 64}", "size": 1}}]}}',
    ],
)
def test_unreadable_manifests_are_our_error(text):
    with pytest.raises(ManifestError, match="not a readable input manifest"):
        Manifest.from_json(text)


def test_other_format_versions_are_refused():
    text = manifest_for(project(), "job-1").to_json().replace('"version": 1', '"version": 9')
    with pytest.raises(ManifestError, match=r"format 9 .*different versions"):
        Manifest.from_json(text)


def test_render_nodes_read_the_manifest_the_upload_writes(tmp_path):
    from azure_batch_maya.node.fetch_inputs import read_manifest

    manifest = manifest_for(project(), "job-7")
    path = tmp_path / "manifest.json"
    path.write_text(manifest.to_json(), encoding="utf-8")
    assert read_manifest(path) == manifest.entries
