"""Detached processes: they outlive the process that started them; one downloader per job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import azure_batch_maya
from azure_batch_maya.app.jobs.background import (
    AlreadyRunning,
    BackgroundStartError,
    child_environment,
    download_command,
    download_lock,
    downloads_dir,
    python_executable,
    start_background_download,
)
from azure_batch_maya.system.processes import pid_alive


def _wait_for(check, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_detached_child_outlives_its_parent_and_logs_to_its_file(tmp_path):
    log = tmp_path / "child.log"
    child_code = "import time; print('child started', flush=True); time.sleep(60)"
    parent_code = textwrap.dedent(
        f"""
        import json, sys
        from pathlib import Path
        from azure_batch_maya.app.jobs.background import start_detached
        process = start_detached([sys.executable, "-c", {child_code!r}], Path({str(log)!r}))
        print(json.dumps(process.pid))
        """
    )
    started = time.monotonic()
    parent = subprocess.run(
        [sys.executable, "-c", parent_code], capture_output=True, text=True, timeout=30
    )
    took = time.monotonic() - started
    assert parent.returncode == 0, parent.stderr
    pid = json.loads(parent.stdout)
    try:
        assert took < 10  # the parent did not wait for a child that sleeps a minute
        assert _wait_for(lambda: "child started" in log.read_text())
        assert pid_alive(pid)  # still running, its parent long gone
        if sys.platform != "win32":
            assert os.getsid(pid) == pid and os.getpgid(pid) == pid
        assert log.read_text().startswith("--- ")  # the command line heads the log
    finally:
        os.kill(pid, signal.SIGTERM)


def test_maya_runs_us_through_its_mayapy():
    assert python_executable("/usr/autodesk/maya2025/bin/maya") == (
        str(Path("/usr/autodesk/maya2025/bin/mayapy"))
    )
    assert python_executable("C:/Maya2025/bin/maya.exe").endswith("mayapy.exe")
    assert python_executable("/usr/bin/python3") == "/usr/bin/python3"


def test_the_downloader_command_watches_into_an_absolute_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    command = download_command("job-1", Path("frames"), local=True, interval=2.0)
    assert command[1:] == [
        "-m",
        "azure_batch_maya",
        "download",
        "job-1",
        "--to",
        str(tmp_path / "frames"),
        "--watch",
        "--interval",
        "2.0",
        "--local",
    ]


def test_a_second_downloader_for_a_job_is_refused_and_nothing_starts(tmp_path):
    with download_lock("job-1", tmp_path), pytest.raises(AlreadyRunning, match="already running"):
        start_background_download("job-1", tmp_path / "frames", local=False, home=tmp_path)
    assert not (downloads_dir(tmp_path) / "job-1.log").exists()


def test_a_downloader_that_cannot_start_says_why_from_its_log(tmp_path, monkeypatch):
    home = tmp_path / "home"  # no Azure settings and not --local: the child stops at once
    elsewhere = tmp_path / "elsewhere"  # the caller's own folder, with broken settings
    elsewhere.mkdir()
    (elsewhere / "settings.json").write_text("{not json")
    monkeypatch.setenv("AZURE_BATCH_MAYA_HOME", str(elsewhere))
    with pytest.raises(BackgroundStartError) as caught:
        start_background_download("job-1", tmp_path / "frames", local=False, home=home)
    message = str(caught.value)
    assert "stopped at once (exit code 2)" in message
    assert "no Azure accounts are configured" in message  # it used `home`, not `elsewhere`
    with download_lock("job-1", home):  # and it holds nothing
        pass


def test_the_child_finds_this_package_and_what_maya_added_to_sys_path(tmp_path):
    scripts = tmp_path / "maya" / "scripts"
    scripts.mkdir(parents=True)
    interpreter_own = Path(sys.prefix) / "lib"
    env = child_environment(
        {"HOME": "/home/me", "PYTHONPATH": "/opt/extra"},
        ["", str(scripts), str(interpreter_own), str(tmp_path / "gone")],
    )
    package_root = Path(azure_batch_maya.__file__).resolve().parent.parent
    assert env["HOME"] == "/home/me"
    assert env["PYTHONPATH"].split(os.pathsep) == [
        str(package_root),
        str(scripts.resolve()),
        "/opt/extra",
    ]
