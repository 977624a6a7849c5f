"""`azure-batch-maya submit SCENE`: render a scene on a pool and, with --wait, bring it home."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from azure_batch_maya.cli import CliError
from azure_batch_maya.cli.arguments import (
    batch_id,
    count,
    folder_to_fill,
    hours,
    interval_minutes,
)
from azure_batch_maya.cli.assetopts import (
    add_asset_options,
    format_findings,
    hashed_project,
    load_checked,
)
from azure_batch_maya.cli.connecting import connection_if_any, one_line_errors, with_connection
from azure_batch_maya.cli.output import Messages, print_json, upload_progress
from azure_batch_maya.transfer.sizes import size_text

STUCK_EXIT = 3  # the job cannot start until someone acts (failed tasks exit 1)

if TYPE_CHECKING:
    from azure_batch_maya.app.connect import Connection
    from azure_batch_maya.app.jobchoices import JobChoices
    from azure_batch_maya.app.jobs.health import Problem
    from azure_batch_maya.render.scouts import ScoutPlan
    from azure_batch_maya.render.settings import SubmitSettings
    from azure_batch_maya.scene.model import SceneInfo
    from azure_batch_maya.services.tasks import TaskCounts
    from azure_batch_maya.settings.env import EnvSettings
    from azure_batch_maya.settings.studio import StudioPresets


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
    parser.add_argument(
        "--prefix",
        metavar="PREFIX",
        help="output prefix for this job only (e.g. beauty/<Scene>); the scene is not changed",
    )
    parser.add_argument("--chunk", type=count(1), default=1, metavar="N", help="frames per task")
    parser.add_argument("--per-layer", action="store_true", help="one task per render layer")
    parser.add_argument("--per-camera", action="store_true", help="one task per camera")
    parser.add_argument(
        "--max-retries", type=count(-1, 100), metavar="N", help="retries of a failed task"
    )
    parser.add_argument("--time-limit", type=hours, metavar="HOURS", help="end the job after")
    parser.add_argument(
        "--priority",
        type=count(-1000, 1000),
        default=0,
        metavar="N",
        help="job priority, -1000 to 1000: a pool runs higher ones' tasks first (default 0)",
    )
    parser.add_argument(
        "--over-ceiling",
        action="store_true",
        help="submit even if the estimate is over the studio's cost ceiling (where the studio "
        "file allows it)",
    )
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
        type=interval_minutes,
        metavar="MINUTES",
        help="with --autoscale: minutes between evaluations (default 5, Azure's shortest)",
    )
    parser.add_argument(
        "--scout",
        metavar="N|FRAMES",
        help="render N frames first (first, middle, last for 3), or the frames named (1,50,100); "
        "the rest waits for `jobs release JOB` (default: the studio file's scout_frames)",
    )
    parser.add_argument(
        "--scout-auto",
        action="store_true",
        help="with --scout: the rest starts by itself once every scout frame succeeded",
    )
    parser.add_argument(
        "--no-scout", action="store_true", help="no scout frames, whatever the studio file says"
    )
    parser.add_argument("--vm-size", help="VM size of a new pool (default: the Env tab's)")
    parser.add_argument("--node-os", choices=("linux", "windows"), default="linux")
    nodes = parser.add_argument_group(
        "how the nodes get Maya (default: the Env tab's; see docs/azure.md)"
    )
    nodes.add_argument(
        "--image-route",
        choices=("install", "custom", "container"),
        help="install: a start task installs your uploaded installers on a marketplace image; "
        "custom: an image with Maya (Azure Compute Gallery, needs Entra ID); container: tasks "
        "run in a container image with Maya",
    )
    nodes.add_argument("--image", metavar="ID", help="gallery image version id (custom route)")
    nodes.add_argument("--node-agent", metavar="SKU", help="node agent SKU of the image")
    nodes.add_argument("--container-image", metavar="NAME", help="e.g. reg.azurecr.io/maya:2026")
    nodes.add_argument("--registry", metavar="SERVER", help="the container image's registry")
    nodes.add_argument(
        "--registry-identity",
        metavar="RESOURCE_ID",
        help="pull with this user-assigned managed identity (the pool must have it)",
    )
    nodes.add_argument(
        "--registry-user",
        metavar="USER",
        help="pull as this user; the password comes from the OS keyring (Env tab) or "
        "AZURE_BATCH_MAYA_REGISTRY_PASSWORD",
    )
    nodes.add_argument("--subnet", metavar="ID", help="subnet resource id (licence servers)")
    nodes.add_argument(
        "--public-ips",
        choices=("batchmanaged", "nopublicipaddresses"),
        help="whether nodes get public IPs (nopublicipaddresses needs --subnet)",
    )
    nodes.add_argument(
        "--licence",
        action="append",
        default=[],
        metavar="NAME=PORT@HOST",
        help="licence server: autodesk, arnold_rlm, vray or redshift (repeat for each)",
    )
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
    from azure_batch_maya.app.jobchoices import scene_for_job
    from azure_batch_maya.render.validation import has_errors

    checked = load_checked(args, saved=True)
    if has_errors(checked.findings):
        sys.stderr.write(format_findings(checked.findings))
        raise CliError("the scene has errors (listed above); nothing was uploaded", exit_code=1)
    if checked.findings and not args.json:  # warnings and notices: said, then sent anyway
        sys.stderr.write(format_findings(checked.findings))
    settings, choices, studio = _settings(args)
    scene = scene_for_job(checked.scene, choices)
    _check_plan(scene, settings)
    if args.export:
        if not args.local:  # the ceiling holds for an export too (cached prices, quietly)
            _check_price(scene, settings, studio, args.over_ceiling, Messages(quiet=True))
        project = hashed_project(checked.scene, checked.resolutions, checked.choices)
        return _export(scene, project, settings, Path(args.export))
    _check_quotas(args, settings)
    project = hashed_project(checked.scene, checked.resolutions, checked.choices)
    return _submit(args, scene, project, settings, studio)


def _check_quotas(args: argparse.Namespace, settings: SubmitSettings) -> None:
    """The new pool's cores against the account's quotas (the local pool's slots), before any
    upload: over them is an error naming both numbers; unreadable quotas, a notice."""
    from azure_batch_maya.app.quota import check_quotas
    from azure_batch_maya.render.validation import has_errors

    conn = connection_if_any(args)
    if conn is None:  # a local pool not up yet starts empty; no accounts: submitting says so
        return
    with one_line_errors():
        findings = check_quotas(conn, settings)
    if has_errors(findings):
        sys.stderr.write(format_findings(findings))
        raise CliError("the job does not fit (listed above); nothing was uploaded", exit_code=1)
    if findings and not args.json:
        sys.stderr.write(format_findings(findings))


def _settings(args: argparse.Namespace) -> tuple[SubmitSettings, JobChoices, StudioPresets]:
    """The job as the panel would build it: the Env tab's saved choices with the studio file's
    rules in (a flag against a locked value is refused), then these flags."""
    from dataclasses import replace

    from azure_batch_maya.app.jobchoices import JobChoices, build_settings, check_limits
    from azure_batch_maya.render.autoscale import DEFAULT_IDLE_MINUTES
    from azure_batch_maya.render.settings import PoolChoice, SettingsError, SubmitSettings
    from azure_batch_maya.settings.enforcement import refuse_locked, studio_env
    from azure_batch_maya.settings.env import load_env
    from azure_batch_maya.settings.studio import PresetsError, load_studio

    try:
        studio = load_studio()
    except PresetsError as exc:
        raise CliError(str(exc)) from None
    saved = load_env()
    if saved.problem:
        raise CliError(saved.problem)
    try:
        effective = studio_env(saved.settings, studio, saved.chosen)
    except PresetsError as exc:
        raise CliError(str(exc)) from None
    flags = {"vm_size": args.vm_size, "dedicated_nodes": args.nodes, "spot_nodes": args.spot}
    try:
        given = replace(
            _env_with_flags(args, effective),
            **{name: value for name, value in flags.items() if value is not None},
        )
        refuse_locked(studio, effective, given)
        _check_autoscale_flags(args)
        choices = JobChoices(
            frames=args.frames,
            prefix=args.prefix,
            layers=tuple(args.layer),
            chunk_size=args.chunk,
            split_layers=args.per_layer,
            split_cameras=args.per_camera,
            max_task_retries=2 if args.max_retries is None else args.max_retries,
            priority=args.priority,
            job_time_limit_hours=args.time_limit,
            pool=PoolChoice.parse(args.pool),
            node_os=args.node_os,
            job_id=args.job_id,
            spot_chosen=args.spot is not None or "spot_nodes" in saved.chosen,
            autoscale_max=args.autoscale or 0,
            idle_minutes=DEFAULT_IDLE_MINUTES if args.idle_minutes is None else args.idle_minutes,
            autoscale_interval_minutes=args.autoscale_interval,
            scout=scout_plan(args),
        )
        # the local pool's nodes are this machine: the stand-in runs on this Python
        python = sys.executable if args.local and args.stand_in else None
        base = SubmitSettings(stand_in=args.stand_in, node_python=python)
        settings = build_settings(choices, given, studio, base=base)
        check_limits(settings, studio)
    except (SettingsError, PresetsError) as exc:
        raise CliError(str(exc)) from None
    return settings, choices, studio


def _check_price(
    scene: SceneInfo,
    settings: SubmitSettings,
    studio: StudioPresets,
    over_ceiling: bool,
    say: Messages,
    *,
    where: str | None = None,
) -> None:
    """Say the job's price on Azure (prices fetched first if the cached ones are old and we
    are connected `where`); refuse a job over the studio's ceiling with both numbers (exit 1)."""
    from azure_batch_maya.app.submit import estimate
    from azure_batch_maya.render.cost import PriceError
    from azure_batch_maya.render.prices import DEFAULT_REGION, refresh_if_stale, region_of

    if where is not None:
        problem = refresh_if_stale([settings.vm_size], region_of(where) or DEFAULT_REGION)
        if problem:
            say(f"Prices not refreshed: {problem}.")
    try:
        cost = estimate(scene, settings)
    except PriceError as exc:
        if studio.cost_ceiling is not None and not (over_ceiling and studio.allow_ceiling_override):
            raise CliError(
                f"no cost estimate ({exc}), so the studio's ceiling of {studio.cost_ceiling:.2f} "
                f"per job ({studio.path}) cannot be checked; add the VM size to the price table",
                exit_code=1,
            ) from None
        say(f"No cost estimate: {exc}")
        return
    most = " (the most the autoscale pool grows to)" if settings.autoscale else ""
    say(
        f"Estimated cost: about {cost.total:.2f} {cost.currency} for {cost.hours:.1f} h on "
        f"{settings.dedicated_nodes} dedicated and {settings.spot_nodes} Spot "
        f"{settings.vm_size} nodes{most} at 5 min a frame ({cost.prices_note()})."
    )
    refused = studio.over_ceiling(cost.total, cost.currency, override=over_ceiling)
    if refused:
        raise CliError(f"not submitted: {refused}", exit_code=1)
    if over_ceiling and studio.cost_ceiling is not None and cost.total > studio.cost_ceiling:
        sys.stderr.write(  # said even with --json: a ceiling was passed on purpose
            f"Estimated at {cost.total:.2f} {cost.currency}, over the studio's ceiling of "
            f"{studio.cost_ceiling:.2f}: going ahead (--over-ceiling).\n"
        )


