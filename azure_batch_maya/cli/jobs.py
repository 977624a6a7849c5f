"""`azure-batch-maya jobs list|show|release|retry|cancel|delete`: follow, go on with, re-run and
tidy up jobs."""

from __future__ import annotations

import argparse
import sys
from datetime import timezone
from typing import TYPE_CHECKING, Any

from azure_batch_maya.cli.arguments import batch_id
from azure_batch_maya.cli.connecting import (
    POLL_SECONDS,
    asking_options,
    connection_options,
    finished,
    run_batch_delete,
    waiting_options,
    with_connection,
)
from azure_batch_maya.cli.output import columns, print_json, print_result

if TYPE_CHECKING:
    from azure_batch_maya.app.connect import Connection
    from azure_batch_maya.app.jobs.scouts import RestEstimate, ScoutState
    from azure_batch_maya.app.jobs.status import JobRow, JobUsage
    from azure_batch_maya.app.submit import FailedTask
    from azure_batch_maya.services.tasks import PreparationFailure

    Failures = tuple[tuple[FailedTask, ...], tuple[PreparationFailure, ...]]

CANCEL_REASON = "Cancelled with azure-batch-maya"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "jobs",
        help="list, inspect, cancel or delete render jobs",
        description="Jobs on the Batch account (or the local pool with --local): their state "
        "and progress, failed tasks, node-hours used; cancel or delete them.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    common, waiting, asking = connection_options(), waiting_options(), asking_options()

    listing = actions.add_parser("list", parents=[common], help="every job with its progress")
    listing.set_defaults(handler=run_list)
    show = actions.add_parser(
        "show", parents=[common], help="one job: progress, failed tasks, node-hours and cost"
    )
    show.add_argument("job", type=batch_id, help="the job id")
    show.set_defaults(handler=run_show)
    release = actions.add_parser(
        "release",
        parents=[common],
        help="the go for a scouted job: render the rest once the scout frames succeeded",
    )
    release.add_argument("job", type=batch_id, help="the job id")
    release.set_defaults(handler=run_release)
    retry = actions.add_parser(
        "retry",
        parents=[common],
        help="run a job's failed tasks again, on the inputs it was submitted with",
    )
    retry.add_argument("job", type=batch_id, help="the job id")
    retry.set_defaults(handler=run_retry)
    cancel = actions.add_parser(
        "cancel", parents=[common, waiting], help="stop a job (its files and frames stay)"
    )
    cancel.add_argument("job", type=batch_id, help="the job id")
    cancel.set_defaults(handler=run_cancel)
    delete = actions.add_parser(
        "delete",
        parents=[common, waiting, asking],
        help="delete a job, its tasks and its auto-pool",
    )
    delete.add_argument("job", type=batch_id, help="the job id")
    delete.set_defaults(handler=run_delete)


def run_list(args: argparse.Namespace) -> int:
    from azure_batch_maya.app.jobs.status import list_job_rows

    rows = with_connection(args, list_job_rows)
    if args.json:
        print_json({"jobs": [row.to_json() for row in rows]})
        return 0
    if not rows:
        sys.stdout.write("No jobs.\n")
        return 0
    table = [("JOB", "STATE", "PROGRESS", "CREATED", "POOL", "REASON")]
    table += [
        (r.id, r.status, r.progress_text, _created(r), r.pool_id or "-", _reason(r)) for r in rows
    ]
    sys.stdout.write(columns(table))
    return 0


def run_show(args: argparse.Namespace) -> int:
    from azure_batch_maya.app.jobs.status import get_job_row, job_usage
    from azure_batch_maya.app.submit import failed_tasks
    from azure_batch_maya.services.tasks import preparation_failures

    def gather(conn: Connection) -> tuple[JobRow, Failures, JobUsage | None, Scouts]:
        row = get_job_row(conn, args.job)
        failed = failed_tasks(conn, args.job) if row.counts.failed else ()
        stuck = row.counts.active and not row.counts.running and not row.over
        preparation = preparation_failures(conn.batch, args.job) if stuck else ()
        scouts = _scouts(conn, args.job)
        return row, (failed, preparation), job_usage(conn, args.job) if row.over else None, scouts

    row, (failed, preparation), usage, (scouts, rest) = with_connection(args, gather)
    if args.json:
        data = row.to_json()
        data["failed_tasks"] = [
            {"id": f.task_id, "exit_code": f.exit_code, "stderr_tail": f.stderr_tail}
            for f in failed
        ]
        data["failed_preparations"] = [
            {"node_id": p.node_id, "exit_code": p.exit_code, "stderr_tail": p.stderr_tail}
            for p in preparation
        ]
        data["usage"] = usage.to_json() if usage else None
        data["scouts"] = scouts.to_json() if scouts else None
        data["rest_estimate"] = rest.to_json() if rest else None
        print_json(data)
        return 0
    out = [
        f"Job {row.id}: {row.status}, {row.progress_text}",
        f"  created {_created(row)} on pool {row.pool_id or '(not yet made)'}",
    ]
    if scouts is not None:
        out.append(_scout_line(scouts))
    if rest is not None:
        out.append(rest.text())
    for problem in row.verdict.problems if row.verdict else ():
        label = "Stuck" if row.status == "stuck" and problem.code != "TasksFailed" else "Note"
        label = "Waiting for your go" if problem.code == "WaitingForRelease" else label
        out.append(f"{label}: {problem.text}")
        out.append(f"  What to do: {problem.remedy}")
    for f in failed:
        out.append(f"{f.headline}; end of its stderr:")
        tail = f.stderr_tail.rstrip() or "(no stderr)"
        out.extend(f"    {line}" for line in tail.splitlines())
    for p in preparation:
        out.append(
            f"Fetching the inputs failed on node {p.node_id} (exit code {p.exit_code}), so no "
            "task can run there; end of its stderr:"
        )
        tail = p.stderr_tail.rstrip() or p.message or "(no stderr)"
        out.extend(f"    {line}" for line in tail.splitlines())
    if usage is not None:
        used = usage.used
        hours = f"{used.dedicated:.4f} dedicated and {used.spot:.4f} Spot node-hours"
        if usage.cost is None:
            out.append(f"Used {hours}; {usage.note}.")
        else:
            c = usage.cost
            out.append(
                f"Used {hours}: about {c.total:.2f} {c.currency} ({usage.note}; {c.prices_note()})."
            )
    sys.stdout.write("\n".join(out) + "\n")
    return 0


