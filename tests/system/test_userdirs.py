from __future__ import annotations

import sys
from pathlib import Path

import pytest

from azure_batch_maya.local.home import state_path
from azure_batch_maya.system import userdirs
from azure_batch_maya.system.userdirs import cache_dir, data_dir, home_dir


def test_home_override_puts_everything_under_it(tmp_path: Path):
    env = {"AZURE_BATCH_MAYA_HOME": str(tmp_path)}
    assert home_dir(env) == tmp_path
    assert cache_dir(env) == tmp_path / "cache"
    assert data_dir(env) == tmp_path / "data"


def test_platform_defaults_are_per_user(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    for folder in (home_dir({}), cache_dir({}), data_dir({})):
        assert folder.is_relative_to(tmp_path)
        assert folder.name == "azure-batch-maya" or folder.parent.name == "azure-batch-maya"
    assert cache_dir({}) != data_dir({})


@pytest.mark.parametrize(
    ("platform", "home", "data", "cache"),
    [
        (
            "win32",
            "LOCAL/azure-batch-maya",
            "ROAMING/azure-batch-maya",
            "LOCAL/azure-batch-maya/Cache",
        ),
        ("linux", "XDATA/azure-batch-maya", "XDATA/azure-batch-maya", "XCACHE/azure-batch-maya"),
    ],
)
def test_each_platform_uses_its_own_folders(monkeypatch, tmp_path, platform, home, data, cache):
    monkeypatch.setattr(sys, "platform", platform)
    env = {
        "LOCALAPPDATA": str(tmp_path / "LOCAL"),
        "APPDATA": str(tmp_path / "ROAMING"),
        "XDG_DATA_HOME": str(tmp_path / "XDATA"),
        "XDG_CACHE_HOME": str(tmp_path / "XCACHE"),
    }
    assert userdirs.home_dir(env) == tmp_path / home
    assert userdirs.data_dir(env) == tmp_path / data
    assert userdirs.cache_dir(env) == tmp_path / cache


def test_the_local_pool_lives_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(tmp_path))
    assert state_path(home_dir()).parent == tmp_path