def _check_autoscale_flags(args: argparse.Namespace) -> None:
    """`--idle-minutes` and `--autoscale-interval` only with `--autoscale MAX`."""
    given = args.idle_minutes is not None or args.autoscale_interval is not None
    if args.autoscale is None and given:
        raise CliError("--idle-minutes and --autoscale-interval go with --autoscale MAX")


def _env_with_flags(args: argparse.Namespace, env: EnvSettings) -> EnvSettings:
    """The Env tab's saved choices with the route, network and licence flags applied."""
    from dataclasses import replace

    from azure_batch_maya.render.settings import SettingsError

    changes: dict[str, Any] = {}
    route = args.image_route
    if route is None and (args.image or args.container_image):
        route = "custom" if args.image else "container"
    if route is not None:
        changes["image_kind"] = route
    if args.image:
        changes["custom_image_id"] = args.image
    if args.container_image:
        changes["container_image"] = args.container_image
    if args.node_agent:
        agent = {"install": "node_agent_sku", "custom": "custom_node_agent"}
        changes[agent.get(route or env.image_kind, "container_node_agent")] = args.node_agent
    if args.registry:
        changes["registry_server"] = args.registry
    if args.registry_identity:
        changes.update(registry_auth="identity", registry_identity=args.registry_identity)
    if args.registry_user:
        changes.update(registry_auth="password", registry_username=args.registry_user)
    if args.subnet:
        changes["subnet_id"] = args.subnet
    if args.public_ips:
        changes["public_ips"] = args.public_ips
    licences = {}
    for entry in args.licence:
        name, _, server = entry.partition("=")
        if name not in ("autodesk", "arnold_rlm", "vray", "redshift") or not server:
            raise SettingsError(
                f"--licence {entry!r}: write NAME=PORT@HOST with NAME one of autodesk, "
                "arnold_rlm, vray, redshift (e.g. --licence autodesk=27000@lic.example.com)"
            )
        licences[name] = server
    if licences:
        changes["licences"] = replace(env.licences, **licences)
    return replace(env, **changes)


