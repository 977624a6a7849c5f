"""The bundled example project as the job builder sees it, and a node built from it.

`example_job` reads `examples/shot010`, resolves it with the texture library as a search path,
and builds a job; `build_node` lays the asset project, the scene, the shipped code and the plan
out in a folder exactly as the job preparation task would on a node.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from azure_batch_maya.assets.choices import AssetChoices
from azure_batch_maya.assets.hashcache import FileDigest
from azure_batch_maya.assets.project import AssetProject, build_project, node_layout
from azure_batch_maya.assets.resolve import resolve_scene
from azure_batch_maya.node.plan import ASSETS_DIR, PLAN_FILE, SHIP_DIR
from azure_batch_maya.render.job import JobInputs, RenderJob, build_job
from azure_batch_maya.render.settings import SubmitSettings
from azure_batch_maya.render.shipping import shipped_files
from azure_batch_maya.scene.ma_reader import read_ma
from azure_batch_maya.scene.model import SceneInfo

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
SCENE = EXAMPLES / "shot010" / "scenes" / "shot010_lighting.ma"
NOW = datetime(2026, 11, 26, 21, 0, 0, tzinfo=timezone.utc)
SAS = "sv=2025-01-05&sig=abc%2Fdef"


def digest(path: str) -> FileDigest:
    data = Path(path).read_bytes()
    return FileDigest(len(data), hashlib.sha256(data).hexdigest())


def inputs() -> JobInputs:
    base = "https://acct.blob.core.windows.net"
    return JobInputs(
        store_url=f"{base}/azbm-store?{SAS}",
        manifest_url=f"{base}/azbm-jobs/s1/manifest.json?{SAS}",
        plan_url=f"{base}/azbm-jobs/s1/plan.json?{SAS}",
        code_urls={rel: f"{base}/azbm-code/0.1.0/{rel}?{SAS}" for rel, _ in shipped_files()},
        outputs_url=f"{base}/azbm-outputs?{SAS}",
    )


@dataclass(frozen=True)
class Example:
    scene: SceneInfo
    project: AssetProject


def example(root: Path = EXAMPLES) -> Example:
    """The example project under `root` (a copy, or the bundled one)."""
    scene = read_ma(root / "shot010" / "scenes" / "shot010_lighting.ma")
    search = [str(root / "texture_library")]
    resolutions = resolve_scene(scene, search_paths=search, frames=frozenset(range(1, 6)))
    project = build_project(scene, resolutions, AssetChoices(search_paths=tuple(search)), digest)
    return Example(scene, project)


def example_job(settings: SubmitSettings | None = None, root: Path = EXAMPLES) -> RenderJob:
    ex = example(root)
    return build_job(ex.scene, ex.project, settings or SubmitSettings(), inputs(), now=NOW)


def build_node(node: Path, ex: Example, job: RenderJob) -> Path:
    """Lay out a node's job preparation folder; returns the shipped folder (`<prep>/azbm`)."""
    prep = node / "jobpreparation" / "wd"
    assets = prep / ASSETS_DIR
    locals_ = [f.local for f in ex.project.files]  # the scene and workspace.mel among them
    for local in locals_:
        target = assets / node_layout(local)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(local, target)
    ship = ship_to(prep)
    (ship / PLAN_FILE).write_text(job.plan_text, "utf-8")
    return ship


def ship_to(folder: Path) -> Path:
    """Copy the shipped files below `folder/azbm`, as the job preparation task fetches them."""
    target = folder / SHIP_DIR
    for rel, local in shipped_files():
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(local.read_bytes())
    return target
