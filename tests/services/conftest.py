"""Fixtures for the service-layer tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from azure.batch import BatchClient
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.local.azurite import AzuriteProcess
from azure_batch_maya.local.process import LocalPoolProcess
from azure_batch_maya.services.clients import ClientOptions, create_batch_client
from azure_batch_maya.services.settings import Secrets, ServiceSettings
from azure_batch_maya.services.storage import create_container
from tests.services.blobs import key_client
from tests.services.scripted_server import ScriptedServer


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    """A loopback server answering scripted replies in the Batch service's shape."""
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def batch(local_pool: LocalPoolProcess) -> BatchClient:
    """A real BatchClient, signed with the local pool's key, built from our settings."""
    settings = ServiceSettings(batch_url=local_pool.url, batch_account=local_pool.account_name)
    return create_batch_client(
        settings, Secrets(batch_key=local_pool.account_key), options=ClientOptions(retry_total=2)
    )


@pytest.fixture
def client(azurite: AzuriteProcess) -> BlobServiceClient:
    """A storage client on the session's Azurite, by account key, retries off."""
    return key_client(azurite)


@pytest.fixture
def container(client: BlobServiceClient) -> str:
    """A fresh, empty container on the session's Azurite."""
    name = f"c{uuid.uuid4().hex[:12]}"
    create_container(client, name)
    return name
