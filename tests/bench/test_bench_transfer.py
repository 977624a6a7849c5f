"""Benchmark: uploading an asset project to Azurite and downloading it again.

Prints figures, asserts none: the first upload of 2,000 files / 1 GiB against a sequential
upload loop and a raw parallel-PUT baseline, a second upload with nothing changed, and the
download throughput. Run with `python3 dev.py bench -k transfer`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.assets.hashcache import HashCache
from azure_batch_maya.assets.project import AssetFile, AssetProject, node_layout
from azure_batch_maya.local.azurite import start_azurite
from azure_batch_maya.services.clients import ClientOptions, create_blob_service_client
from azure_batch_maya.services.settings import Secrets, ServiceSettings
from azure_batch_maya.transfer.download import download_container
from azure_batch_maya.transfer.upload import DEFAULT_WORKERS, upload_project
from tests.fixtures.settle import settle

T = TypeVar("T")
FILES = 2000
SIZE = 512 * 1024  # 2,000 × 512 KiB = 1 GiB
WORKERS = DEFAULT_WORKERS


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("assets")
    paths = []
    for i in range(FILES):
        path = root / f"dir{i // 100:02d}" / f"tex{i:04d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(SIZE))
        paths.append(path)
    settle(root)  # a studio's textures, not ones saved a second ago (the hash cache trusts those)
    return paths


def hashed_project(files: list[Path], cache_folder: Path) -> AssetProject:
    """The project with its hashes, through the hash cache on disk, as `submit` builds it."""
    cache = HashCache.load(cache_folder)
    digests = [cache.digest(str(p)) for p in files]
    cache.save()
    return AssetProject(
        "bench",
        None,
        tuple(
            AssetFile(str(p), node_layout(str(p)), d.size, d.sha256)
            for p, d in zip(files, digests, strict=True)
        ),
        (),
    )


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def test_transfer(files: list[Path], tmp_path: Path) -> None:
    total_mb = FILES * SIZE / 1e6
    with start_azurite() as azurite:
        settings = ServiceSettings(batch_url="http://127.0.0.1:1", batch_account="bench")
        secrets = Secrets(storage_connection_string=azurite.connection_string)
        client = create_blob_service_client(settings, secrets, options=ClientOptions())
        raw = BlobServiceClient.from_connection_string(azurite.connection_string)

        hashing, project = timed(lambda: hashed_project(files, tmp_path))

        raw.create_container("sequential")
        sequential, _ = timed(
            lambda: [
                raw.get_blob_client("sequential", p.name).upload_blob(p.read_bytes()) for p in files
            ]
        )
        raw.create_container("parallel")

        def put(p: Path) -> None:
            raw.get_blob_client("parallel", p.name).upload_blob(p.read_bytes())

        def parallel_put() -> None:
            with ThreadPoolExecutor(WORKERS) as pool:
                list(pool.map(put, files))

        parallel, _ = timed(parallel_put)
        first, report = timed(lambda: upload_project(client, project, "job-1", container="ours"))
        second, again = timed(lambda: upload_project(client, project, "job-2", container="ours"))
        # as `submit` does it: the hash cache read from disk, every file checked, then the upload
        whole, _ = timed(
            lambda: upload_project(
                client, hashed_project(files, tmp_path), "job-3", container="ours"
            )
        )
        download, got = timed(
            lambda: download_container(client, "ours", tmp_path / "down", prefix="sha256/")
        )

    def line(label: str, seconds: float) -> str:
        return f"\n  {label:<36}{seconds:6.2f} s {total_mb / seconds:6.0f} MB/s"

    print(
        f"\nupload of {FILES} files, {total_mb:.0f} MB to Azurite on loopback:"
        f"\n  {'hashing (first scan; cached after)':<36}{hashing:6.2f} s"
        + line("sequential upload loop", sequential)
        + line(f"raw parallel PUT ({WORKERS} threads)", parallel)
        + line("upload_project, first", first)
        + f"  ({report.uploaded_files} files, {report.uploaded_bytes / 1e6:.0f} MB)"
        + f"\n    {sequential / first:.2f}x the sequential loop's speed, "
        f"{parallel / first:.2f}x the raw parallel PUT's"
        + f"\n  {'upload_project, nothing changed':<36}{second:6.2f} s"
        f"  ({again.uploaded_files} files, {again.uploaded_bytes} bytes sent), "
        f"{second / first:.1%} of the first (aim <= 5%)"
        + f"\n  {'  the same with the hash cache read':<36}{whole:6.2f} s"
        f"  ({whole / first:.1%} of the first)"
        + line("download_container", download)
        + f"  ({len(got.downloaded)} files)"
    )
