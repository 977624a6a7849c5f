"""Fixtures for the controller tests: an in-memory keyring, the example scene, and a session
connected to the local pool + Azurite (`home`, `local_home`, `example`: tests/fixtures)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from azure_batch_maya.controllers.config import ConfigController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.scene.ma_reader import read_ma
from azure_batch_maya.scene.model import SceneInfo
from tests.services.test_settings import MemoryKeyring

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def scene(example: Path) -> SceneInfo:
    return read_ma(example / "shot010" / "scenes" / "shot010_lighting.ma")


@pytest.fixture
def connected(local_home: Path, memory_keyring: MemoryKeyring) -> Session:
    """A session authenticated against the local pool + Azurite the way the Config tab does."""
    session = Session()
    config = ConfigController(session)
    assert config.use_local_pool()
    config.apply(config.authenticate())
    assert config.authenticated, config.status
    return session
