from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from azure_batch_maya.transfer.joblock import AlreadyRunning, JobLock

HOLD = """
import sys, time
from pathlib import Path
from azure_batch_maya.transfer.joblock import JobLock
with JobLock(Path(sys.argv[1]), "job-1"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_a_second_downloader_for_the_same_job_is_refused_until_the_first_ends(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning, match=str(holder.pid)), JobLock(tmp_path, "job-1"):
            pass
        with JobLock(tmp_path, "job-2"):  # other jobs are not affected
            pass
    finally:
        holder.kill()
        holder.wait()
    deadline = time.monotonic() + 5
    while True:  # a killed holder leaves no stale lock behind
        try:
            with JobLock(tmp_path, "job-1") as lock:
                assert lock.path.read_text().strip().isdigit()
            break
        except AlreadyRunning:
            assert time.monotonic() < deadline
            time.sleep(0.05)


def test_the_lock_is_released_on_exit(tmp_path):
    with JobLock(tmp_path, "job-1"), pytest.raises(AlreadyRunning), JobLock(tmp_path, "job-1"):
        pass
    with JobLock(tmp_path, "job-1"):
        pass


def test_a_patient_downloader_outwaits_a_probe_that_holds_the_lock_for_an_instant(tmp_path):
    probe = JobLock(tmp_path, "job-1").__enter__()  # someone asking "is one running?"
    with pytest.raises(AlreadyRunning):  # without patience the probe turns it away
        JobLock(tmp_path, "job-1").__enter__()
    threading.Timer(0.3, probe.__exit__, (None, None, None)).start()
    with JobLock(tmp_path, "job-1", patience=30) as lock:
        assert lock.path.read_text().strip() == str(os.getpid())
        with pytest.raises(AlreadyRunning):  # and it is the one running now
            JobLock(tmp_path, "job-1").__enter__()
