"""Scout frames on the local pool + Azurite with the stand-in: `submit --scout`, `jobs show`,
`jobs release`, and a failing scout that blocks the rest (real Batch task dependencies)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.cli import main
from azure_batch_maya.node.standin import SKIP_ENV
from azure_batch_maya.services import tasks
from tests.cli.localjobs import copy_examples, local, run_json, submit_stand_in, wait_until

pytestmark = pytest.mark.slow


def _states(job_id: str) -> dict[str, str]:
    listed = tasks.list_tasks(local().batch, job_id, select=["id", "state", "executionInfo"])
    return {t.id or "": str(getattr(t.state, "value", t.state)) for t in listed}


def _scouts_done(job_id: str, scouts: list[str]) -> bool:
    states = _states(job_id)
    return all(states.get(s) == "completed" for s in scouts)


def test_three_scouts_render_first_then_release_renders_the_other_nine(
    local_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = twelve_frames(copy_examples(tmp_path))
    code, data = _submit(capsys, example, "--scout", "3")
    assert code == 0, data
    job_id, scouts = data["job_id"], data["scouts"]
    assert scouts == ["frames-0001", "frames-0007", "frames-0012"]  # first, middle, last
    assert data["tasks"] == 12  # the gate is added only by the artist's go
    wait_until(lambda: _scouts_done(job_id, scouts), what="the scouts")

    states = _states(job_id)
    rest = [t for t in states if t not in scouts]
    assert len(rest) == 9 and all(states[t] == "active" for t in rest)  # waiting, not run

    code, shown = run_json(capsys, "jobs", "show", job_id, "--local")
    assert code == 0
    assert shown["status"] == "stuck"
    assert shown["scouts"]["awaiting_go"], shown["health"]
    assert shown["scouts"]["done"] == 3
    assert shown["scouts"]["warning"] is None  # the rest held on the gate not yet added
    measured = shown["scouts"]["minutes_per_frame"]
    assert measured is not None and measured > 0  # Batch's start/end times of the scouts
    rest_estimate = shown["rest_estimate"]
    assert rest_estimate["frames"] == 9 and rest_estimate["nodes"] >= 1
    assert rest_estimate["hours"] == pytest.approx(
        measured * -(-9 // rest_estimate["nodes"]) / 60, abs=1e-5
    )
    priced = rest_estimate["cost"]  # at the table's price for the pool's VM size
    assert priced["hours"] == pytest.approx(rest_estimate["hours"], abs=1e-4) and priced["currency"]

    assert main(["jobs", "show", job_id, "--local"]) == 0
    out = capsys.readouterr().out
    assert "Scout frames: 3/3 done; the rest waits for your go" in out
    assert " a frame (scout frames): the other 9 frames take about" in out
    assert "Waiting for your go: WaitingForRelease" in out

    assert main(["jobs", "release", job_id, "--local"]) == 0
    assert "the rest of its frames render now" in capsys.readouterr().out
    wait_until(lambda: set(_states(job_id).values()) == {"completed"}, what="the rest")
    assert len(_states(job_id)) == 13  # 3 scouts, the gate, 9 more frames
    code, again = run_json(capsys, "jobs", "show", job_id, "--local")
    assert again["status"] == "completed" and again["tasks"]["succeeded"] == 13


def test_a_failing_scout_blocks_the_rest_and_says_why(
    local_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from azure_batch_maya.controllers.env import EnvController

    EnvController().set_environment([(SKIP_ENV, "7")])  # the middle scout writes no image
    example = twelve_frames(copy_examples(tmp_path))
    code, data = _submit(capsys, example, "--scout", "3", "--scout-auto", "--max-retries", "0")
    assert code == 0, data
    job_id, scouts = data["job_id"], data["scouts"]
    assert data["tasks"] == 13  # with --scout-auto the gate comes with the job
    wait_until(lambda: _scouts_done(job_id, scouts), what="the scouts")

    code, shown = run_json(capsys, "jobs", "show", job_id, "--local")
    assert shown["status"] == "stuck" and shown["scouts"]["failed"] == ["frames-0007"]
    (problem,) = [p for p in shown["health"]["problems"] if p["code"] == "ScoutsFailed"]
    assert problem["message"].startswith("scouts failed: frame 7 (task frames-0007, exit code")
    assert problem["definitive"]
    states = _states(job_id)
    assert states["render-the-rest"] == "active"  # blocked by the failed scout, for ever
    assert sum(1 for s in states.values() if s == "active") == 10

    assert main(["jobs", "show", job_id, "--local"]) == 0
    assert "Stuck: ScoutsFailed: scouts failed: frame 7" in capsys.readouterr().out
    assert main(["jobs", "release", job_id, "--local"]) == 1
    assert "scout task frames-0007 failed" in capsys.readouterr().err


def test_scout_frames_can_be_named_and_a_bad_list_is_refused(
    local_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = twelve_frames(copy_examples(tmp_path))
    job_id = submit_stand_in(capsys, example, "--frames", "1-12", "--scout", "2,5")
    assert {"frames-0002", "frames-0005"} <= set(_states(job_id))
    assert main(["submit", *_scene(example), "--frames", "1-12", "--scout", "13,"]) == 2
    assert "scout frame 13 is not among the job's frames" in capsys.readouterr().err
    assert main(["submit", *_scene(example), "--scout", "three"]) == 2
    assert "give a count (3) or frames separated by commas" in capsys.readouterr().err


def twelve_frames(example: Path) -> Path:
    """The example with its tree cache and render range extended from 5 frames to 12."""
    cache = example / "shot010" / "cache"
    for frame in range(6, 13):
        (cache / f"tree.{frame:04d}.ass").write_bytes((cache / "tree.0001.ass").read_bytes())
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    text = scene.read_text("utf-8")
    assert '\tsetAttr ".ef" 5;' in text
    scene.write_text(text.replace('\tsetAttr ".ef" 5;', '\tsetAttr ".ef" 12;'), "utf-8")
    return example


def _scene(example: Path) -> list[str]:
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    return [str(scene), "--search-path", str(example / "texture_library"), "--local", "--stand-in"]


def _submit(
    capsys: pytest.CaptureFixture[str], example: Path, *extra: str
) -> tuple[int, dict[str, Any]]:
    return run_json(capsys, "submit", *_scene(example), "--frames", "1-12", *extra)


def test_the_studio_files_scout_default_applies_unless_turned_off(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from azure_batch_maya.settings.studio import STUDIO_ENV

    studio = tmp_path / "studio.toml"
    studio.write_text("[defaults]\nscout_frames = 2\n", "utf-8")
    monkeypatch.setenv(STUDIO_ENV, str(studio))
    example = copy_examples(tmp_path)
    args = ["submit", *_scene(example)[:3], "--stand-in"]

    def exported(name: str, *extra: str) -> dict[str, Any]:
        folder = tmp_path / name
        assert main([*args, "--export", str(folder), *extra]) == 0
        tasks = json.loads((folder / "tasks.json").read_text())
        return {t["id"]: t for t in tasks}

    scouted = exported("studio")
    assert "dependsOn" not in scouted["frames-0001"] and "dependsOn" not in scouted["frames-0005"]
    assert scouted["frames-0003"]["dependsOn"] == {"taskIds": ["render-the-rest"]}
    assert "render-the-rest" not in scouted  # the artist's go adds it
    auto = exported("auto", "--scout-auto")
    assert auto["render-the-rest"]["dependsOn"] == {"taskIds": ["frames-0001", "frames-0005"]}
    plain = exported("off", "--no-scout")
    assert all("dependsOn" not in t for t in plain.values())

    studio.write_text("[locked]\nscout_frames = 1\n", "utf-8")
    assert main([*args, "--export", str(tmp_path / "locked"), "--scout", "3"]) == 2
    assert "scout frames are locked to 1 by the studio file" in capsys.readouterr().err


def test_submit_wait_stops_once_the_scouts_wait_for_the_go_and_brings_them_home(
    local_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    example = twelve_frames(copy_examples(tmp_path))
    out = tmp_path / "out"
    code = main(["submit", *_scene(example), "--scout", "3", "--wait", "--download", str(out)])
    assert code == 3  # the job waits for a person
    err = capsys.readouterr().err
    assert "Waiting for your go: WaitingForRelease" in err and "No task can start" not in err
    images = sorted(p.name for p in (out / "images").rglob("*.png"))
    assert images == [f"shot010_lighting.{f:04d}.png" for f in (1, 7, 12)]
