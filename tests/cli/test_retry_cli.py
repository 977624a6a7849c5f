"""`jobs retry`: only the failed tasks run again, on the same inputs; their images arrive."""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.submit import OUTPUTS_CONTAINER
from azure_batch_maya.cli import main
from azure_batch_maya.services import jobs, storage
from azure_batch_maya.services.batch import JobSpec, OutputFileSpec, PoolSpec, TaskSpec
from azure_batch_maya.services.sas import SasAccess, create_container_sas_url
from azure_batch_maya.services.tasks import get_task_counts
from tests.cli.localjobs import (
    UBUNTU,
    VM_SIZE,
    command_line,
    local,
    run_json,
    wait_for_job,
    wait_until,
)

pytestmark = pytest.mark.slow

# Writes its frame and counts its runs; frame 2 fails until the test puts its input in place.
FRAME = """
import pathlib, sys
frame, marks = int(sys.argv[1]), pathlib.Path(sys.argv[2])
with (marks / f"ran-{frame}").open("a") as runs:
    runs.write("ran\\n")
if frame == 2 and not (marks / "input-ready").exists():
    sys.stderr.write("input for frame 2 missing\\n")
    sys.exit(4)
out = pathlib.Path("images")
out.mkdir(exist_ok=True)
(out / f"a.{frame:04d}.png").write_bytes(b"frame %d" % frame)
"""


def job_with_a_failing_frame(conn: Connection, marks: Path) -> str:
    job_id = f"test-retry-{uuid.uuid4().hex[:8]}"
    storage.ensure_container(conn.blobs, OUTPUTS_CONTAINER)
    outputs = create_container_sas_url(
        conn.blobs,
        OUTPUTS_CONTAINER,
        access=SasAccess.OUTPUTS,
        time_limit=timedelta(hours=1),
        now=datetime.now(timezone.utc),
    )
    tasks = [
        TaskSpec(
            f"frame-{frame:04d}",
            command_line([sys.executable, "-c", FRAME, str(frame), str(marks)]),
            output_files=(OutputFileSpec("images/*", outputs, f"{job_id}/images", "tasksuccess"),),
        )
        for frame in (1, 2, 3)
    ]
    spec = JobSpec(job_id, auto_pool=PoolSpec("test-retry", VM_SIZE, UBUNTU, dedicated_nodes=1))
    jobs.submit_job(conn.batch, spec, tasks)
    return job_id


def test_retry_runs_only_the_failed_task_and_the_watcher_brings_its_image(
    local_home, tmp_path, capsys, mocker
):
    sent = mocker.patch("desktop_notifier.DesktopNotifierSync.send")
    conn = local()
    marks = tmp_path / "marks"
    marks.mkdir()
    job_id = job_with_a_failing_frame(conn, marks)
    wait_for_job(conn, job_id)
    code, shown = run_json(capsys, "jobs", "show", job_id, "--local")
    assert shown["tasks"]["failed"] == 1 and shown["status"] == "completed"
    assert [p["code"] for p in shown["health"]["problems"]] == ["TasksFailed"]

    (marks / "input-ready").touch()
    code, retried = run_json(capsys, "jobs", "retry", job_id, "--local")
    assert code == 0
    assert retried["tasks"] == ["frame-0002"]
    assert retried["running_in"] == f"{job_id}-r1"  # the job had ended: Batch won't reactivate

    frames = tmp_path / "frames"
    argv = ["download", job_id, "--to", str(frames), "--watch", "--interval", "0.2", "--local"]
    assert main(argv) == 0
    images = sorted(p.name for p in (frames / "images").glob("*.png"))
    assert images == ["a.0001.png", "a.0002.png", "a.0003.png"]
    assert (frames / "images" / "a.0002.png").read_bytes() == b"frame 2"
    runs = {n: (marks / f"ran-{n}").read_text().count("ran") for n in (1, 2, 3)}
    assert runs == {1: 1, 2: 2, 3: 1}  # only the failed frame ran again
    assert sent.call_args.kwargs["title"] == f"Render done: {job_id}-r1"

    assert main(["jobs", "retry", job_id, "--local"]) == 1  # nothing failed any more
    assert "no failed tasks" in capsys.readouterr().err
    assert main(["jobs", "retry", "no-such-job", "--local"]) == 2
    err = capsys.readouterr().err
    assert "no-such-job" in err and "Traceback" not in err


