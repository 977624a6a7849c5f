"""`azure-batch-maya download JOB --to DIR [--watch] [--background]`: bring a job's frames home."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from azure_batch_maya.cli import CliError
from azure_batch_maya.cli.arguments import batch_id, folder_to_fill, seconds
from azure_batch_maya.cli.connecting import with_connection
from azure_batch_maya.cli.output import Messages, print_json, print_result
from azure_batch_maya.transfer.sizes import size_text

if TYPE_CHECKING:
    from azure_batch_maya.app.connect import Connection
    from azure_batch_maya.transfer.download import DownloadReport

DEFAULT_INTERVAL = 15.0
STUCK_EXIT = 3  # as `submit --wait`: the job cannot start until someone acts


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "download",
        help="download a job's frames and logs",
        description="Download a job's images and logs into a folder (images/…, logs/<task>/…). "
        "Files already here and unchanged are skipped. --watch keeps going as tasks finish "
        "until the job is over; --background does that in a detached process that outlives "
        "this one (one per job).",
    )
    parser.add_argument("job", type=batch_id, help="the job id")
    parser.add_argument(
        "--to", type=folder_to_fill, required=True, metavar="DIR", help="the folder to fill"
    )
    parser.add_argument("--watch", action="store_true", help="keep downloading until the job ends")
    parser.add_argument(
        "--background", action="store_true", help="watch in a detached process and return at once"
    )
    parser.add_argument(
        "--interval",
        type=seconds,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"with --watch, time between passes (default {DEFAULT_INTERVAL:.0f})",
    )
    parser.add_argument("--local", action="store_true", help="use the local pool on this machine")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    folder = Path(args.to)
    if args.background:
        return _background(args, folder)
    say = Messages(quiet=args.json)

    def fetch(conn: Connection) -> tuple[dict[str, Any], tuple[str, ...]]:
        fetched = _watch if args.watch else _once
        return fetched(args, conn, folder, say), _lost(conn, args.job)

    result, missing = with_connection(args, fetch)
    result["missing"] = list(missing)
    if args.json:
        print_json(result)
    if missing:
        shown = ", ".join(name.removeprefix(f"{args.job}/") for name in missing[:10])
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        say(
            f"{len(missing)} files that job {args.job}'s tasks delivered are missing from "
            f"storage (lost after they were stored): {shown}{more}. Render those frames again "
            "(submit them with --frames)."
        )
        return 1
    return STUCK_EXIT if result.get("stuck") else 0


def _lost(conn: Connection, job_id: str) -> tuple[str, ...]:
    """What the finished job delivered that storage no longer has (nothing while it runs)."""
    from azure_batch_maya.app.jobs.status import OVER_STATES, state_name
    from azure_batch_maya.app.submit import missing_outputs
    from azure_batch_maya.services import jobs, tasks
    from azure_batch_maya.services.errors import NotFoundError

    try:
        counts = tasks.get_task_counts(conn.batch, job_id)
        over = counts.done and counts.total > 0
        if not over:
            job = jobs.get_job(conn.batch, job_id, select=["id", "state"])
            over = state_name(job.state) in OVER_STATES
        return missing_outputs(conn, job_id) if over else ()
    except NotFoundError:  # a deleted job: what storage holds is all there is to say
        return ()


def check_known(conn: Connection, job_id: str) -> None:
    """A typo in the job id is an error, not 0 files; a deleted job's stored frames are fine."""
    from azure_batch_maya.app.submit import OUTPUTS_CONTAINER
    from azure_batch_maya.services import jobs, storage
    from azure_batch_maya.services.errors import NotFoundError

    try:
        jobs.get_job(conn.batch, job_id, select=["id"])
        return
    except NotFoundError:
        pass
    try:
        stored = next(storage.list_blobs(conn.blobs, OUTPUTS_CONTAINER, prefix=f"{job_id}/"), None)
    except NotFoundError:
        stored = None
    if stored is None:
        raise CliError(
            f"job {job_id} does not exist and storage holds no frames or logs of it; check the "
            "id with `azure-batch-maya jobs list`"
        )