def scout_plan(args: argparse.Namespace) -> ScoutPlan | None:
    """`--scout`, else the studio file's `scout_frames` (0: none); `--no-scout` wins."""
    from azure_batch_maya.render.scouts import ScoutError, ScoutPlan
    from azure_batch_maya.settings.studio import PresetsError, load_studio

    if args.no_scout and (args.scout or args.scout_auto):
        raise CliError("--no-scout goes without --scout and --scout-auto")
    try:
        studio = load_studio()
    except PresetsError as exc:
        raise CliError(str(exc)) from None
    if studio.is_locked("scout_frames"):
        locked = int(studio.locked["scout_frames"])
        if args.no_scout or (args.scout is not None and args.scout != str(locked)):
            raise CliError(
                f"scout frames are locked to {locked} by the studio file {studio.path} "
                f"({studio.reason}); leave out --scout and --no-scout"
            )
        return ScoutPlan.parse(str(locked), auto=args.scout_auto) if locked else None
    if args.no_scout:
        return None
    text = args.scout
    if text is None:
        count = int(studio.effective("scout_frames") or 0)
        if count == 0:
            if args.scout_auto:
                raise CliError("--scout-auto goes with --scout N (or a studio scout_frames)")
            return None
        text = str(count)
    try:
        return ScoutPlan.parse(text, auto=args.scout_auto)
    except ScoutError as exc:
        raise CliError(str(exc)) from None


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
    args: argparse.Namespace,
    scene: SceneInfo,
    project: Any,
    settings: SubmitSettings,
    studio: StudioPresets,
) -> int:
    from azure_batch_maya.app.submit import download_outputs, submit, wait_for_job
    from azure_batch_maya.render.job import JobBuildError
    from azure_batch_maya.render.settings import SettingsError
    from azure_batch_maya.services.sas import SasLifetimeError

    say = _JobMessages(quiet=args.json)
    pool_id = settings.pool.pool_id
    if pool_id and not settings.stand_in:
        from azure_batch_maya.app.pools.check import check_notice
        from azure_batch_maya.settings.preferences import was_checked

        if not was_checked(pool_id):
            say(check_notice(pool_id, local=args.local))
    bar = upload_progress(quiet=args.json)

    def send(conn: Connection) -> tuple[dict[str, Any], int]:
        say(f"Connected to {conn.where}.")
        if not conn.local:
            _check_price(scene, settings, studio, args.over_ceiling, say, where=conn.where)
        submitted = submit(conn, scene, project, settings, progress=bar, on_note=say)
        bar.finish()
        up = submitted.upload
        say(
            f"Uploaded {up.uploaded_files} files ({size_text(up.uploaded_bytes)}); "
            f"{up.skipped_files} already in storage ({size_text(up.skipped_bytes)})."
        )
        say(f"Submitted job {submitted.job_id} with {len(submitted.job.tasks)} tasks.")
        _say_scouts(say, submitted.job.render_tasks, settings, submitted.job_id)
        result: dict[str, Any] = {
            "job_id": submitted.job_id,
            "tasks": len(submitted.job.tasks),
            "uploaded_files": up.uploaded_files,
            "uploaded_bytes": up.uploaded_bytes,
            "skipped_files": up.skipped_files,
            "estimated_cost": submitted.estimate.total if submitted.estimate else 0.0,
            "scouts": [t.id for t in submitted.job.render_tasks if t.scout],
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
                go = any(p.code == "WaitingForRelease" for p in outcome.problems)
                for problem in outcome.problems:
                    label = "Waiting for your go" if go else "Stuck"
                    say(f"{label}: {problem.text}\n  What to do: {problem.remedy}")
                for node in outcome.start_task_failures:
                    say(
                        f"The start task failed on node {node.node_id} of pool {node.pool_id} "
                        f"(exit code {node.exit_code}); end of its stderr:"
                    )
                    say(node.stderr_tail.rstrip() or "(no stderr)")
                result["start_task_failures"] = [n.to_json() for n in outcome.start_task_failures]
                if not go:
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
        return result, code

    errors = (JobBuildError, SasLifetimeError, SettingsError)
    try:
        result, code = with_connection(args, send, errors=errors, starts_work=True)
    finally:
        bar.finish()
    if args.json:
        print_json(result)
    return code


def _say_scouts(say: Messages, planned: Any, settings: SubmitSettings, job_id: str) -> None:
    from azure_batch_maya.render.tasks import frame_label

    scouts = [t for t in planned if t.scout]
    if not scouts or settings.scout is None or len(scouts) == len(planned):
        return
    frames = ", ".join(frame_label(t.frames) for t in scouts)
    then = (
        "the rest starts by itself once they succeed"
        if settings.scout.auto
        else f"the rest waits for your go: `azure-batch-maya jobs release {job_id}`"
    )
    say(f"Scout frames {frames} render first; {then}.")


class _JobMessages(Messages):
    """How the job goes, said as it goes (on stderr; nothing with --json)."""

    def problem(self, problem: Problem) -> None:
        """Why the job waits, said once; a definitive problem is said when the wait ends."""
        if not problem.definitive:
            self(f"Waiting: {problem.text}\n  What to do: {problem.remedy}")

    def counts(self, counts: TaskCounts) -> None:
        self(
            f"Job: {counts.completed}/{counts.total} done, {counts.running} running, "
            f"{counts.failed} failed"
        )
