"""Files written whole or not at all: a killed writer leaves the old file, never half a new one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from azure_batch_maya.system import atomic

ROOT = Path(__file__).resolve().parents[2]


def test_writes_replace_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "folder" / "settings.json"
    atomic.write_json(target, {"name": "é", "n": 1}, indent=1)
    assert json.loads(target.read_text("utf-8")) == {"name": "é", "n": 1}
    atomic.write_text(target, "second")
    assert target.read_text("utf-8") == "second"
    assert sorted(p.name for p in target.parent.iterdir()) == ["settings.json"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_a_private_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = atomic.write_json(tmp_path / "state.json", {"key": "x"}, private=True)
    assert target.stat().st_mode & 0o777 == 0o600


def test_a_value_that_cannot_be_written_leaves_the_old_file(tmp_path: Path) -> None:
    target = atomic.write_json(tmp_path / "choices.json", {"kept": True})
    with pytest.raises(TypeError):
        atomic.write_json(target, {"bad": object()})
    assert json.loads(target.read_text("utf-8")) == {"kept": True}
    assert [p.name for p in tmp_path.iterdir()] == ["choices.json"]


def test_a_failed_rename_removes_its_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder-where-the-file-should-be"
    folder.mkdir()
    (folder / "keep").write_text("x")
    with pytest.raises(OSError):
        atomic.write_text(folder, "cannot replace a non-empty folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_writer_killed_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    """The writer is held between writing and renaming (its fsync sleeps), then SIGKILLed."""
    target = atomic.write_json(tmp_path / "env.json", {"version": "old"})
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys, time\n"
            "from pathlib import Path\n"
            "from azure_batch_maya.system import atomic\n"
            "os.fsync = lambda fd: time.sleep(60)\n"
            "atomic.write_json(Path(sys.argv[1]), {'version': 'new', 'pad': 'x' * 100000})\n",
            str(target),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        deadline = time.monotonic() + 20
        while not list(tmp_path.glob("env.json.*.part")) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert list(tmp_path.glob("env.json.*.part")), "the writer never started"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert json.loads(target.read_text("utf-8")) == {"version": "old"}
