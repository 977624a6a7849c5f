"""Fetching a job's inputs from a content-addressed store over HTTP (a loopback server)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from azure_batch_maya.node.fetch_inputs import (
    FETCH_EXIT,
    STORE_URL_ENV,
    FetchError,
    blob_url,
    fetch_all,
    read_manifest,
    target_path,
)
from azure_batch_maya.node.manifest import Manifest, ManifestEntry
from tests.node.example import ship_to

FILES = {
    "C/Projects/shot 010/sourceimages/wall été.tif": b"wall" * 1000,
    "C/Projects/shot 010/scenes/shot.ma": b"//Maya ASCII 2025 scene\n",
    "mnt/lib/a;b & c.png": b"png",
}


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def store(tmp_path: Path):
    """A folder of blobs named by their hash, served on 127.0.0.1; the URL carries a fake SAS."""
    folder = tmp_path / "store"
    entries: list[ManifestEntry] = []
    for path, data in FILES.items():
        digest = hashlib.sha256(data).hexdigest()
        entry = ManifestEntry(path, digest, len(data))
        (folder / entry.blob_name).parent.mkdir(parents=True, exist_ok=True)
        (folder / entry.blob_name).write_bytes(data)
        entries.append(entry)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(Manifest("job-1", "shot", "2026-01-01T00:00:00Z", tuple(entries)).to_json())
    assert read_manifest(manifest) == tuple(entries)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/?sv=1&sig=a%2Fb", manifest, folder
    server.shutdown()
    server.server_close()


def test_fetches_every_file_into_the_layout_then_only_what_changed(store, tmp_path: Path):
    url, manifest, _folder = store
    root = tmp_path / "assets"
    entries = read_manifest(manifest)
    assert fetch_all(entries, url, root) == 3
    for path, data in FILES.items():
        assert (root / path).read_bytes() == data
    assert not list(root.rglob("*.part"))
    assert fetch_all(entries, url, root) == 0  # everything current: nothing fetched
    (root / "mnt/lib/a;b & c.png").write_bytes(b"tampered")
    assert fetch_all(entries, url, root) == 1


def test_a_damaged_blob_is_refused_and_leaves_nothing(store, tmp_path: Path):
    url, manifest, folder = store
    entries = read_manifest(manifest)
    (folder / entries[0].blob_name).write_bytes(b"bitrot")
    with pytest.raises(FetchError, match="arrived damaged"):
        fetch_all(entries[:1], url, tmp_path / "assets")
    assert not (tmp_path / "assets" / entries[0].node_path).exists()


def test_a_missing_blob_names_the_file(store, tmp_path: Path):
    url, manifest, folder = store
    entries = read_manifest(manifest)
    (folder / entries[1].blob_name).unlink()
    with pytest.raises(FetchError, match=r"cannot fetch C/Projects/shot 010/scenes/shot\.ma"):
        fetch_all(entries, url, tmp_path / "assets")


def test_a_damaged_or_foreign_manifest_is_a_fetch_error_naming_it(tmp_path: Path):
    path = tmp_path / "manifest.json"
    for text in ("{", '{"files": []}', '{"version": 1, "files": [{"path": "a"}]}'):
        path.write_text(text)
        with pytest.raises(FetchError, match=r"manifest .*manifest\.json is unreadable"):
            read_manifest(path)
    with pytest.raises(FetchError, match="unreadable"):
        read_manifest(tmp_path / "absent.json")


def test_paths_that_would_leave_the_root_are_refused(tmp_path: Path):
    for bad in ("../x", "/etc/passwd", "C:/x", "a/../../b", ""):
        with pytest.raises(FetchError, match="not a plain relative path"):
            target_path(tmp_path, bad)


def test_blob_urls_keep_the_sas_and_quote_names():
    url = blob_url("https://a.blob.core.windows.net/store?sv=1&sig=x%2F", "sha256/ab/c d")
    assert url == "https://a.blob.core.windows.net/store/sha256/ab/c%20d?sv=1&sig=x%2F"


def test_the_job_preparation_command_fetches_next_to_the_shipped_code(store, tmp_path: Path):
    url, manifest, _folder = store
    ship = ship_to(tmp_path / "prep wd")
    (ship / "manifest.json").write_bytes(manifest.read_bytes())
    argv = [sys.executable, "-S", str(ship), "fetch"]
    without = subprocess.run(argv, capture_output=True, text=True, env={})
    assert without.returncode == FETCH_EXIT and "AZBM_STORE_URL is not set" in without.stderr
    done = subprocess.run(argv, capture_output=True, text=True, env={STORE_URL_ENV: url})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "prep wd" / "assets" / "mnt/lib/a;b & c.png").read_bytes() == b"png"
