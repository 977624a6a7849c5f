from __future__ import annotations

from pathlib import Path

from azure_batch_maya.assets.userdirs import cache_dir, data_dir


def test_home_override_puts_everything_under_it(tmp_path: Path):
    env = {"AZURE_BATCH_MAYA_HOME": str(tmp_path)}
    assert cache_dir(env) == tmp_path / "cache"
    assert data_dir(env) == tmp_path / "data"


def test_platform_defaults_are_per_user(monkeypatch, tmp_path: Path):
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    assert cache_dir({}).is_relative_to(tmp_path)
    assert data_dir({}).is_relative_to(tmp_path)
    assert cache_dir({}) != data_dir({})
