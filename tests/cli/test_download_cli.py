"""`download JOB --to DIR [--watch] [--background]` on the local pool + Azurite.

Jobs go to a pool of 0 nodes, so they wait until the test resizes the pool: the downloader is
demonstrably running before any frame exists, and the frames arrive while it watches.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from azure_batch_maya.app.jobs.background import AlreadyRunning, download_lock
from azure_batch_maya.cli import main
from azure_batch_maya.services import pools
from azure_batch_maya.system.processes import pid_alive
from tests.cli.localjobs import (
    copy_examples,
    delete_pool_if_any,
    empty_pool,
    local,
    run_json,
    submit_stand_in,
    wait_for_job,
    wait_until,
)

pytestmark = pytest.mark.slow

FRAMES = [f"shot010_lighting.{i:04d}.png" for i in range(1, 6)]


@pytest.fixture
def waiting_pool():
    conn = local()
    pool_id = empty_pool(conn)
    yield pool_id
    delete_pool_if_any(conn, pool_id)


def frames(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.png"))


def lock_is_held(job_id: str) -> bool:
    try:
        with download_lock(job_id):
            return False
    except AlreadyRunning:
        return True


def test_download_once_then_again_skips_what_is_here(local_home, tmp_path, capsys):
    job_id = submit_stand_in(capsys, copy_examples(tmp_path))
    wait_for_job(local(), job_id)
    out = tmp_path / "frames"

    code, first = run_json(capsys, "download", job_id, "--to", str(out), "--local")
    assert code == 0
    assert (first["downloaded"], first["skipped"], first["refused"]) == (15, 0, [])
    assert first["download_dir"] == str(out.resolve())
    assert frames(out) == FRAMES
    code, second = run_json(capsys, "download", job_id, "--to", str(out), "--local")
    assert (second["downloaded"], second["skipped"]) == (0, 15)

    for extra in ([], ["--watch"], ["--background"]):
        assert main(["download", "no-such-job", "--to", str(out), "--local", *extra]) == 2
        assert "no-such-job does not exist and storage holds no frames" in capsys.readouterr().err


def test_a_deleted_jobs_frames_can_still_be_downloaded(local_home, tmp_path, capsys):
    job_id = submit_stand_in(capsys, copy_examples(tmp_path))
    wait_for_job(local(), job_id)
    assert main(["jobs", "delete", job_id, "--yes", "--local"]) == 0
    assert f"Deleted job {job_id}" in capsys.readouterr().out
    out = tmp_path / "frames"
    argv = ["download", job_id, "--to", str(out), "--watch", "--interval", "0.1", "--local"]
    code, result = run_json(capsys, *argv)
    assert (code, result["downloaded"]) == (0, 15)  # one pass, the job being over
    assert frames(out) == FRAMES


def test_watch_downloads_the_frames_as_they_arrive_and_stops_when_the_job_ends(
    local_home, tmp_path, capsys, waiting_pool
):
    job_id = submit_stand_in(capsys, copy_examples(tmp_path), "--pool", waiting_pool)
    out = tmp_path / "frames"
    argv = ["download", job_id, "--to", str(out), "--watch", "--interval", "0.2", "--local"]
    codes: list[int] = []
    watcher = threading.Thread(target=lambda: codes.append(main(argv)), daemon=True)
    watcher.start()
    wait_until(lambda: lock_is_held(job_id), what="the watcher to take the job's lock")
    time.sleep(1.0)  # several passes with nothing to fetch
    assert watcher.is_alive() and frames(out) == []
    assert main([*argv[:3], str(tmp_path / "elsewhere"), *argv[4:]]) == 1  # one per job
    assert "already running" in capsys.readouterr().err

    pools.begin_resize_pool(local().batch, waiting_pool, dedicated_nodes=1)
    watcher.join(timeout=60)
    assert not watcher.is_alive() and codes == [0]
    assert frames(out) == FRAMES
    assert not lock_is_held(job_id)
    err = capsys.readouterr().err
    assert f"Job {job_id} is over; 15 files downloaded" in err


def test_background_download_outlives_its_parent_and_is_one_per_job(
    local_home, tmp_path, capsys, waiting_pool
):
    job_id = submit_stand_in(capsys, copy_examples(tmp_path), "--pool", waiting_pool)
    out = tmp_path / "frames"
    argv = [sys.executable, "-m", "azure_batch_maya", "download", job_id, "--to", str(out)]
    argv += ["--background", "--interval", "0.2", "--local"]
    started = time.monotonic()
    parent = subprocess.run([*argv, "--json"], capture_output=True, text=True, timeout=30)
    took = time.monotonic() - started
    assert parent.returncode == 0, parent.stderr
    child = json.loads(parent.stdout)
    pid = child["pid"]
    try:
        # The parent has exited (well before the job could end: it has no node yet) ...
        assert took < 10
        assert pid_alive(pid) and lock_is_held(job_id)
        if sys.platform != "win32":
            assert os.getsid(pid) == pid  # its own session: no terminal hang-up reaches it
        assert frames(out) == []

        # ... a second one for the same job is refused and starts nothing ...
        second = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        assert second.returncode == 1
        assert "already running" in second.stderr and str(pid) in second.stderr
        assert Path(child["log"]).read_text().count("Watching job") == 1

        # ... and the first keeps downloading after its parent is gone, then ends by itself.
        pools.begin_resize_pool(local().batch, waiting_pool, dedicated_nodes=1)
        wait_until(lambda: frames(out) == FRAMES, what="the frames")
        wait_until(lambda: not lock_is_held(job_id), what="the downloader to finish")
        log = Path(child["log"]).read_text()
        assert f"Job {job_id} is over; 15 files downloaded" in log
    finally:
        if pid_alive(pid) and lock_is_held(job_id):
            os.kill(pid, signal.SIGTERM)
