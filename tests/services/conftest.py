"""Fixtures for the service-layer tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services.scripted_server import ScriptedServer


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    """A loopback server answering scripted replies in the Batch service's shape."""
    server = ScriptedServer()
    yield server
    server.close()
