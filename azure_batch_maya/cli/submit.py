"""`azure-batch-maya submit SCENE`: render a scene on a pool and, with --wait, bring it home."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from azure_batch_maya.cli import CliError
from azure_batch_maya.cli.arguments import batch_id, count, folder_to_fill, hours
from azure_batch_maya.cli.assetopts import (
    add_asset_options,
    format_findings,
    hashed_project,
    load_checked,
)

STUCK_EXIT = 3  # the job cannot start until someone acts (failed tasks exit 1)

if TYPE_CHECKING:
    from azure_batch_maya.jobhealth import Problem
    from azure_batch_maya.render.settings import SubmitSettings
    from azure_batch_maya.scene.model import SceneInfo
    from azure_batch_maya.services.tasks import TaskCounts


def pool_text(text: str) -> str:
    """`--pool`: auto, new, new:ID or an existing pool's id, the ids as Batch accepts them."""
    if text in ("auto", "new"):
        return text
    batch_id(text.removeprefix("new:"))
    return text


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "submit",
        help="upload a scene's files and render it on a pool",
        description="Check the scene, upload the files it needs (only what storage lacks), "
        "and submit a render job. Refused before any upload when validation finds an error.",
    )
    parser.add_argument("scene", help="the .ma scene file")
    add_asset_options(parser)
    parser.add_argument("--layer", action="append", default=[], help="render only this layer")
    parser.add_argument(
        "--pool", type=pool_text, default="auto", help="auto (default), new, new:ID, or a pool id"
    )
    parser.add_argument("--chunk", type=count(1), default=1, metavar="N", help="frames per task")
    parser.add_argument("--per-layer", action="store_true", help="one task per render layer")
    parser.add_argument("--per-camera", action="store_true", help="one task per camera")
    parser.add_argument(
        "--max-retries", type=count(-1, 100), metavar="N", help="retries of a failed task"
    )
    parser.add_argument("--time-limit", type=hours, metavar="HOURS", help="end the job after")
    parser.add_argument(
        "--nodes",
        type=count(0),
        metavar="N",
        help="dedicated nodes (default: the Env tab's, else 1)",
    )
    parser.add_argument(
        "--spot", type=count(0), metavar="N", help="Spot nodes (default: Env tab's)"
    )
    parser.add_argument(
        "--autoscale",
        type=count(1),
        metavar="MAX",
        help="with --pool new:ID: the pool grows to the pending work up to MAX nodes (Spot as "
        "--nodes/--spot share them) and empties itself when idle",
    )
    parser.add_argument(
        "--idle-minutes",
        type=float,
        metavar="M",
        help="with --autoscale: go to 0 nodes after M minutes without work (default 10)",
    )
    parser.add_argument(
        "--autoscale-interval",
        type=float,
        metavar="MINUTES",
        help="with --autoscale: minutes between evaluations (default 5, Azure's shortest)",
    )
    parser.add_argument("--vm-size", help="VM size of a new pool (default: the Env tab's)")
    parser.add_argument("--node-os", choices=("linux", "windows"), default="linux")
    parser.add_argument("--job-id", type=batch_id, help="job id (default: scene name and time)")
    parser.add_argument("--local", action="store_true", help="use the local pool on this machine")
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="render with the stand-in renderer (checks the files, draws labelled frames)",
    )
    parser.add_argument("--wait", action="store_true", help="follow the job until it ends")
    parser.add_argument(
        "--download", type=folder_to_fill, metavar="DIR", help="after --wait, download here"
    )
    parser.add_argument(
        "--export", type=folder_to_fill, metavar="DIR", help="write the job as JSON, submit nothing"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from azure_batch_maya.assets.validation import has_errors

    checked = load_checked(args, saved=True)
    if has_errors(checked.findings):
        sys.stderr.write(format_findings(checked.findings))
        raise CliError("the scene has errors (listed above); nothing was uploaded", exit_code=1)
    settings = _settings(args, checked.scene)
    _check_plan(checked.scene, settings)
    if not args.export:
        _check_quotas(args, settings)
    project = hashed_project(checked.scene, checked.resolutions, checked.choices)
    if args.export:
        return _export(checked.scene, project, settings, Path(args.export))
    return _submit(args, checked.scene, project, settings)


def _check_quotas(args: argparse.Namespace, settings: SubmitSettings) -> None:
    """The new pool's cores against the account's quotas (the local pool's slots), before any
    upload: over them is an error naming both numbers; unreadable quotas, a notice."""
    from azure_batch_maya.assets.validation import has_errors
    from azure_batch_maya.connection import NotConnectedError, connect, read_local_state
    from azure_batch_maya.quotacheck import check_quotas
    from azure_batch_maya.services.errors import ServiceError

    if args.local and read_local_state() is None:
        return  # not up yet: it starts empty, so every slot is free
    try:
        findings = check_quotas(connect(local=args.local, start=False), settings)
    except NotConnectedError:
        return  # connecting again to submit says what to set up
    except ServiceError as exc:
        raise CliError(str(exc)) from None
    if has_errors(findings):
        sys.stderr.write(format_findings(findings))
        raise CliError("the job does not fit (listed above); nothing was uploaded", exit_code=1)
    if findings and not args.json:
        sys.stderr.write(format_findings(findings))


def _settings(args: argparse.Namespace, scene: SceneInfo) -> SubmitSettings:
    """The Env tab's saved choices (image, VM size, nodes, licences, variables), then the flags."""
    from datetime import timedelta

    from azure_batch_maya.controllers.env import EnvController
    from azure_batch_maya.render.autoscale import AutoscaleError
    from azure_batch_maya.render.settings import PoolChoice, SettingsError, SubmitSettings

    env = EnvController()
    env.load()
    if env.problem:
        raise CliError(env.problem)
    try:
        options = env.settings.submit_fields()
        flags = {"vm_size": args.vm_size, "dedicated_nodes": args.nodes, "spot_nodes": args.spot}
        options.update({name: value for name, value in flags.items() if value is not None})
        if args.max_retries is not None:
            options["max_task_retries"] = args.max_retries
        if args.time_limit is not None:
            options["job_time_limit"] = timedelta(hours=args.time_limit)
        if args.local and args.stand_in:
            options["node_python"] = sys.executable  # the local pool's nodes are this machine
        options.update(_autoscale_options(args, options))
        return SubmitSettings(
            frames=args.frames,
            chunk_size=args.chunk,
            layers=tuple(args.layer),
            split_layers=args.per_layer,
            split_cameras=args.per_camera,
            pool=PoolChoice.parse(args.pool),
            node_os=args.node_os,
            stand_in=args.stand_in,
            job_id=args.job_id,
            **options,
        )
    except (SettingsError, AutoscaleError) as exc:
        raise CliError(str(exc)) from None


def _autoscale_options(args: argparse.Namespace, options: dict[str, Any]) -> dict[str, Any]:
    """`--autoscale MAX`: our formula's plan, and node counts of MAX split by the Spot share
    (what the estimate prices: the most the pool grows to)."""
    from datetime import timedelta

    from azure_batch_maya.render.autoscale import DEFAULT_IDLE_MINUTES, plan_for

    if args.autoscale is None:
        if args.idle_minutes is not None or args.autoscale_interval is not None:
            raise CliError("--idle-minutes and --autoscale-interval go with --autoscale MAX")
        return {}
    plan, dedicated, spot = plan_for(
        args.autoscale,
        DEFAULT_IDLE_MINUTES if args.idle_minutes is None else args.idle_minutes,
        dedicated_nodes=int(options.get("dedicated_nodes", 1)),
        spot_nodes=int(options.get("spot_nodes", 0)),
    )
    out: dict[str, Any] = {"autoscale": plan, "dedicated_nodes": dedicated, "spot_nodes": spot}
    if args.autoscale_interval is not None:
        if not 0 < args.autoscale_interval <= 7 * 24 * 60:
            raise CliError("--autoscale-interval: use more than 0 minutes (Azure takes 5 to 10080)")
        out["autoscale_interval"] = timedelta(minutes=args.autoscale_interval)
    return out


def _check_plan(scene: SceneInfo, settings: SubmitSettings) -> None:
    """Layers, frames and task count as the job will see them, before anything is uploaded."""
    from azure_batch_maya.render.tasks import TaskPlanError, plan_tasks

    try:
        plan_tasks(scene, settings)
    except TaskPlanError as exc:
        raise CliError(str(exc)) from None


def _export(scene: SceneInfo, project: Any, settings: SubmitSettings, folder: Path) -> int:
    from datetime import datetime, timezone

    from azure_batch_maya.render.job import JobBuildError, JobInputs, build_job, export_job
    from azure_batch_maya.render.shipping import shipped_files

    store = "https://STORAGE_ACCOUNT.blob.core.windows.net/abm-store?SAS"
    inputs = JobInputs(
        store_url=store,
        manifest_url=store.replace("?", "/manifests/JOB.json?"),
        plan_url=store.replace("?", "/plans/JOB.json?"),
        code_urls={rel: store.replace("?", f"/code/{rel}?") for rel, _ in shipped_files()},
        outputs_url="https://STORAGE_ACCOUNT.blob.core.windows.net/abm-outputs?SAS",
    )
    try:
        job = build_job(scene, project, settings, inputs, now=datetime.now(timezone.utc))
    except JobBuildError as exc:
        raise CliError(str(exc)) from None
    written = export_job(job, folder)
    sys.stdout.write("".join(f"{path}\n" for path in written))
    return 0


def _submit(
    args: argparse.Namespace, scene: SceneInfo, project: Any, settings: SubmitSettings
) -> int:
    from azure_batch_maya.connection import NotConnectedError, connect
    from azure_batch_maya.render.job import JobBuildError
    from azure_batch_maya.services.errors import ServiceError
    from azure_batch_maya.submission import download_outputs, submit, wait_for_job

    say = _Reporter(quiet=args.json)
    try:
        conn = connect(local=args.local)
        say(f"Connected to {conn.where}.")
        if not conn.local:
            _say_estimate(say, scene, settings, conn.where)
        submitted = submit(conn, scene, project, settings, progress=say.bytes, on_note=say)
        say.done_bytes()
        up = submitted.upload
        say(
            f"Uploaded {up.uploaded_files} files ({_mb(up.uploaded_bytes)}); "
            f"{up.skipped_files} already in storage ({_mb(up.skipped_bytes)})."
        )
        say(f"Submitted job {submitted.job_id} with {len(submitted.job.tasks)} tasks.")
        result: dict[str, Any] = {
            "job_id": submitted.job_id,
            "tasks": len(submitted.job.tasks),
            "uploaded_files": up.uploaded_files,
            "uploaded_bytes": up.uploaded_bytes,
            "skipped_files": up.skipped_files,
            "estimated_cost": submitted.estimate.total if submitted.estimate else 0.0,
        }
        code = 0
        if args.wait or args.download:
            outcome = wait_for_job(
                conn,
                submitted.job_id,
                on_progress=say.counts,
                on_problem=say.problem,
            )
            result["succeeded"] = outcome.succeeded
            result["failed_tasks"] = [f.task_id for f in outcome.failed]
            for failed in outcome.failed:
                say(f"{failed.headline}; end of its stderr:")
                say(failed.stderr_tail.rstrip() or "(no stderr)")
            for prep in outcome.stuck:
                say(
                    f"The job's preparation (fetching its inputs) failed on node {prep.node_id} "
                    f"(exit code {prep.exit_code}) {prep.message}:"
                )
                say(prep.stderr_tail.rstrip() or "(no stderr)")
            if outcome.blocked:
                result["stuck"] = True
                result["problems"] = [p.to_json() for p in outcome.problems]
                for problem in outcome.problems:
                    say(f"Stuck: {problem.text}\n  What to do: {problem.remedy}")
                say(
                    f"No task can start until this is fixed; the job stays. Cancel it with "
                    f"`azure-batch-maya jobs cancel {submitted.job_id}`."
                )
            code = 0 if outcome.succeeded else STUCK_EXIT if outcome.blocked else 1
            if args.download:
                folder = Path(args.download)
                report = download_outputs(conn, submitted.job_id, folder)
                result["downloaded"] = len(report.downloaded)
                result["download_dir"] = str(folder.resolve())
                say(f"Downloaded {len(report.downloaded)} files to {folder.resolve()}.")
    except (NotConnectedError, ServiceError, JobBuildError) as exc:
        raise CliError(str(exc)) from None
    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
    return code


def _say_estimate(say: _Reporter, scene: SceneInfo, settings: SubmitSettings, where: str) -> None:
    """The job's price on Azure, with prices fetched now if the cached ones are old."""
    from azure_batch_maya.render.cost import PriceError
    from azure_batch_maya.render.prices import DEFAULT_REGION, refresh_if_stale, region_of
    from azure_batch_maya.submission import estimate

    problem = refresh_if_stale([settings.vm_size], region_of(where) or DEFAULT_REGION)
    if problem:
        say(f"Prices not refreshed: {problem}.")
    try:
        cost = estimate(scene, settings)
    except PriceError as exc:
        say(f"No cost estimate: {exc}")
        return
    most = " (the most the autoscale pool grows to)" if settings.autoscale else ""
    say(
        f"Estimated cost: about {cost.total:.2f} {cost.currency} for {cost.hours:.1f} h on "
        f"{settings.dedicated_nodes} dedicated and {settings.spot_nodes} Spot "
        f"{settings.vm_size} nodes{most} at 5 min a frame ({cost.prices_note()})."
    )


class _Reporter:
    """Progress for people, on stderr, so stdout keeps exactly one JSON object with --json."""

    def __init__(self, *, quiet: bool) -> None:
        self.quiet = quiet
        self._last = ""

    def __call__(self, line: str) -> None:
        if not self.quiet:
            sys.stderr.write(line + "\n")

    def bytes(self, done: int, total: int) -> None:
        line = f"Uploading {_mb(done)} of {_mb(total)}"
        if not self.quiet and line != self._last:
            self._last = line
            sys.stderr.write("\r" + line)

    def done_bytes(self) -> None:
        if self._last and not self.quiet:
            sys.stderr.write("\n")

    def problem(self, problem: Problem) -> None:
        """Why the job waits, said once; a definitive problem is said when the wait ends."""
        if not problem.definitive:
            self(f"Waiting: {problem.text}\n  What to do: {problem.remedy}")

    def counts(self, counts: TaskCounts) -> None:
        self(
            f"Job: {counts.completed}/{counts.total} done, {counts.running} running, "
            f"{counts.failed} failed"
        )


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"