def _once(
    args: argparse.Namespace, conn: Connection, folder: Path, say: Messages
) -> dict[str, Any]:
    from azure_batch_maya.app.submit import download_outputs

    check_known(conn, args.job)
    report = download_outputs(conn, args.job, folder)
    say(_report_line(report, folder))
    return _result(args.job, folder, len(report.downloaded), report.skipped, report.refused)


def _watch(
    args: argparse.Namespace, conn: Connection, folder: Path, say: Messages
) -> dict[str, Any]:
    from azure_batch_maya.app.jobs.background import TAKE_PATIENCE, AlreadyRunning, download_lock
    from azure_batch_maya.app.jobs.notice import notice_of, record_outcome, tell
    from azure_batch_maya.app.jobs.watch import watch_job
    from azure_batch_maya.services.errors import ServiceError

    check_known(conn, args.job)
    skipped = 0
    refused: list[str] = []

    def on_pass(report: DownloadReport) -> None:
        nonlocal skipped
        skipped = report.skipped
        refused.extend(n for n in report.refused if n not in refused)
        if report.downloaded:
            say(_report_line(report, folder))

    def on_retry(error: ServiceError) -> None:
        say(f"{datetime.now():%H:%M:%S} {error}; trying again in {args.interval:g} s")

    try:
        with download_lock(args.job, patience=TAKE_PATIENCE):
            say(f"Watching job {args.job}; downloading into {folder.resolve()}.")
            watched = watch_job(
                conn, args.job, folder, interval=args.interval, on_pass=on_pass, on_retry=on_retry
            )
    except AlreadyRunning as exc:
        raise CliError(f"{exc}; nothing to do", exit_code=1) from None
    count = watched.downloaded
    result = _result(args.job, folder, count, skipped, tuple(refused))
    verdict = watched.verdict
    if watched.stuck and verdict is not None:
        for problem in verdict.problems:
            say(f"Stuck: {problem.text}\n  What to do: {problem.remedy}")
        say(f"Job {args.job} cannot start; {count} files downloaded to {folder.resolve()}.")
        result["stuck"] = True
    else:
        say(f"Job {args.job} is over; {count} files downloaded to {folder.resolve()}.")
    if verdict is not None:
        result["status"] = verdict.status
        result["problems"] = [p.to_json() for p in verdict.problems]
    if verdict is not None:
        notice = notice_of(verdict, folder=folder.resolve())
        if notice is not None:
            record_outcome(notice)  # the Jobs tab shows it when the panel next opens
            tell(notice)
    return result


def _background(args: argparse.Namespace, folder: Path) -> int:
    from azure_batch_maya.app.jobs.background import (
        AlreadyRunning,
        BackgroundStartError,
        start_background_download,
    )

    # here, where a person sees it, rather than in the log of a process that quits
    with_connection(args, lambda conn: check_known(conn, args.job))
    interval = args.interval if args.interval != DEFAULT_INTERVAL else None
    try:
        started = start_background_download(args.job, folder, local=args.local, interval=interval)
    except AlreadyRunning as exc:
        raise CliError(f"{exc}; not starting another", exit_code=1) from None
    except BackgroundStartError as exc:
        raise CliError(str(exc)) from None
    data = {
        "job_id": args.job,
        "pid": started.pid,
        "log": str(started.log_path),
        "download_dir": str(folder.resolve()),
    }
    text = (
        f"Downloading job {args.job} into {folder.resolve()} in the background "
        f"(pid {started.pid}).\nLog: {started.log_path}"
    )
    print_result(args.json, data, text)
    return 0


def _result(
    job_id: str, folder: Path, downloaded: int, skipped: int, refused: tuple[str, ...]
) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "downloaded": downloaded,
        "skipped": skipped,
        "refused": list(refused),
        "download_dir": str(folder.resolve()),
    }


def _report_line(report: DownloadReport, folder: Path) -> str:
    line = (
        f"{datetime.now():%H:%M:%S} Downloaded {len(report.downloaded)} files "
        f"({size_text(report.downloaded_bytes)}) to {folder.resolve()}; "
        f"{report.skipped} already here."
    )
    if report.refused:
        line += f" Refused {len(report.refused)} with unsafe names: {', '.join(report.refused)}."
    return line
