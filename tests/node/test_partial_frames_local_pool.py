"""No rendered frame is lost: a task that writes 3 of its 4 images fails naming the 4th, and
the 3 it wrote still come home. End to end on the local pool with Azurite; the stand-in is told
to skip frame 4 through the job's environment (its test seam, `AZBM_STANDIN_SKIP_FRAMES`)."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest

from azure_batch_maya.app.connect import connect_local
from azure_batch_maya.app.submit import download_outputs, submit, wait_for_job
from azure_batch_maya.cli import main
from azure_batch_maya.node.standin import SKIP_ENV
from azure_batch_maya.render.settings import SubmitSettings
from tests.app.test_submit import example_project

pytestmark = pytest.mark.slow

IMAGE = "images/shot010_lighting/masterLayer/shot010_lighting.{:04d}.png"


def test_three_of_four_images_arrive_and_the_task_names_the_fourth(
    local_home: Path, example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scene, project = example_project(example, tmp_path)
    settings = SubmitSettings(
        frames="1-4",
        chunk_size=4,
        stand_in=True,
        node_python=sys.executable,
        max_task_retries=0,
        environment={SKIP_ENV: "4"},
        job_id=f"partial-{uuid.uuid4().hex[:8]}",
    )
    conn = connect_local(start=False)
    submitted = submit(conn, scene, project, settings)
    outcome = wait_for_job(conn, submitted.job_id, interval=0.3, timeout=120)

    assert not outcome.succeeded
    (failed,) = outcome.failed
    assert failed.task_id == "frames-0001-0004"
    assert "1 of 4 expected images are missing or empty" in failed.stderr_tail
    assert "shot010_lighting.0004.png" in failed.stderr_tail

    folder = tmp_path / "out"
    download_outputs(conn, submitted.job_id, folder)
    images = sorted(p.relative_to(folder).as_posix() for p in folder.glob("images/**/*.png"))
    assert images == [IMAGE.format(f) for f in (1, 2, 3)]
    assert (folder / "logs" / "frames-0001-0004" / "stderr.txt").is_file()

    capsys.readouterr()
    assert main(["jobs", "show", submitted.job_id, "--local"]) == 0
    shown = capsys.readouterr().out
    assert "Task frames-0001-0004 failed" in shown
    assert "missing: shot010_lighting/masterLayer/shot010_lighting.0004.png" in shown
