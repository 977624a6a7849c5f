"""`jobs list|show|cancel|delete` on the local pool + Azurite."""

from __future__ import annotations

import io

import pytest

from azure_batch_maya.cli import main
from azure_batch_maya.services import jobs, tasks
from azure_batch_maya.services.errors import NotFoundError
from tests.cli.localjobs import (
    copy_examples,
    delete_pool_if_any,
    empty_pool,
    failing_job,
    local,
    run_json,
    submit_stand_in,
    unpreparable_job,
    wait_for_job,
)
from tests.services.specs import wait_for

pytestmark = pytest.mark.slow


class _Terminal(io.StringIO):
    """A stdin that is a terminal with the person's answer already typed."""

    def isatty(self) -> bool:
        return True


def test_list_and_show_a_finished_job(local_home, tmp_path, capsys):
    job_id = submit_stand_in(capsys, copy_examples(tmp_path))
    wait_for_job(local(), job_id)

    code, listed = run_json(capsys, "jobs", "list", "--local")
    assert code == 0
    (row,) = [j for j in listed["jobs"] if j["id"] == job_id]
    assert row["state"] == "completed"
    assert row["tasks"]["total"] == row["tasks"]["succeeded"] == 5
    assert row["pool"].startswith("azbm-") and row["created"]

    assert main(["jobs", "list", "--local"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["JOB", "STATE", "PROGRESS", "CREATED", "POOL", "REASON"]
    (line,) = [line for line in out.splitlines() if line.startswith(job_id)]
    assert "completed" in line and "5/5 done" in line

    code, shown = run_json(capsys, "jobs", "show", job_id, "--local")
    assert code == 0
    assert shown["failed_tasks"] == []
    assert shown["usage"]["node_hours"]["dedicated"] > 0  # five tasks really ran
    assert shown["usage"]["cost"] is None
    assert "local pool costs nothing" in shown["usage"]["note"]

    assert main(["jobs", "show", job_id, "--local"]) == 0
    out = capsys.readouterr().out
    assert f"Job {job_id}: completed, 5/5 done" in out
    assert "node-hours" in out and "the local pool costs nothing" in out


def test_show_gives_failed_tasks_with_exit_code_and_the_end_of_stderr(local_home, capsys):
    conn = local()
    job_id = failing_job(conn, exit_code=3, stderr="cannot open wall.tif\n")
    wait_for_job(conn, job_id)

    code, shown = run_json(capsys, "jobs", "show", job_id, "--local")
    assert code == 0
    assert shown["tasks"]["failed"] == 1
    (failed,) = shown["failed_tasks"]
    assert (failed["id"], failed["exit_code"]) == ("frame-0001", 3)
    assert failed["stderr_tail"] == "cannot open wall.tif\n"

    assert main(["jobs", "show", job_id, "--local"]) == 0
    out = capsys.readouterr().out
    assert "Task frame-0001 failed (exit code 3)" in out
    assert "    cannot open wall.tif" in out


def test_cancel_a_waiting_job_then_delete_it_only_when_confirmed(
    local_home, tmp_path, capsys, monkeypatch
):
    conn = local()
    pool_id = empty_pool(conn)
    try:
        job_id = submit_stand_in(capsys, copy_examples(tmp_path), "--pool", pool_id)
        code, listed = run_json(capsys, "jobs", "list", "--local")
        (row,) = [j for j in listed["jobs"] if j["id"] == job_id]
        assert (row["state"], row["tasks"]["active"]) == ("active", 5)  # no node to run on

        code, cancelled = run_json(capsys, "jobs", "cancel", job_id, "--local")
        assert code == 0
        assert cancelled == {
            "job_id": job_id,
            "state": "completed",
            "finished": True,
            "cancelled": True,
        }
        assert main(["jobs", "cancel", job_id, "--local"]) == 0
        assert "had already ended (0/5 done); nothing to do" in capsys.readouterr().out

        monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal, no --yes
        assert main(["jobs", "delete", job_id, "--local"]) == 2
        assert "without confirmation" in capsys.readouterr().err
        monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
        assert main(["jobs", "delete", job_id, "--local"]) == 1
        assert "[y/N]" in capsys.readouterr().err
        assert jobs.get_job(conn.batch, job_id).id == job_id  # still there

        monkeypatch.setattr("sys.stdin", _Terminal("y\n"))
        assert main(["jobs", "delete", job_id, "--local"]) == 0
        assert f"Deleted job {job_id}" in capsys.readouterr().out
        with pytest.raises(NotFoundError):
            jobs.get_job(conn.batch, job_id)
        code, listed = run_json(capsys, "jobs", "list", "--local")
        assert job_id not in {j["id"] for j in listed["jobs"]}
    finally:
        delete_pool_if_any(conn, pool_id)


def test_delete_with_yes_and_a_missing_job(local_home, tmp_path, capsys):
    conn = local()
    job_id = failing_job(conn, exit_code=1, stderr="")
    code, deleted = run_json(capsys, "jobs", "delete", job_id, "--yes", "--local")
    assert (code, deleted) == (0, {"job_id": job_id, "deleted": True})
    assert main(["jobs", "show", job_id, "--local"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_show_names_a_failed_preparation_that_keeps_the_tasks_waiting(local_home, capsys):
    conn = local()
    job_id = unpreparable_job(conn, stderr="asset store unreachable\n")
    wait_for(lambda: tasks.preparation_failures(conn.batch, job_id), timeout=60)

    code, shown = run_json(capsys, "jobs", "show", job_id, "--local")
    assert code == 0
    assert shown["tasks"]["active"] == 1 and shown["failed_tasks"] == []
    (prep,) = shown["failed_preparations"]
    assert (prep["exit_code"], prep["stderr_tail"]) == (9, "asset store unreachable\n")

    assert main(["jobs", "show", job_id, "--local"]) == 0
    out = capsys.readouterr().out
    assert "Fetching the inputs failed on node" in out and "asset store unreachable" in out
    main(["jobs", "delete", job_id, "--local", "--yes"])
    capsys.readouterr()
