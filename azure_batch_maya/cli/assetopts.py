"""Options shared by `scan`, `validate`, `assets` and `submit`: project, search paths, frames.

`load_checked` reads the scene, resolves its files and validates it, the one sequence all four
commands run; the imports happen inside it so `--help` stays fast.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from azure_batch_maya.cli import CliError

if TYPE_CHECKING:
    from azure_batch_maya.assets.choices import AssetChoices
    from azure_batch_maya.assets.project import AssetProject
    from azure_batch_maya.assets.resolve import Resolution
    from azure_batch_maya.render.validation import Finding
    from azure_batch_maya.scene.model import SceneInfo


def add_asset_options(parser: argparse.ArgumentParser, *, project: bool = True) -> None:
    from azure_batch_maya.cli.arguments import existing_folder

    if project:
        parser.add_argument(
            "--project",
            metavar="DIR",
            type=existing_folder,
            help="Maya project folder (default: found)",
        )
    parser.add_argument(
        "--search-path",
        metavar="DIR",
        type=existing_folder,
        action="append",
        default=[],
        help="folder to search, with its subfolders, for files not found (repeatable, in order)",
    )
    parser.add_argument(
        "--frames", metavar="LIST", help="frames to render, e.g. 1-10x2 or 1-3,7 (default: scene)"
    )


@dataclass(frozen=True)
class Checked:
    scene: SceneInfo
    choices: AssetChoices
    resolutions: tuple[Resolution, ...]
    findings: tuple[Finding, ...]


def load_checked(args: argparse.Namespace, *, saved: bool = False) -> Checked:
    """Read, resolve, validate. With `saved`, the scene's saved choices add their search paths."""
    from azure_batch_maya.assets.choices import AssetChoices
    from azure_batch_maya.assets.frames import FrameSpecError, from_range, parse_frames
    from azure_batch_maya.assets.resolve import resolve_scene
    from azure_batch_maya.render.validation import validate
    from azure_batch_maya.scene.errors import SceneError
    from azure_batch_maya.scene.ma_reader import read_ma
    from azure_batch_maya.settings.assetchoices import load_choices

    try:
        scene = read_ma(args.scene, project=args.project)
    except SceneError as exc:
        raise CliError(str(exc)) from None
    try:
        frames = parse_frames(args.frames) if args.frames else None
    except FrameSpecError as exc:
        raise CliError(str(exc)) from None
    choices = load_choices(args.scene) if saved else AssetChoices()
    search = list(dict.fromkeys([*choices.search_paths, *args.search_path]))
    merged = AssetChoices(tuple(search), choices.added, choices.deselected, choices.project_name)
    try:
        rendered = (frames or from_range(scene.frames)).int_frames()
    except FrameSpecError:
        rendered = frozenset()  # the scene's own range is too long: validation says so
    resolutions = resolve_scene(
        scene, search_paths=search, frames=rendered, read_scene=_read_referenced
    )
    findings = validate(scene, resolutions, frames=frames, choices=merged)
    return Checked(scene, merged, resolutions, findings)


def hashed_project(
    scene: SceneInfo, resolutions: tuple[Resolution, ...], choices: AssetChoices
) -> AssetProject:
    """The asset project with every file hashed (`assets/projectcache.py`, as the panel); a
    file that is not a regular file, or vanished since the scan, is a one-line error."""
    from azure_batch_maya.assets.hashcache import NotAFileError
    from azure_batch_maya.assets.projectcache import cached_project

    try:
        return cached_project(scene, resolutions, choices)
    except NotAFileError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot read {exc.filename or 'a file'}: {exc.strerror or exc}") from None


def _read_referenced(path: str) -> SceneInfo:
    from azure_batch_maya.scene.ma_reader import read_ma

    return read_ma(path)


def format_findings(findings: Any) -> str:
    """One line a finding, `error:`/`warning:`/`notice:` first, as compilers print."""
    return "".join(f"{f.level}: [{f.code}] {f.message}\n" for f in findings)
