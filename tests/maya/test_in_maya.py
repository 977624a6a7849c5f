"""Inside real Maya: `mayapy -m pytest tests/maya` (skipped wherever Maya is absent).

In `maya.standalone` it builds a small project (a texture, a referenced scene, render settings,
a renderable camera), saves it as .ma, and checks that the live reader and the offline reader
describe it the same way; then it builds and exports a job from the live description, and
loads and unloads the plug-in. Nothing here talks to Azure or the local pool.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

standalone = pytest.importorskip("maya.standalone", reason="needs Maya's mayapy")

from azure_batch_maya.node.png import encode_rgb  # noqa: E402
from azure_batch_maya.scene.ma_reader import read_ma  # noqa: E402
from azure_batch_maya.scene.model import SceneInfo  # noqa: E402

PLUGIN = Path(__file__).resolve().parents[2] / "plug-in" / "AzureBatch.py"


@pytest.fixture(scope="module")
def maya_session() -> Iterator[None]:
    standalone.initialize(name="python")
    yield
    standalone.uninitialize()


@pytest.fixture(scope="module")
def saved_scene(maya_session: None, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a texture, a referenced prop and render settings, saved as .ma."""
    from maya import cmds

    project = tmp_path_factory.mktemp("shot020")
    for folder in ("scenes", "sourceimages", "images"):
        (project / folder).mkdir()
    (project / "workspace.mel").write_text(
        'workspace -fr "scene" "scenes";\n'
        'workspace -fr "sourceImages" "sourceimages";\n'
        'workspace -fr "images" "images";\n',
        encoding="utf-8",
    )
    texture = project / "sourceimages" / "wood.png"
    texture.write_bytes(encode_rgb(2, 2, [b"\x80\x50\x20" * 2] * 2, {}))
    cmds.workspace(str(project), openWorkspace=True)

    prop = project / "scenes" / "lamp.ma"
    cmds.file(new=True, force=True)
    cmds.polyCube(name="lamp")
    cmds.file(rename=str(prop))
    cmds.file(save=True, type="mayaAscii")

    cmds.file(new=True, force=True)
    wood = cmds.shadingNode("file", asTexture=True, name="wood")
    cmds.setAttr(f"{wood}.fileTextureName", str(texture), type="string")
    # types-maya's `file` lacks the -reference and -namespace flags of the create form.
    reference: dict[str, Any] = {"reference": True, "namespace": "lamp"}
    cmds.file(str(prop), **reference)
    g = "defaultRenderGlobals"
    cmds.setAttr(f"{g}.currentRenderer", "mayaSoftware", type="string")
    cmds.setAttr(f"{g}.animation", True)
    cmds.setAttr(f"{g}.startFrame", 1)
    cmds.setAttr(f"{g}.endFrame", 10)
    cmds.setAttr(f"{g}.byFrameStep", 2)
    cmds.setAttr(f"{g}.imageFilePrefix", "<Scene>/<RenderLayer>/<Scene>", type="string")
    _transform, shape = cmds.camera(name="shotCam")
    cmds.setAttr(f"{shape}.renderable", True)
    cmds.setAttr("perspShape.renderable", False)
    scene = project / "scenes" / "shot020_lighting.ma"
    cmds.file(rename=str(scene))
    cmds.file(save=True, type="mayaAscii")
    return scene


@pytest.fixture(scope="module")
def live(saved_scene: Path) -> SceneInfo:
    from azure_batch_maya.scene.live_reader import read_live

    return read_live()


def test_the_live_reader_agrees_with_the_offline_reader(live: SceneInfo, saved_scene: Path):
    offline = read_ma(saved_scene)
    assert Path(live.scene).resolve() == saved_scene.resolve()
    assert live.project_root == offline.project_root
    assert live.renderer == offline.renderer == "mayaSoftware"
    assert live.frames == offline.frames
    assert (live.frames.start, live.frames.end, live.frames.step) == (1, 10, 2)
    assert live.animation == offline.animation
    assert live.image_prefix == offline.image_prefix == "<Scene>/<RenderLayer>/<Scene>"
    assert [c.transform for c in live.renderable_cameras] == ["shotCam"]
    assert [c.transform for c in offline.renderable_cameras] == ["shotCam"]
    assert [layer.name for layer in live.renderable_layers] == [
        layer.name for layer in offline.renderable_layers
    ]
    assert _refs(live) == _refs(offline)
    assert ("file", "wood") in {(kind, node) for kind, node, _ in _refs(live)}
    assert any(kind == "reference" for kind, _, _ in _refs(live))


def test_a_job_is_exported_from_the_live_scene(live: SceneInfo, tmp_path: Path):
    import json

    from azure_batch_maya.assets.choices import AssetChoices
    from azure_batch_maya.assets.hashcache import HashCache
    from azure_batch_maya.assets.project import build_project
    from azure_batch_maya.assets.resolve import resolve_scene
    from azure_batch_maya.render.job import JobInputs, build_job, export_job
    from azure_batch_maya.render.settings import SubmitSettings
    from azure_batch_maya.render.shipping import shipped_files

    resolutions = resolve_scene(live, read_scene=lambda path: read_ma(path))
    assert all(r.found for r in resolutions), [r.message for r in resolutions if not r.found]
    project = build_project(live, resolutions, AssetChoices(), HashCache.load(tmp_path).digest)
    assert {Path(f.local).name for f in project.files} >= {
        "shot020_lighting.ma",
        "lamp.ma",
        "wood.png",
        "workspace.mel",
    }
    store = "https://account.blob.core.windows.net/abm-store?sas"
    inputs = JobInputs(
        store_url=store,
        manifest_url=store.replace("?", "/manifests/job.json?"),
        plan_url=store.replace("?", "/plans/job.json?"),
        code_urls={rel: store.replace("?", f"/code/{rel}?") for rel, _ in shipped_files()},
        outputs_url="https://account.blob.core.windows.net/abm-outputs?sas",
    )
    job = build_job(live, project, SubmitSettings(), inputs, now=datetime.now(timezone.utc))
    written = export_job(job, tmp_path / "export")
    tasks = json.loads((tmp_path / "export" / "tasks.json").read_text())
    assert len(tasks) == 5  # frames 1, 3, 5, 7, 9
    assert {p.name for p in written} >= {"job.json", "tasks.json", "plan.json"}


def test_the_plugin_loads_and_unloads_in_batch_mode(maya_session: None) -> None:
    from maya import cmds

    saved = {n: m for n, m in sys.modules.items() if n.startswith("azure_batch_maya")}
    try:
        cmds.loadPlugin(str(PLUGIN))
        assert cmds.pluginInfo("AzureBatch", query=True, loaded=True)
        assert not cmds.menu("AzureBatchMenu", exists=True)  # no menus in batch mode
        cmds.unloadPlugin("AzureBatch")
        assert not cmds.pluginInfo("AzureBatch", query=True, loaded=True)
    finally:  # unloading forgets our modules; this process keeps using its own
        sys.modules.update(saved)


def _refs(scene: SceneInfo) -> set[tuple[str, str, str]]:
    """(node type, node, path) of every file reference, whatever the attribute's spelling."""
    return {(r.node_type, r.node, r.path.replace("\\", "/")) for r in scene.references}
