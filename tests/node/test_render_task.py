"""The render script: whatever the renderer says, a task fails when an expected image is missing.

Renderers here are fakes: a render command that writes only some frames, and a fake `maya`
package that mayapy (this Python) imports, so the real `maya-session` path runs end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from azure_batch_maya.node.render_task import MISSING_IMAGES_EXIT, SETUP_EXIT, missing_images
from azure_batch_maya.render.settings import SubmitSettings
from tests.node.example import build_node, example, example_job

WRITE_SOME = """
import sys, pathlib
images, frames, skip, code = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
stem = sys.argv[5] if len(sys.argv) > 5 else "shot010_lighting"
for f in frames.split(","):
    if f in skip.split(","):
        continue
    name = f"{stem}.{int(f):04d}.png"
    p = pathlib.Path(images, "shot010_lighting", "masterLayer", name)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"image")
sys.exit(code)
"""


def node_for(tmp_path: Path, settings: SubmitSettings):
    job = example_job(settings)
    ship = build_node(tmp_path / "node", example(), job)
    work = tmp_path / "node" / "task" / "wd"
    work.mkdir(parents=True)
    return ship, work


def run(ship: Path, work: Path, task: str, env: dict[str, str] | None = None):
    argv = [sys.executable, str(ship), "render", task]
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(argv, cwd=work, env=full_env, capture_output=True, text=True)


def command(skip: str, code: int, stem: str = "shot010_lighting") -> tuple[str, ...]:
    return (sys.executable, "-c", WRITE_SOME, "{images}", "{frames}", skip, str(code), stem)


def test_a_renderer_that_exits_0_but_skips_frames_fails_the_task(tmp_path: Path):
    ship, work = node_for(tmp_path, SubmitSettings(chunk_size=5, render_command=command("2,4", 0)))
    result = run(ship, work, "frames-0001-0005")
    assert result.returncode == MISSING_IMAGES_EXIT
    assert "2 of 5 expected images are missing or empty (the renderer exited 0)" in result.stderr
    assert "shot010_lighting.0002.png" in result.stderr
    assert "shot010_lighting.0004.png" in result.stderr
    assert "images this task wrote in" in result.stderr
    assert "shot010_lighting.0001.png" in result.stderr
    assert "found" not in result.stderr  # what was written had the predicted names


def test_a_naming_rule_guessed_wrong_reads_expected_x_found_y(tmp_path: Path):
    settings = SubmitSettings(chunk_size=2, render_command=command("", 0, stem="beauty_cam1"))
    ship, work = node_for(tmp_path, settings)
    result = run(ship, work, "frames-0001-0002")
    assert result.returncode == MISSING_IMAGES_EXIT
    expected = "shot010_lighting/masterLayer/shot010_lighting.0001.png"
    found = "shot010_lighting/masterLayer/beauty_cam1.0001.png"
    assert f"expected {expected}, found {found}" in result.stderr
    assert "named its images differently" in result.stderr


def test_images_left_by_an_earlier_attempt_are_not_taken_as_written(tmp_path: Path):
    ship, work = node_for(tmp_path, SubmitSettings(chunk_size=2, render_command=command("2", 0)))
    old = work / "images" / "shot010_lighting" / "masterLayer" / "old_name.0002.png"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"from an earlier attempt")
    result = run(ship, work, "frames-0001-0002")
    assert result.returncode == MISSING_IMAGES_EXIT
    assert "old_name" not in result.stderr.split("missing or empty")[1]


def test_all_frames_written_and_exit_0_passes(tmp_path: Path):
    ship, work = node_for(tmp_path, SubmitSettings(chunk_size=5, render_command=command("", 0)))
    result = run(ship, work, "frames-0001-0005")
    assert result.returncode == 0, result.stderr
    assert "all 5 images present" in result.stderr


def test_a_failing_renderer_keeps_its_exit_code_even_with_all_images(tmp_path: Path):
    ship, work = node_for(tmp_path, SubmitSettings(chunk_size=5, render_command=command("", 7)))
    assert run(ship, work, "frames-0001-0005").returncode == 7


def test_empty_images_count_as_missing(tmp_path: Path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.png").write_bytes(b"")
    (tmp_path / "a" / "y.png").write_bytes(b"1")
    assert missing_images(tmp_path, ("a/x.png", "a/y.png", "a/z.png")) == ["a/x.png", "a/z.png"]


def test_without_maya_and_without_stand_in_the_task_says_so(tmp_path: Path):
    ship, work = node_for(tmp_path, SubmitSettings())
    result = run(ship, work, "frames-0001", {"PATH": "/nonexistent", "MAYA_LOCATION": ""})
    assert result.returncode == SETUP_EXIT
    assert "Maya is not on this node" in result.stderr and "--stand-in" in result.stderr


def test_an_unknown_task_or_missing_plan_is_a_setup_failure(tmp_path: Path):
    ship, work = node_for(tmp_path, SubmitSettings())
    assert "not in the plan" in run(ship, work, "frames-0099").stderr
    (ship / "plan.json").unlink()
    result = run(ship, work, "frames-0001")
    assert result.returncode == SETUP_EXIT
    assert "job preparation task did not fetch it" in result.stderr


FAKE_CMDS = """
import json, os, pathlib
LOG = os.environ["FAKE_MAYA_LOG"]
_rules = {}

