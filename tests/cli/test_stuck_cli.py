"""A pool that cannot get nodes, on a real local pool of 2 slots that another pool holds.

The local pool answers as Azure does for an account over its core quota: the job's auto-pool
settles with `AccountCoreQuotaReached` and no nodes. `submit --wait`, `download --watch`,
`jobs list|show` and `pools list` must all name it, and the watcher must say so on the desktop.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.app.jobs.background import start_background_download
from azure_batch_maya.app.jobs.notice import outcome_path, read_outcomes
from azure_batch_maya.cli import main
from azure_batch_maya.services import jobs
from azure_batch_maya.system.processes import pid_alive
from tests.cli.localjobs import copy_examples, run_json, wait_until

pytestmark = pytest.mark.slow

QUOTA = "AccountCoreQuotaReached"


def submit_and_wait(capsys: pytest.CaptureFixture[str], example: Path) -> tuple[int, Any]:
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    argv = ["submit", str(scene), "--search-path", str(example / "texture_library")]
    outcome: list[tuple[int, Any]] = []
    waiting = threading.Thread(
        target=lambda: outcome.append(run_json(capsys, *argv, "--local", "--stand-in", "--wait")),
        daemon=True,
    )
    waiting.start()
    waiting.join(timeout=60)  # the bound: stuck is said within a minute
    assert not waiting.is_alive(), "submit --wait still waiting after 60 s"
    return outcome[0]


def test_a_pool_that_cannot_get_nodes_is_named_everywhere(full_pool, tmp_path, capsys, mocker):
    sent = mocker.patch("desktop_notifier.DesktopNotifierSync.send")
    code, result = submit_and_wait(capsys, copy_examples(tmp_path))
    assert code == 3 and result["stuck"] is True and result["succeeded"] is False
    job_id = result["job_id"]
    (problem,) = [p for p in result["problems"] if p["code"] == QUOTA]
    pool_id = problem["pool"]
    assert pool_id.startswith("azbm-") and problem["definitive"]
    assert f"Pool {pool_id}: {QUOTA}: The local pool has 2 slots" in problem["text"]
    assert "--slots" in problem["remedy"]

    code, shown = run_json(capsys, "jobs", "show", job_id, "--local")
    assert code == 0 and shown["status"] == "stuck"
    assert [p["code"] for p in shown["health"]["problems"]] == [QUOTA]
    assert main(["jobs", "show", job_id, "--local"]) == 0
    out = capsys.readouterr().out
    assert f"Job {job_id}: stuck, 0/5 done" in out
    assert f"Stuck: Pool {pool_id}: {QUOTA}" in out and "What to do:" in out

    code, listed = run_json(capsys, "jobs", "list", "--local")
    (row,) = [j for j in listed["jobs"] if j["id"] == job_id]
    assert row["status"] == "stuck" and row["state"] == "active"
    assert main(["jobs", "list", "--local"]) == 0
    (line,) = [x for x in capsys.readouterr().out.splitlines() if x.startswith(job_id)]
    assert "stuck" in line and f"Pool {pool_id}: {QUOTA}" in line

    code, listed_pools = run_json(capsys, "pools", "list", "--local")
    (auto,) = [p for p in listed_pools["pools"] if p["id"] == pool_id]
    assert [p["code"] for p in auto["problems"]] == [QUOTA]
    assert main(["pools", "list", "--local"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[-1] == "ERRORS"
    (line,) = [x for x in out.splitlines() if x.startswith(pool_id)]
    assert line.rstrip().endswith(QUOTA)

    frames = tmp_path / "frames"
    argv = ["download", job_id, "--to", str(frames), "--watch", "--interval", "0.2", "--local"]
    assert main(argv) == 3
    err = capsys.readouterr().err
    assert f"Stuck: Pool {pool_id}: {QUOTA}" in err and "cannot start" in err
    sent.assert_called_once()
    assert sent.call_args.kwargs["title"] == f"Render stuck: {job_id}"
    assert sent.call_args.kwargs["message"].startswith(f"Pool {pool_id}: {QUOTA}: ")
    assert "stuck" in outcome_path(job_id).read_text()  # for the Jobs tab, next time

    # The background downloader (a detached process) stops the same way and leaves its word
    # where the Jobs tab reads it.
    outcome_path(job_id).unlink()
    started = start_background_download(job_id, tmp_path / "bg", local=True, interval=0.2)
    wait_until(lambda: not pid_alive(started.pid), what="the background downloader to stop")
    log = started.log_path.read_text()
    assert f"Stuck: Pool {pool_id}: {QUOTA}" in log and "Traceback" not in log
    assert read_outcomes()[job_id].title == f"Render stuck: {job_id}"

    jobs.begin_terminate_job(full_pool.batch, job_id).wait(30)


def test_more_nodes_than_the_local_pool_has_slots_is_refused_before_upload(
    full_pool, tmp_path, capsys
):
    example = copy_examples(tmp_path)
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    before = {j.id for j in full_pool.batch.list_jobs()}
    argv = ["submit", str(scene), "--search-path", str(example / "texture_library")]
    assert main([*argv, "--local", "--stand-in", "--nodes", "3"]) == 1
    err = capsys.readouterr().err
    assert "error: [LocalSlotsExceeded] The job asks for 3 nodes" in err
    assert "2 slots in all" in err and "nothing was uploaded" in err
    assert {j.id for j in full_pool.batch.list_jobs()} == before
