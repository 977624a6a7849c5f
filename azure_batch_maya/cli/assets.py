"""`azure-batch-maya assets SCENE`: the asset project, the files a render sends and their place."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from azure_batch_maya.cli.arguments import folder_to_fill
from azure_batch_maya.cli.assetopts import (
    add_asset_options,
    format_findings,
    hashed_project,
    load_checked,
)
from azure_batch_maya.cli.output import print_json

if TYPE_CHECKING:
    from azure_batch_maya.assets.project import AssetProject
    from azure_batch_maya.render.pathmap import NodeOS


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "assets",
        help="list the asset project: files, sizes and their paths on a render node",
        description="Resolve the scene's files and list the asset project: every file with "
        "its size, content hash and path on the node. Search paths, added and deselected "
        "files saved for the scene apply; --save keeps this run's options for next time.",
    )
    parser.add_argument("scene", help="the .ma scene file")
    add_asset_options(parser)
    parser.add_argument(
        "--add",
        metavar="PATH",
        action="append",
        default=[],
        help="a file or folder to send as well (repeatable)",
    )
    parser.add_argument(
        "--deselect",
        metavar="PATH",
        action="append",
        default=[],
        help="a file or folder not to send (repeatable)",
    )
    parser.add_argument("--name", help="asset project name (default: the Maya project's)")
    parser.add_argument("--save", action="store_true", help="save these choices for the scene")
    parser.add_argument(
        "--node-os",
        choices=("linux", "windows"),
        default="linux",
        help="show paths for render nodes of this OS (default: linux)",
    )
    parser.add_argument(
        "--node-root",
        metavar="DIR",
        help="asset root on the node (default: the node's shared folder/azbm)",
    )
    parser.add_argument(
        "--write-mapping",
        metavar="DIR",
        type=folder_to_fill,
        help="write the node's path mapping (dirmap MEL and Python, ARNOLD_PATHMAP, Redshift "
        "overrides) into DIR, for farms that do not run our render script",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from azure_batch_maya.assets.choices import AssetChoices
    from azure_batch_maya.render.pathmap import DEFAULT_NODE_ROOTS, build_pathmap, explicit_remaps
    from azure_batch_maya.settings.assetchoices import save_choices

    checked = load_checked(args, saved=True)
    base = checked.choices
    choices = AssetChoices(
        search_paths=base.search_paths,
        added=tuple(dict.fromkeys([*base.added, *args.add])),
        deselected=tuple(dict.fromkeys([*base.deselected, *args.deselect])),
        project_name=args.name or base.project_name,
    )
    project = hashed_project(checked.scene, checked.resolutions, choices)
    if args.save:
        save_choices(args.scene, choices)
    missing = [r for r in checked.resolutions if not r.found and r.ref.path.strip()]
    root = args.node_root or f"{DEFAULT_NODE_ROOTS[args.node_os]}/{project.name}"
    pathmap = build_pathmap(project, args.node_os, root)
    if args.write_mapping:
        _write_mapping(project, args.node_os, root, Path(args.write_mapping))
    if args.json:
        data = {
            "name": project.name,
            "project_root": project.project_root,
            "total_size": project.total_size,
            "files": [
                {"local": f.local, "node_path": f.node_path, "size": f.size,
                 "sha256": f.sha256, "added": f.added}
                for f in project.files
            ],
            "missing": [r.message for r in missing],
            "pathmap": pathmap.to_json(),
            "remaps": [
                {"plug": r.plug, "path": r.path, "why": r.why}
                for r in explicit_remaps(project, pathmap)
            ],
        }  # fmt: skip
        print_json(data, ascii_only=False)
        return 0
    out = [f"Asset project: {project.name}   ({len(project.files)} files, "
           f"{_size(project.total_size)})"]  # fmt: skip
    out.append(f"On a {args.node_os} node, below {pathmap.root}:")
    for f in project.files:
        out.append(f"  {_size(f.size):>9}  {f.node_path}")
    out.append("Folders the scene writes, and where they are on the node:")
    for d in pathmap.dirs:
        out.append(f"  {d.scene}  ->  {d.node}")
    for scene_path, node_path in pathmap.files:
        out.append(f"  {scene_path}  ->  {node_path}")
    if pathmap.project:
        out.append(f"Workspace on the node: {pathmap.project}")
    sys.stdout.write("\n".join(out) + "\n")
    errors = [f for f in checked.findings if f.code == "missing-asset"]
    if errors:
        sys.stdout.write(format_findings(errors))
    return 0


def _write_mapping(project: AssetProject, node_os: NodeOS, root: str, folder: Path) -> None:
    """The mapping files, and on stderr what to do with them (stdout may be JSON)."""
    from azure_batch_maya.render.farmmapping import farm_mapping

    on_node = f"{root}/mapping"
    mapping = farm_mapping(project, node_os, root, on_node)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in mapping.files.items():
        (folder / name).write_text(text, encoding="utf-8")
    lines = [f"Path mapping written to {folder}; copy it to {on_node} on each node, then:"]
    lines += [f"  set {name}={value}" for name, value in mapping.env.items()]
    lines.append("  and run its before_open() before opening the scene, after_open() after")
    lines += [f"  (left out of the Redshift file: {path})" for path in mapping.skipped]
    sys.stderr.write("\n".join(lines) + "\n")


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"
