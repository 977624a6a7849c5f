"""The stand-in on a node built from the example project through the real path mapping.

It runs as a subprocess from the shipped copy of the code (`python -S <azbm>`: no site-packages,
so nothing but what the job ships can be imported), exactly as a task would start it.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from azure_batch_maya.node.png import read_text_chunks
from azure_batch_maya.node.standin import MISSING_EXIT
from azure_batch_maya.render.settings import SubmitSettings
from tests.node.example import build_node, example, example_job

FRAMES = [f"shot010_lighting/masterLayer/shot010_lighting.{i:04d}.png" for i in range(1, 6)]


@pytest.fixture
def node(tmp_path: Path):
    ex = example()
    job = example_job(SubmitSettings(stand_in=True, chunk_size=5, node_python=sys.executable))
    ship = build_node(tmp_path / "node é $x", ex, job)
    work = tmp_path / "node é $x" / "task" / "wd"
    work.mkdir(parents=True)
    return ship, work, job


def run_stand_in(ship: Path, work: Path, task: str = "frames-0001-0005"):
    argv = [sys.executable, "-S", "-E", str(ship), "render", task, "--stand-in"]
    return subprocess.run(argv, cwd=work, capture_output=True, text=True, encoding="utf-8")


def assets(ship: Path) -> Path:
    return ship.parent / "assets"


def test_all_files_present_gives_five_labelled_frames_where_maya_would_write(node):
    ship, work, _job = node
    result = run_stand_in(ship, work)
    assert result.returncode == 0, result.stderr
    assert "STAND-IN renderer" in result.stderr
    written = sorted(p.relative_to(work / "images").as_posix() for p in work.rglob("*.png"))
    assert written == FRAMES
    labels = read_text_chunks((work / "images" / FRAMES[2]).read_bytes())
    assert labels["Frame"] == "3" and labels["Camera"] == "shotCam"
    assert "stand-in" in labels["Software"]
    arnold = json.loads((work / "azbm_arnold_pathmap.json").read_text("utf-8"))
    assert all(v.startswith(str(assets(ship)) + "/") for v in arnold["linux"].values())


def test_the_generated_command_line_starts_it(node):
    ship, work, job = node
    env = {"AZ_BATCH_JOB_PREP_WORKING_DIR": str(ship.parent), "PATH": "/usr/bin:/bin"}
    argv = shlex.split(job.tasks[0].command_line)
    result = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert len(list(work.rglob("*.png"))) == 5


def test_a_deleted_texture_fails_the_task_naming_it(node):
    ship, work, _job = node
    concrete = next(assets(ship).rglob("concrete_diffuse.png"))
    concrete.unlink()
    result = run_stand_in(ship, work)
    assert result.returncode == MISSING_EXIT
    assert "concrete_diffuse.concrete_diffuse.ftn" not in result.stderr
    assert "concrete_diffuse.ftn" in result.stderr
    assert "D:/Library/Textures/concrete/concrete_diffuse.png" in result.stderr
    assert str(concrete).replace("\\", "/") in result.stderr
    assert "1 file(s)" in result.stderr
    assert not list(work.rglob("*.png"))


def test_every_absent_file_is_named_frames_tiles_and_nested_references(node):
    ship, work, _job = node
    root = assets(ship)
    next(root.rglob("tree.0003.ass")).unlink()
    for tile in root.rglob("skin_albedo.*.png"):
        tile.unlink()
    next(root.rglob("wood_albedo.png")).unlink()  # used by the scene and by the lamp reference
    result = run_stand_in(ship, work)
    assert result.returncode == MISSING_EXIT
    err = result.stderr
    assert "treeShape.dso" in err and "frames 3 are missing" in err
    assert "skin_albedo.ftn" in err and "no file fits the pattern" in err
    assert "wood_albedo.ftn" in err  # top scene, through its explicit remap
    assert "lamp_shade.ftn in lamp.ma" in err  # inside the reference, through dirmap
    assert "4 file(s)" in err


def test_a_missing_reference_is_named_and_not_followed(node):
    ship, work, _job = node
    next(assets(ship).rglob("lamp.ma")).unlink()
    result = run_stand_in(ship, work)
    assert result.returncode == MISSING_EXIT
    assert "lampRN.file" in result.stderr and "lamp_shade" not in result.stderr
