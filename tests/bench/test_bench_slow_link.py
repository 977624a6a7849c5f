"""Benchmark: uploading over a slow link, what a studio sees between its LAN and an Azure region.

A loopback proxy (the fault suite's, in its delay mode) adds 30 ms to every request in front of
Azurite. Over bare loopback on 2 cores every upload is CPU-bound and the three figures agree,
which says nothing about a real one; with a round trip to pay per request, what counts is how
many are in flight. In ONE run, through the same proxy: `upload_project` as `submit` calls it,
a sequential loop of PUTs, and raw parallel PUTs at the product's concurrency. Prints the three
and the two ratios (aims: >= 4x the loop, >= 0.8x the raw PUTs); asserts none.
Run with `python3 dev.py bench -k slow_link`.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from statistics import median
from typing import TypeVar

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.assets.hashcache import HashCache
from azure_batch_maya.assets.project import AssetFile, AssetProject, node_layout
from azure_batch_maya.local.azurite import ACCOUNT_KEY, start_azurite
from azure_batch_maya.services.clients import ClientOptions, create_blob_service_client
from azure_batch_maya.services.settings import Secrets, ServiceSettings
from azure_batch_maya.transfer.upload import DEFAULT_WORKERS, upload_project
from tests.faults.proxy import Fault, FaultProxy
from tests.fixtures.settle import settle

T = TypeVar("T")
RTT = 0.030
ROUNDS = 3
SMALL, SMALL_SIZE = 180, 32 * 1024  # textures' sidecars, small maps, caches' headers
LARGE, LARGE_SIZE = 20, 1024 * 1024  # the maps that weigh


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("slow-link-assets")
    sizes = [SMALL_SIZE] * SMALL + [LARGE_SIZE] * LARGE
    paths = []
    for i, size in enumerate(sizes):
        path = root / f"dir{i % 10}" / f"tex{i:04d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(size))
        paths.append(path)
    settle(root)
    return paths


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def test_slow_link(files: list[Path], tmp_path: Path) -> None:
    total_mb = sum(p.stat().st_size for p in files) / 1e6
    cache = HashCache(tmp_path / "hashes.json")
    project = AssetProject(
        "bench",
        None,
        tuple(
            AssetFile(str(p), node_layout(str(p)), d.size, d.sha256)
            for p, d in ((p, cache.digest(str(p))) for p in files)
        ),
        (),
    )
    with start_azurite() as azurite:
        proxy = FaultProxy(azurite.port)
        proxy.inject(Fault("delay", times=10**9, seconds=RTT))
        endpoint = proxy.url("/devstoreaccount1")
        try:
            settings = ServiceSettings(batch_url="http://127.0.0.1:1", batch_account="bench")
            secrets = Secrets(
                storage_connection_string=(
                    "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                    f"AccountKey={ACCOUNT_KEY};BlobEndpoint={endpoint};"
                )
            )
            # the product's client, as `submit` builds it
            client = create_blob_service_client(settings, secrets, options=ClientOptions())
            raw = BlobServiceClient(endpoint, credential=_key(), max_single_put_size=4 << 20)

            def put(container: str, p: Path) -> None:
                raw.get_blob_client(container, p.name).upload_blob(p.read_bytes())

            def sequential_put() -> None:
                raw.create_container("sequential")
                for p in files:
                    put("sequential", p)

            def parallel_put(container: str) -> None:
                raw.create_container(container)
                with ThreadPoolExecutor(DEFAULT_WORKERS) as pool:
                    list(pool.map(lambda p: put(container, p), files))

            sequential, _ = timed(sequential_put)
            parallel: list[float] = []
            product: list[float] = []
            for round_ in range(ROUNDS):  # interleaved, so a busy moment hits both alike
                parallel.append(timed(partial(parallel_put, f"parallel{round_}"))[0])
                seen_before = len(proxy.seen)
                into = f"store{round_}"  # empty: everything is sent
                seconds, report = timed(
                    partial(upload_project, client, project, "job-1", container=into)
                )
                product.append(seconds)
                requests = Counter(m for m, _, _ in proxy.seen[seen_before:])
        finally:
            proxy.close()

    def line(label: str, seconds: list[float]) -> str:
        runs = " ".join(f"{s:.2f}" for s in seconds)
        best = median(seconds)
        return f"\n  {label:<40}{best:6.2f} s {total_mb / best:6.1f} MB/s  (runs: {runs})"

    print(
        f"\nupload of {len(files)} files, {total_mb:.0f} MB, through a proxy adding "
        f"{RTT * 1000:.0f} ms a request (medians):"
        + line("sequential PUT loop", [sequential])
        + line(f"raw parallel PUT ({DEFAULT_WORKERS} threads)", parallel)
        + line("upload_project (what submit runs)", product)
        + f"\n    {sequential / median(product):.2f}x the sequential loop's speed (aim >= 4), "
        f"{median(parallel) / median(product):.2f}x the raw parallel PUT's (aim >= 0.8)"
        + f"\n  the product's requests: {dict(requests)} for {report.uploaded_files} files sent"
    )


def _key() -> dict[str, str]:
    return {"account_name": "devstoreaccount1", "account_key": ACCOUNT_KEY}