Scouts = tuple["ScoutState | None", "RestEstimate | None"]


def _scouts(conn: Connection, job_id: str) -> Scouts:
    """The job's scouts and, once one rendered, the measured estimate of the rest."""
    from azure_batch_maya.app.jobs.scouts import estimate_rest, fetch_scout_state

    state = fetch_scout_state(conn, job_id)
    if state is None:
        return None, None
    return state, estimate_rest(conn, state) if not state.failed else None


def _scout_line(state: ScoutState) -> str:
    done, total = len(state.done), len(state.scouts)
    text = f"Scout frames: {done}/{total} done"
    if state.failed:
        text += f", {len(state.failed)} failed: the rest will not start"
    elif state.released or state.auto:
        text += "; the rest starts once they all succeed" if done < total else "; the rest runs"
    elif state.awaiting_go:
        text += f"; the rest waits for your go: `azure-batch-maya jobs release {state.job_id}`"
    text += "."
    return f"{text}\nWARNING: {state.warning}." if state.warning else text


def run_release(args: argparse.Namespace) -> int:
    from azure_batch_maya.app.jobs.scouts import ReleaseError, release

    done = with_connection(args, lambda conn: release(conn, args.job), refusals=(ReleaseError,))
    if done.already:
        text = f"Job {args.job}: the rest was already released."
    elif done.scouts_pending:
        text = (
            f"Released job {args.job}: the rest starts once its {done.scouts_pending} scout "
            "frames still rendering succeed."
        )
    else:
        text = f"Released job {args.job}: the rest of its frames render now."
    data = {"job_id": args.job, "already": done.already, "scouts_pending": done.scouts_pending}
    print_result(args.json, data, text)
    return 0


def run_retry(args: argparse.Namespace) -> int:
    from azure_batch_maya.app.jobs.retry import NothingToRetry, retry_failed

    done = with_connection(
        args, lambda conn: retry_failed(conn, args.job), refusals=(NothingToRetry,)
    )
    count = len(done.task_ids)
    where = f"as job {done.follow_up}" if done.follow_up else "in the job"
    text = (
        f"Re-running {count} failed task{'s' if count != 1 else ''} of job {args.job} {where}, "
        f"on the inputs it was submitted with: {', '.join(done.task_ids)}.\n"
        f"Their images arrive with the job's others: `azure-batch-maya download {args.job} "
        "--to DIR --watch`."
    )
    data = {"job_id": args.job, "tasks": list(done.task_ids), "running_in": done.running_in}
    print_result(args.json, data, text)
    return 0


def run_cancel(args: argparse.Namespace) -> int:
    from azure_batch_maya.app.jobs.status import get_job_row
    from azure_batch_maya.services.errors import ConflictError
    from azure_batch_maya.services.jobs import begin_terminate_job

    def cancel(conn: Connection) -> tuple[bool, bool, JobRow]:
        try:
            operation = begin_terminate_job(
                conn.batch, args.job, reason=CANCEL_REASON, polling_interval=POLL_SECONDS
            )
        except ConflictError as exc:
            if exc.code != "JobCompleted":
                raise
            return True, False, get_job_row(conn, args.job)
        return finished(operation, args), True, get_job_row(conn, args.job)

    done, cancelled, row = with_connection(args, cancel)
    if not cancelled:
        text = f"Job {args.job} had already ended ({row.progress_text}); nothing to do."
    elif row.state == "completed":
        text = f"Cancelled job {args.job} ({row.progress_text}); its files stay."
    else:
        text = f"Job {args.job} is {row.state}; check again with `jobs show`."
    data = {"job_id": args.job, "state": row.state, "finished": done, "cancelled": cancelled}
    print_result(args.json, data, text)
    return 0


def run_delete(args: argparse.Namespace) -> int:
    from azure_batch_maya.services.jobs import begin_delete_job

    return run_batch_delete(
        args,
        kind="job",
        entity_id=args.job,
        begin=begin_delete_job,
        question=f"Delete job {args.job}, its tasks and their files on the nodes?",
        after="; downloaded frames and storage are untouched",
    )


def _reason(row: JobRow) -> str:
    """Why a stuck job waits (its first problem), else nothing."""
    return row.verdict.reason if row.verdict and row.status == "stuck" else ""


def _created(row: JobRow) -> str:
    if row.created is None:
        return "-"
    return row.created.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
