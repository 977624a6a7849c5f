"""Two `download --background` for one job at once: the second is told one is already running.

Fault: a race. Both callers find the job's lock free and start a child; one child takes the
lock, the other stops. Its caller must say "already running" (exit 1), as the docs promise,
not "stopped at once" (exit 2).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from azure_batch_maya.app.jobs.background import (
    AlreadyRunning,
    downloads_dir,
    start_background_download,
)
from tests.faults.conftest import wait_until


def test_a_downloader_that_lost_the_race_is_already_running(tmp_path: Path):
    home = tmp_path / "home"
    log = downloads_dir(home) / "job-1.log"
    lock = downloads_dir(home) / "job-1.lock"
    # The winner: takes the job's lock as soon as our child's log appears (the child exists).
    winner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import pathlib, sys, time\n"
            "from azure_batch_maya.transfer.joblock import JobLock\n"
            f"log = pathlib.Path(r'{log}')\n"
            "while not log.exists(): time.sleep(0.005)\n"
            f"with JobLock(pathlib.Path(r'{lock.parent}'), 'job-1'):\n"
            "    print('locked', flush=True); time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        with pytest.raises(AlreadyRunning, match="already running"):
            # Not configured and not --local: our child stops at once, without the lock.
            start_background_download("job-1", tmp_path / "frames", local=False, home=home)
        assert winner.stdout is not None and winner.stdout.readline().strip() == "locked"
    finally:
        winner.kill()
        winner.wait()
    wait_until(lambda: winner.poll() is not None, what="the winner to end")
