"""Benchmark: which of a job's blobs a big store holds, over a slow link.

A store kept for years holds far more blobs than one job names. Through a loopback proxy adding
30 ms a request in front of Azurite, with a store of STORE content-addressed blobs: the whole
listing (what every submit read twice before), then `stored_sizes` as upload and submit now call
it, for jobs of several sizes, half of whose files the store holds. Prints the times and the
requests each made; asserts none. Run with `python3 dev.py bench -k big_store`.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from datetime import timedelta
from statistics import median

from azure.storage.blob import BlobServiceClient

from azure_batch_maya.local.azurite import ACCOUNT_KEY, start_azurite
from azure_batch_maya.services.clients import ClientOptions, create_blob_service_client
from azure_batch_maya.services.sas import SasAccess, create_container_sas_url
from azure_batch_maya.services.settings import Secrets, ServiceSettings
from azure_batch_maya.services.storage import LIST_PAGE_SIZE, stored_sizes
from tests.faults.proxy import Fault, FaultProxy
from tests.services.blobs import put_tiny_blobs

RTT = 0.030
STORE = 50_000
JOBS = (20, 200, 2_000, 10_000)
ROUNDS = 3


def test_big_store() -> None:
    rng = random.Random(11)
    held = sorted(f"sha256/{rng.getrandbits(256):064x}" for _ in range(STORE))
    with start_azurite() as azurite:
        direct = BlobServiceClient(
            f"http://127.0.0.1:{azurite.port}/devstoreaccount1",
            credential={"account_name": "devstoreaccount1", "account_key": ACCOUNT_KEY},
        )
        direct.create_container("store")
        writer = create_container_sas_url(
            direct, "store", access=SasAccess.OUTPUTS, time_limit=timedelta(hours=2)
        )
        started = time.perf_counter()
        put_tiny_blobs(writer, held)
        filled = time.perf_counter() - started
        proxy = FaultProxy(azurite.port)
        proxy.inject(Fault("delay", times=10**9, seconds=RTT))
        endpoint = proxy.url("/devstoreaccount1")
        try:
            client = create_blob_service_client(
                ServiceSettings(batch_url="http://127.0.0.1:1", batch_account="bench"),
                Secrets(
                    storage_connection_string=(
                        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;"
                        f"AccountKey={ACCOUNT_KEY};BlobEndpoint={endpoint};"
                    )
                ),
                options=ClientOptions(),
            )
            container = client.get_container_client("store")
            rows: list[tuple[int, float, dict[str, int]]] = []
            whole: list[float] = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                names = list(
                    container.list_blob_names(
                        name_starts_with="sha256/", results_per_page=LIST_PAGE_SIZE
                    )
                )
                whole.append(time.perf_counter() - started)
            assert len(names) == STORE
            for size in JOBS:
                asked = rng.sample(held, size // 2) + [
                    f"sha256/{rng.getrandbits(256):064x}" for _ in range(size - size // 2)
                ]
                runs: list[float] = []
                for _ in range(ROUNDS):
                    before = len(proxy.seen)
                    started = time.perf_counter()
                    sizes = stored_sizes(client, "store", asked, prefix="sha256/")
                    runs.append(time.perf_counter() - started)
                    requests = Counter(m for m, _, _ in proxy.seen[before:])
                assert len(sizes) == size // 2
                rows.append((size, median(runs), dict(requests)))
        finally:
            proxy.close()

    pages = -(-STORE // LIST_PAGE_SIZE)
    print(
        f"\nstore of {STORE} blobs (filled in {filled:.1f} s), {RTT * 1000:.0f} ms a request, "
        f"medians of {ROUNDS}:"
        f"\n  whole listing ({pages} pages)                {median(whole):6.2f} s"
    )
    for size, seconds, made in rows:
        print(
            f"  stored_sizes, job of {size:>6} files        {seconds:6.2f} s  "
            f"{median(whole) / seconds:5.1f}x  requests {made}"
        )
