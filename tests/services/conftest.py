"""Fixtures for the service-layer tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from azure.batch import BatchClient

from azure_batch_maya.local.process import LocalPoolProcess
from azure_batch_maya.services.clients import ClientOptions, create_batch_client
from azure_batch_maya.services.settings import Secrets, ServiceSettings
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
