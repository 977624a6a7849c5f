"""Fixtures for the controller tests: a private user folder, an in-memory keyring, the example
projects (a copy each test may change), and a session connected to the local pool + Azurite."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from azure_batch_maya.controllers.config import ConfigController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.local.azurite import AzuriteProcess
from azure_batch_maya.local.home import LocalState, write_state
from azure_batch_maya.local.process import LocalPoolProcess
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
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every per-user file (settings, choices, env, hash cache) in a folder of this test's."""
    folder = tmp_path / "home"
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(folder))
    return folder


@pytest.fixture
def local_home(home: Path, local_pool: LocalPoolProcess, azurite: AzuriteProcess) -> Path:
    """`home` with the `local up` state of the session's local pool and Azurite."""
    write_state(
        home,
        LocalState(
            batch_url=local_pool.url,
            batch_account=local_pool.account_name,
            batch_key=local_pool.account_key,
            storage_connection_string=azurite.connection_string,
            server_pid=local_pool.pid,
            azurite_pid=None,
            data_dir=str(local_pool.data_dir),
        ),
    )
    return home


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A private copy of examples/ (shot010 and texture_library)."""
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    return tmp_path / "examples"


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
