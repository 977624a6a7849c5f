"""Downloads on the node ride out a flaky store: 503s, resets, replies cut short.

Faults, through the proxy before a loopback blob store: the job preparation's fetch of inputs
(the same code runs on Azure nodes) and the local pool's resource files each meet a refused
request, a reset and a truncated body; they retry with backoff and fetch a shared content
once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_batch_maya.local import transfer
from azure_batch_maya.node import fetch_inputs
from azure_batch_maya.node.fetch_inputs import FetchError, fetch_all, read_manifest
from azure_batch_maya.node.manifest import ManifestEntry
from tests.faults.proxy import Fault, FaultProxy
from tests.node.test_fetch_inputs import FILES, store

__all__ = ["store"]  # the loopback blob store fixture, shared with the node tests


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_inputs, "BACKOFF_SECONDS", 0.01)


@pytest.fixture
def proxied_store(store: tuple[str, Path, Path]) -> Iterator[tuple[FaultProxy, str, Path]]:
    url, manifest, _folder = store
    port = int(url.split(":")[2].split("/")[0])
    proxy = FaultProxy(port)
    yield proxy, url.replace(f":{port}/", f":{proxy.port}/"), manifest
    proxy.close()


def test_fetching_inputs_retries_transient_failures(
    proxied_store: tuple[FaultProxy, str, Path], tmp_path: Path
):
    proxy, url, manifest = proxied_store
    for kind in ("refuse", "reset", "truncate", "503"):
        proxy.inject(Fault(kind, method="GET"))
    entries = read_manifest(manifest)
    root = tmp_path / "assets"
    assert fetch_all(entries, url, root) == 3
    for path, data in FILES.items():
        assert (root / path).read_bytes() == data
    assert all(f.times == 0 for f in proxy.faults)
    assert not list(root.rglob("*.part"))


def test_a_store_that_keeps_failing_is_named_after_the_last_try(
    proxied_store: tuple[FaultProxy, str, Path], tmp_path: Path
):
    proxy, url, manifest = proxied_store
    proxy.inject(Fault("refuse", method="GET", times=1000))
    entries = read_manifest(manifest)[:1]
    with pytest.raises(FetchError, match=r"gave up after 6 tries") as failed:
        fetch_all(entries, url, tmp_path / "assets")
    assert "sig=" not in str(failed.value)
    assert proxy.count("GET", "/sha256/") == fetch_inputs.ATTEMPTS


def test_a_content_many_paths_share_is_fetched_once(
    proxied_store: tuple[FaultProxy, str, Path], tmp_path: Path
):
    proxy, url, manifest = proxied_store
    (first, *_rest) = read_manifest(manifest)
    copies = [ManifestEntry(f"copy{i}/{first.node_path}", first.sha256, first.size)
              for i in range(5)]  # fmt: skip
    root = tmp_path / "assets"
    assert fetch_all([first, *copies], url, root) == 1
    assert proxy.count("GET", first.blob_name) == 1
    data = (root / first.node_path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == first.sha256
    assert all((root / c.node_path).read_bytes() == data for c in copies)


def test_resource_files_retry_and_share_one_download(
    proxied_store: tuple[FaultProxy, str, Path], tmp_path: Path
):
    proxy, url, manifest = proxied_store
    entry = read_manifest(manifest)[0]
    blob = fetch_inputs.blob_url(url, entry.blob_name)
    proxy.inject(Fault("503", method="GET"))
    proxy.inject(Fault("reset", method="GET"))
    working = tmp_path / "wd"
    transfer.fetch_resource_files(
        [{"httpUrl": blob, "filePath": "a/one.bin"}, {"httpUrl": blob, "filePath": "b/two.bin"}],
        working,
    )
    assert (working / "a" / "one.bin").read_bytes() == (working / "b" / "two.bin").read_bytes()
    assert proxy.count("GET", entry.blob_name) == 3  # the two failures, then one download for both
