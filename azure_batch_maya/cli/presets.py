"""`azure-batch-maya presets check FILE | show`: a studio file checked before artists meet it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from azure_batch_maya.cli import CliError


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "presets",
        help="check or show the studio presets file (studio.toml)",
        description="Studio presets: defaults, locked values and limits every artist shares. "
        "`check FILE` lists each problem with its line number (exit 1 on any); `show` says "
        "which file is in use and what it sets.",
    )
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    check = verbs.add_parser("check", help="validate a studio file, with line numbers")
    check.add_argument("file", help="the studio TOML file")
    check.set_defaults(handler=run_check)
    show = verbs.add_parser("show", help="the studio file in use and its rules")
    show.set_defaults(handler=run_show)


def run_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from azure_batch_maya.settings.studio import PresetsError, check_text

    path = Path(args.file)
    if path.exists() and not path.is_file() and not path.is_dir():
        raise CliError(f"{path} is not a regular file (a pipe or a device); name the .toml file")
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise CliError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise CliError(f"{path} is a folder; name the studio .toml file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from None
    try:
        problems = check_text(text, str(path))
    except PresetsError as exc:
        raise CliError(str(exc)) from None
    if problems:
        sys.stdout.write("".join(p + "\n" for p in problems))
        return 1
    sys.stdout.write(f"{path}: no problems found\n")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from azure_batch_maya.settings.studio import STUDIO_ENV, PresetsError, load_studio

    try:
        presets = load_studio()
    except PresetsError as exc:
        raise CliError(str(exc)) from None
    if presets.path is None:
        sys.stdout.write(
            f"no studio file: set {STUDIO_ENV} or put studio.toml beside azure-batch-maya.mod\n"
        )
        return 0
    lines = [f"studio file: {presets.path}", f"reason shown on locked fields: {presets.reason}"]
    lines += [f"default  {k} = {v!r}" for k, v in presets.defaults.items()]
    lines += [f"locked   {k} = {v!r}" for k, v in presets.locked.items()]
    if presets.allowed_vm_sizes:
        lines.append(f"allowed VM sizes: {', '.join(presets.allowed_vm_sizes)}")
    if presets.max_nodes is not None:
        lines.append(f"max nodes per job: {presets.max_nodes}")
    if presets.cost_ceiling is not None:
        override = "allowed" if presets.allow_ceiling_override else "not allowed"
        lines.append(f"cost ceiling per job: {presets.cost_ceiling:.2f} (override {override})")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
