"""`azure-batch-maya scan SCENE`: what a Maya scene needs to render, read without Maya."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from azure_batch_maya.cli.assetopts import add_asset_options, format_findings, load_checked


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "scan",
        help="read a .ma scene and list its render settings and external files",
        description="Read a Maya ASCII scene without Maya: renderer, frames, layers, cameras, "
        "plug-ins and every external file it references.",
    )
    parser.add_argument("scene", help="the .ma scene file")
    add_asset_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from azure_batch_maya.assets.scanjson import scan_json

    checked = load_checked(args)
    data = scan_json(checked.scene, checked.resolutions, checked.findings)
    if args.json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False))
        sys.stdout.write("\n")
    else:
        sys.stdout.write(summary(data) + format_findings(checked.findings))
    return 0


def summary(data: dict[str, Any]) -> str:
    """The readable form of the `--json` object: what an artist checks before submitting."""
    frames = data["frames"]
    lines = [
        f"Scene:     {data['scene']}",
        f"Maya:      {data['maya_version'] or 'unknown'}   codeset {data['codeset'] or '?'}",
        f"Project:   {data['project_root'] or '(no workspace.mel found; use --project)'}",
        f"Renderer:  {data['renderer']}",
        f"Frames:    {frames['start']}-{frames['end']} step {frames['step']}"
        + ("" if data["animation"] else "   (animation off: Maya renders one frame)"),
        f"Output:    {data['image_prefix'] or '<Scene>'}"
        + (f"  [{data['image_format']}]" if data["image_format"] else ""),
        "Layers:    "
        + (
            ", ".join(
                layer["display_name"] + ("" if layer["renderable"] else " (off)")
                for layer in data["layers"]
            )
            or "(none in file)"
        ),
        f"Cameras:   {', '.join(data['cameras']) or '(no renderable camera)'}",
        "Plug-ins:  "
        + (", ".join(f"{p['name']} {p['version']}" for p in data["plugins"]) or "(none)"),
        f"Files:     {len(data['references'])} referenced",
    ]
    for ref in data["references"]:
        lines.append(f"  {ref['node']} ({ref['node_type']}.{ref['attribute']}): {ref['path']}")
        if ref.get("rule"):
            count = len(ref["files"])
            files = f"  [{count} files]" if count > 1 else ""
            lines.append(f"      found ({ref['rule']}): {ref['resolved'] or '(with Maya)'}{files}")
    for warning in data["warnings"]:
        lines.append(f"Warning: {warning}")
    return "\n".join(lines) + "\n"
