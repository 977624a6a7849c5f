"""Helpers the storage tests share: clients on Azurite, files to send, blobs put fast."""

from __future__ import annotations

import base64
import hashlib
import http.client
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from azure.storage.blob import BlobServiceClient, ContainerClient

from azure_batch_maya.local.azurite import AzuriteProcess
from azure_batch_maya.services.clients import ClientOptions, create_blob_service_client
from azure_batch_maya.services.settings import Secrets, ServiceSettings

CHUNK = 64 * 1024
FAST = ClientOptions(retry_total=0, transfer_chunk=CHUNK)


def storage_settings(endpoint: str, account: str = "devstoreaccount1") -> ServiceSettings:
    return ServiceSettings(
        batch_url="http://127.0.0.1:1",
        batch_account="",
        storage_account=account,
        storage_blob_endpoint=endpoint,
    )


def key_client(
    process: AzuriteProcess, *, key: str | None = None, **sdk_options: Any
) -> BlobServiceClient:
    return create_blob_service_client(
        storage_settings(process.blob_endpoint),
        Secrets(storage_key=key or process.account_key),
        options=FAST,
        **sdk_options,
    )


def write_file(path: Path, size: int) -> Path:
    path.write_bytes(bytes(i % 251 for i in range(size)))
    return path


def put_tiny_blobs(url: str, names: list[str]) -> None:
    """PUT one-byte blobs through a write SAS over raw keep-alive HTTP: the fastest real way."""
    parts = urlsplit(url)
    md5 = base64.b64encode(hashlib.md5(b"x").digest()).decode()

    def worker(share: list[str]) -> None:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        for name in share:
            headers = {
                "x-ms-blob-type": "BlockBlob",
                "x-ms-version": "2021-08-06",
                "x-ms-blob-content-md5": md5,
                "x-ms-meta-sha256": f"h{name[-8:-3]}",
            }
            connection.request("PUT", f"{parts.path}/{name}?{parts.query}", b"x", headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 201, response.status
        connection.close()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, [names[k::8] for k in range(8)]))


def sas_container(url: str) -> ContainerClient:
    return ContainerClient.from_container_url(url)
