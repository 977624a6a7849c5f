"""What commands show: one JSON object, aligned columns, and a progress line on stderr."""

from __future__ import annotations

import json

import pytest

from azure_batch_maya.cli.output import (
    Messages,
    ProgressLine,
    columns,
    print_json,
    print_result,
    upload_progress,
)


def test_columns_are_as_wide_as_their_widest_cell_with_no_trailing_blanks() -> None:
    table = columns([("JOB", "STATE"), ("shot010-a", "active"), ("b", "")])
    assert table == "JOB        STATE\nshot010-a  active\nb\n"


def test_a_result_is_one_json_object_or_the_text(capsys: pytest.CaptureFixture[str]) -> None:
    print_result(True, {"job_id": "j1", "deleted": True}, "Deleted job j1.")
    out = capsys.readouterr().out
    assert json.loads(out) == {"job_id": "j1", "deleted": True} and out.count("\n") == 1
    print_result(False, {"job_id": "j1"}, "Deleted job j1.")
    assert capsys.readouterr().out == "Deleted job j1.\n"


def test_scene_paths_keep_their_letters_only_where_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_json({"path": "prise-de-vue-été.ma"})
    print_json({"path": "prise-de-vue-été.ma"}, ascii_only=False)
    escaped, kept = capsys.readouterr().out.splitlines()
    assert "\\u00e9" in escaped and "été" in kept
    assert json.loads(escaped) == json.loads(kept)


def test_messages_go_to_stderr_and_not_with_json(capsys: pytest.CaptureFixture[str]) -> None:
    Messages(quiet=False)("Connected to the local pool.")
    Messages(quiet=True)("never shown")
    out, err = capsys.readouterr()
    assert (out, err) == ("", "Connected to the local pool.\n")


def test_the_upload_bar_redraws_one_line_and_ends_it(capsys: pytest.CaptureFixture[str]) -> None:
    bar = upload_progress(quiet=False)
    for done in (0, 0, 20_000_000, 40_000_000):  # the repeated 0 is not drawn twice
        bar(done, 40_000_000)
    bar.finish()
    bar.finish()  # a second finish adds no blank line
    err = capsys.readouterr().err
    assert err.count("\r") == 3 and err.endswith("\n") and not err.endswith("\n\n")
    assert f"\rUploading [{'#' * 15}{'.' * 15}] 20.0 MB of 40.0 MB" in err
    assert f"Uploading [{'#' * 30}] 40.0 MB of 40.0 MB\n" in err


def test_an_empty_upload_is_a_full_bar_and_quiet_draws_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    upload_progress(quiet=False)(0, 0)
    assert f"[{'#' * 30}] 0 B of 0 B" in capsys.readouterr().err
    quiet = ProgressLine(lambda done, total: f"{done}/{total}", quiet=True)
    quiet(1, 2)
    quiet.finish()
    never = ProgressLine(lambda done, total: f"{done}/{total}", quiet=False)
    never.finish()  # nothing drawn: no newline either, so an error line stays one line
    assert capsys.readouterr().err == ""