def _log(name, *args, **kwargs):
    with open(LOG, "a", encoding="utf-8") as f:
        record = [name, [str(a) for a in args], {k: str(v) for k, v in kwargs.items()}]
        f.write(json.dumps(record) + "\\n")

def workspace(*args, **kwargs):
    _log("workspace", *args, **kwargs)
    if "fileRule" in kwargs:
        _rules[kwargs["fileRule"][0]] = kwargs["fileRule"][1]

def arnoldRender(**kwargs):
    _log("arnoldRender", **kwargs)
    frame = int(kwargs["seq"])
    if frame == 2:
        return  # a renderer that "succeeds" without writing frame 2
    p = pathlib.Path(_rules["images"], "shot010_lighting", "masterLayer",
                     f"shot010_lighting.{frame:04d}.png")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(b"exr")

def __getattr__(name):
    return lambda *args, **kwargs: _log(name, *args, **kwargs)
"""


def fake_maya(folder: Path) -> Path:
    package = folder / "maya"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "standalone.py").write_text(
        "def initialize(name=None):\n    pass\n\ndef uninitialize():\n    pass\n"
    )
    (package / "cmds.py").write_text(FAKE_CMDS)
    return folder


def test_the_maya_session_maps_before_opening_and_the_check_catches_its_lies(tmp_path: Path):
    ship, work = node_for(tmp_path, SubmitSettings(chunk_size=5))
    log = tmp_path / "maya.log"
    env = {
        "AZBM_MAYAPY": sys.executable,
        "PYTHONPATH": str(fake_maya(tmp_path / "fake")),
        "FAKE_MAYA_LOG": str(log),
    }
    result = run(ship, work, "frames-0001-0005", env)
    assert result.returncode == MISSING_IMAGES_EXIT, result.stderr
    assert "1 of 5 expected images" in result.stderr and ".0002.png" in result.stderr
    calls = [json.loads(line) for line in log.read_text("utf-8").splitlines()]
    names = [c[0] for c in calls]
    opened = names.index("file")
    assert names.index("loadPlugin") < names.index("dirmap") < opened
    dirmaps = [c for c in calls if c[0] == "dirmap"]
    assert dirmaps[0][2] == {"enable": "True"}
    mapped = {c[2]["mapDirectory"] for c in dirmaps[1:]}
    assets = str(ship.parent / "assets")
    assert any("'C:/Projects/'" in m and assets in m for m in mapped)
    assert all(names.index(n) < opened for n in ("dirmap", "workspace"))
    set_after = [c for c in calls[opened:] if c[0] == "setAttr"]
    assert any(c[1][0] == "treeShape.dso" and c[1][1].startswith(assets) for c in set_after)
    assert [c[2]["seq"] for c in calls if c[0] == "arnoldRender"] == ["1", "2", "3", "4", "5"]
