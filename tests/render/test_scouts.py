"""Scout frames as pure functions: which frames, the job's dependencies on the wire, the
measured time a frame and the rest's estimate."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from azure_batch_maya.app.jobs.scouts import (
    ScoutRun,
    ScoutState,
    measured_minutes_per_frame,
    rest_hours,
)
from azure_batch_maya.render.cost import parse_prices
from azure_batch_maya.render.job import export_job, gate_from_metadata
from azure_batch_maya.render.scouts import (
    GATE_TASK_ID,
    META_REST_FRAMES,
    META_SCOUTS,
    ScoutError,
    ScoutPlan,
    spread,
)
from azure_batch_maya.render.settings import SubmitSettings
from tests.node.example import example_job

T0 = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
TWELVE = tuple(float(f) for f in range(1, 13))


def test_three_scouts_are_the_first_middle_and_last_frame():
    assert spread(TWELVE, 3) == (1.0, 7.0, 12.0)
    assert spread(TWELVE, 1) == (1.0,)
    assert spread(TWELVE, 2) == (1.0, 12.0)
    assert spread((1.0, 2.0), 5) == (1.0, 2.0)  # fewer frames than scouts: all of them
    assert ScoutPlan.parse("3").pick(TWELVE) == (1.0, 7.0, 12.0)


def test_named_scouts_and_what_is_refused():
    assert ScoutPlan.parse("12, 1,5").pick(TWELVE) == (1.0, 5.0, 12.0)
    assert ScoutPlan.parse("5,").frames == (5.0,)  # one frame is named with a comma
    with pytest.raises(ScoutError, match="scout frame 13 is not among the job's frames"):
        ScoutPlan.parse("13,").pick(TWELVE)
    for bad in ("three", "1-5", "0", "", "1;2"):
        with pytest.raises(ScoutError):
            ScoutPlan.parse(bad)
    with pytest.raises(ScoutError, match="at most 100"):
        ScoutPlan.parse("101")


def test_the_rest_depends_on_one_gate_and_the_gate_on_the_scouts(tmp_path: Path):
    settings = SubmitSettings(frames="1-5", chunk_size=2, scout=ScoutPlan(count=2))
    job = example_job(settings)
    scouts = [t.id for t in job.render_tasks if t.scout]
    assert scouts == ["frames-0001", "frames-0005"]
    rest = [t for t in job.tasks if t.id not in scouts]
    assert [t.id for t in rest] == ["frames-0002-0003", "frames-0004"]  # chunked as asked
    assert all(t.depends_on == (GATE_TASK_ID,) for t in rest)
    assert job.job.uses_task_dependencies
    assert GATE_TASK_ID not in {t.id for t in job.tasks}  # added only by `jobs release`
    gate = gate_from_metadata(job.job.metadata)
    assert gate is not None and gate.depends_on == tuple(scouts)
    assert job.job.metadata[META_SCOUTS] == "frames-0001,frames-0005"
    assert job.job.metadata[META_REST_FRAMES] == "3"

    export_job(job, tmp_path)
    wire = json.loads((tmp_path / "job.json").read_text())
    assert wire["usesTaskDependencies"] is True
    tasks = {t["id"]: t for t in json.loads((tmp_path / "tasks.json").read_text())}
    block = {"dependencyAction": "block"}
    assert tasks["frames-0001"]["exitConditions"] == {
        "preProcessingError": block,
        "fileUploadError": block,
        "default": block,
    }
    assert "dependsOn" not in tasks["frames-0001"]
    assert tasks["frames-0004"]["dependsOn"] == {"taskIds": [GATE_TASK_ID]}


def test_with_auto_the_gate_comes_with_the_job_and_without_scouts_nothing_changes():
    job = example_job(SubmitSettings(scout=ScoutPlan(count=1, auto=True)))
    (gate,) = [t for t in job.tasks if t.id == GATE_TASK_ID]
    assert gate.depends_on == ("frames-0001",)
    plain = example_job(SubmitSettings())
    assert not plain.job.uses_task_dependencies
    assert all(not t.depends_on and not t.blocks_dependents_on_failure for t in plain.tasks)
    everything = example_job(SubmitSettings(scout=ScoutPlan(count=9)))  # all 5 frames scout
    assert not everything.job.uses_task_dependencies and len(everything.tasks) == 5


def _run(task_id: str, seconds: float, *, ok: bool = True, state: str = "completed") -> ScoutRun:
    return ScoutRun(task_id, state, T0, T0 + timedelta(seconds=seconds), 0 if ok else 3, ok)


def test_the_measured_time_a_frame_is_the_mean_of_the_scouts_that_succeeded():
    runs = (_run("a", 60), _run("b", 180), _run("c", 999, ok=False), ScoutRun("d", "running"))
    assert measured_minutes_per_frame(runs) == pytest.approx(2.0)
    assert measured_minutes_per_frame((ScoutRun("d", "active"),)) is None
    # 9 frames at 2 min on 2 nodes: 5 waves
    assert rest_hours(2.0, 9, 2) == pytest.approx(10 / 60)
    assert rest_hours(2.0, 9, 2, slots_per_node=3) == pytest.approx(4 / 60)


def test_awaiting_the_go_only_once_every_scout_succeeded_and_none_failed():
    done = (_run("a", 60), _run("b", 60))
    assert ScoutState("j", done, 9, released=False).awaiting_go
    assert not ScoutState("j", done, 9, released=True).awaiting_go
    assert not ScoutState("j", (*done, ScoutRun("c", "running")), 9, released=False).awaiting_go
    failed = ScoutState("j", (*done, _run("c", 5, ok=False)), 9, released=False)
    assert not failed.awaiting_go and [s.id for s in failed.failed] == ["c"]


def test_the_rest_is_priced_at_the_measured_pace():
    from azure_batch_maya.render.cost import estimate_cost

    table = parse_prices(
        {
            "as_of": "2026-11-01",
            "currency": "USD",
            "region": "eastus",
            "prices": {"Standard_D8s_v5": {"linux": {"dedicated": 0.4, "spot": 0.1}}},
        },
        "test",
    )
    hours = rest_hours(measured_minutes_per_frame((_run("a", 600),)) or 0, 9, 3)
    assert hours == pytest.approx(0.5)  # 3 waves of 10 minutes
    cost = estimate_cost(
        table, "Standard_D8s_v5", "linux", dedicated_nodes=2, spot_nodes=1, hours=hours
    )
    assert cost.total == pytest.approx(2 * 0.4 * 0.5 + 0.1 * 0.5)


def test_durations_read_at_a_glance():
    from azure_batch_maya.app.jobs.scouts import duration

    assert [duration(m) for m in (0.005, 0.2, 4.52, 150)] == ["0.3 s", "12 s", "4.5 min", "2.5 h"]


def test_a_rest_that_ran_without_the_gate_is_said_loudly():
    done = (_run("a", 60),)
    early = ScoutState("j", done, 9, released=False, rest_begun=2)
    assert (
        early.started_without_go and "2 task(s) of the rest started without the go" in early.warning
    )
    assert not ScoutState("j", done, 9, released=True, rest_begun=2).warning
    assert not ScoutState("j", done, 9, released=False).warning