# Frame 1 fails until its input is ready; frame 2 runs until released, keeping the job active.
HELD = """
import pathlib, sys, time
frame, marks = int(sys.argv[1]), pathlib.Path(sys.argv[2])
with (marks / f"ran-{frame}").open("a") as runs:
    runs.write("ran\\n")
if frame == 1 and not (marks / "input-ready").exists():
    sys.exit(4)
while frame == 2 and not (marks / "release").exists():
    time.sleep(0.05)
"""


def test_while_the_job_is_active_its_failed_task_is_reactivated_in_place(
    local_home, tmp_path, capsys
):
    conn = local()
    marks = tmp_path / "marks"
    marks.mkdir()
    job_id = f"test-held-{uuid.uuid4().hex[:8]}"
    tasks = [
        TaskSpec(f"frame-{n:04d}", command_line([sys.executable, "-c", HELD, str(n), str(marks)]))
        for n in (1, 2)
    ]
    spec = JobSpec(job_id, auto_pool=PoolSpec("test-held", VM_SIZE, UBUNTU, dedicated_nodes=2))
    jobs.submit_job(conn.batch, spec, tasks)
    wait_until(
        lambda: (c := get_task_counts(conn.batch, job_id)).failed == 1 and c.running == 1,
        what="frame 1 to fail while frame 2 runs",
    )
    (marks / "input-ready").touch()
    code, retried = run_json(capsys, "jobs", "retry", job_id, "--local")
    assert code == 0 and retried == {
        "job_id": job_id,
        "tasks": ["frame-0001"],
        "running_in": job_id,  # reactivated: no follow-up job
    }
    (marks / "release").touch()
    wait_for_job(conn, job_id)
    counts = get_task_counts(conn.batch, job_id)
    assert (counts.succeeded, counts.failed) == (2, 0)
    assert (marks / "ran-1").read_text().count("ran") == 2
    assert (marks / "ran-2").read_text().count("ran") == 1


def test_a_job_whose_storage_links_expired_is_not_re_run(local_home):
    from azure_batch_maya.app.jobs.retry import NothingToRetry, retry_failed
    from tests.cli.localjobs import failing_job

    conn = local()
    job_id = failing_job(conn, exit_code=3, stderr="x\n")  # its links last an hour
    wait_for_job(conn, job_id)
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    with pytest.raises(NothingToRetry, match=r"expire at .* submit those frames again"):
        retry_failed(conn, job_id, now=later)
    assert not [j for j in conn.batch.list_jobs() if (j.id or "").startswith(f"{job_id}-r")]


def test_a_job_that_ends_between_reading_and_reactivating_gets_a_follow_up(
    local_home, tmp_path, monkeypatch
):
    """The race: `retry` reads the job as active, then its last task ends and Batch refuses
    reactivation (409 JobCompleted from the local pool, as from Batch). The stale read is
    injected by reporting the real, ended job as still active."""
    from azure_batch_maya.app.jobs import retry

    conn = local()
    marks = tmp_path / "marks"
    marks.mkdir()
    job_id = job_with_a_failing_frame(conn, marks)
    wait_for_job(conn, job_id)
    real_get_job = jobs.get_job

    def read_before_it_ended(client, wanted):
        job = real_get_job(client, wanted)
        job.state = "active"
        return job

    monkeypatch.setattr(jobs, "get_job", read_before_it_ended)
    retried = retry.retry_failed(conn, job_id)
    assert retried.task_ids == ("frame-0002",)
    assert retried.follow_up == f"{job_id}-r1"
    assert real_get_job(conn.batch, f"{job_id}-r1").id == f"{job_id}-r1"
