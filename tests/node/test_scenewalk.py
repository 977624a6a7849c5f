"""The one walk over a scene's references on a node, with the example project's node."""

from __future__ import annotations

from pathlib import Path

from azure_batch_maya.node.nodemap import NodeMapping
from azure_batch_maya.node.plan import PLAN_FILE, load_plan
from azure_batch_maya.node.scenewalk import NodeRef, UnreadableScene, walk_references
from azure_batch_maya.render.settings import SubmitSettings
from tests.node.example import build_node, example, example_job


def node_scene(tmp_path: Path) -> tuple[Path, NodeMapping]:
    ex = example()
    job = example_job(SubmitSettings(stand_in=True))
    ship = build_node(tmp_path / "node", ex, job)
    assets = ship.parent / "assets"
    scene = next(assets.rglob("shot010_lighting.ma"))
    plan = load_plan(ship / PLAN_FILE)
    mapping = plan.pathmap.rooted(str(assets))
    return scene, mapping


def test_references_are_followed_only_where_asked(tmp_path: Path) -> None:
    scene, mapping = node_scene(tmp_path)
    every = list(walk_references(scene, mapping, follow=lambda _item: True))
    top_only = list(walk_references(scene, mapping, follow=lambda _item: False))
    plugs = {i.plug for i in every if isinstance(i, NodeRef)}
    assert "lamp_shade.ftn" in plugs  # inside the referenced lamp.ma
    assert "lamp_shade.ftn" not in {i.plug for i in top_only if isinstance(i, NodeRef)}
    wood = next(i for i in every if isinstance(i, NodeRef) and i.plug == "wood_albedo.ftn")
    assert Path(wood.value).is_file() and wood.value.startswith(str(tmp_path))


def test_an_absent_referenced_scene_is_reported_not_raised(tmp_path: Path) -> None:
    scene, mapping = node_scene(tmp_path)
    next(scene.parent.rglob("lamp.ma")).unlink()
    items = list(walk_references(scene, mapping, follow=lambda _item: True))
    unreadable = [i for i in items if isinstance(i, UnreadableScene)]
    assert len(unreadable) == 1 and unreadable[0].path.name == "lamp.ma"
