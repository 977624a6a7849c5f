"""Host steps are idempotent: a result is never produced twice for one folder."""

from __future__ import annotations

import sys
import time

import pytest

from azure_batch_maya.local.runner import (
    HostLost,
    HostSpec,
    command_for,
    host_alive,
    host_started,
    read_result,
    request_stop,
    run_step,
    start_host,
    write_spec,
)


def spec(tmp_path, code, timeout=None):
    return HostSpec(
        command=[sys.executable, "-S", "-c", code],
        cwd=str(tmp_path),
        env={},
        stdout=str(tmp_path / "stdout.txt"),
        stderr=str(tmp_path / "stderr.txt"),
        timeout_seconds=timeout,
    )


def test_a_step_runs_once_and_then_only_reads_its_result(tmp_path):
    counter = tmp_path / "count"
    code = f"p = open(r'{counter}', 'a'); p.write('x'); print('out'); raise SystemExit(4)"
    first = run_step(tmp_path / "host", lambda: spec(tmp_path, code))
    again = run_step(tmp_path / "host", lambda: pytest.fail("must not build a new spec"))
    assert (first.exit_code, again) == (4, first)
    assert counter.read_text() == "x"
    assert (tmp_path / "stdout.txt").read_text().strip() == "out"
    assert first.start_ticks <= first.end_ticks


def test_a_host_that_started_and_died_without_a_result_is_lost(tmp_path):
    folder = tmp_path / "host"
    write_spec(folder, spec(tmp_path, "pass"))
    (folder / "started").touch()
    assert host_started(folder) and not host_alive(folder)
    with pytest.raises(HostLost):
        run_step(folder, lambda: spec(tmp_path, "pass"))


def test_a_live_host_is_seen_by_its_lock_and_stopped_by_request(tmp_path):
    folder = tmp_path / "host"
    write_spec(folder, spec(tmp_path, "import time; time.sleep(30)"))
    process = start_host(folder)
    try:
        deadline = time.monotonic() + 10
        while not host_alive(folder):
            assert time.monotonic() < deadline
        second = start_host(folder)
        assert second.wait(10) == 3  # another host refuses the folder
        request_stop(folder)
        assert process.wait(10) == 0
    finally:
        process.kill()
    result = read_result(folder)
    assert result is not None and result.stopped and not host_alive(folder)


def test_wall_clock_limit_and_missing_program(tmp_path):
    slow = run_step(tmp_path / "slow", lambda: spec(tmp_path, "import time; time.sleep(30)", 0.5))
    assert slow.timed_out and (slow.end_ticks - slow.start_ticks) < 10 * 10_000_000
    missing = HostSpec(
        ["no-such-program-here"], str(tmp_path), {}, str(tmp_path / "o"), str(tmp_path / "e"), None
    )
    result = run_step(tmp_path / "missing", lambda: missing)
    assert result.exit_code is None and result.error == "CommandProgramNotFound"


def test_command_lines_are_not_given_to_a_shell():
    if sys.platform == "win32":
        assert command_for('cmd /c "echo a"') == 'cmd /c "echo a"'
    else:
        assert command_for('/bin/bash -c "echo $HOME > out"') == [
            "/bin/bash",
            "-c",
            "echo $HOME > out",
        ]


def test_a_stop_asked_before_the_host_exists_still_ends_the_command(tmp_path):
    folder = tmp_path / "host"  # a task stopped while it was starting: no host folder yet
    request_stop(folder)
    result = run_step(folder, lambda: spec(tmp_path, "import time; time.sleep(30)"))
    assert result.stopped and (result.end_ticks - result.start_ticks) < 10 * 10_000_000
