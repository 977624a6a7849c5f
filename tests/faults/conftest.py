"""The fault suite's helpers: the CLI in its own process, a private local pool, checks.

Every fault test runs the product as a user does (`python -m azure_batch_maya …` in a
process of its own, with a private `AZURE_BATCH_MAYA_HOME`), so a traceback anywhere shows
up on its stdout or stderr, and a crash of one process is a real crash.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.local.azurite import AzuriteError, find_azurite_blob

SCENE = Path("shot010", "scenes", "shot010_lighting.ma")


def run_cli(home: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """`azure-batch-maya ARGS` as a user runs it; never a traceback, whatever the outcome."""
    env = {**os.environ, "AZURE_BATCH_MAYA_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "azure_batch_maya", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result


def submit_args(example: Path, *extra: str) -> list[str]:
    """A stand-in submission of the example scene to the local pool, printing JSON."""
    return [
        "submit",
        str(example / SCENE),
        "--search-path",
        str(example / "texture_library"),
        "--local",
        "--stand-in",
        "--json",
        *extra,
    ]


def wait_until(check: Any, *, timeout: float = 60.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


@dataclass
class OwnPool:
    """A local pool started with `local up` in a private home, as a user has it."""

    home: Path
    connection: dict[str, str]

    @property
    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.home / "local-pool.json").read_text())
        return data

    def up(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(self.home, "local", "up", "--json", *args)


@pytest.fixture
def own_pool(tmp_path: Path) -> Iterator[OwnPool]:
    """`local up --slots 1` in a home of this test's; `local down` at the end."""
    try:
        find_azurite_blob()
    except AzuriteError as error:
        pytest.fail(error.message)
    home = tmp_path / "home"
    started = run_cli(home, "local", "up", "--slots", "1", "--json")
    assert started.returncode == 0, started.stderr
    try:
        yield OwnPool(home, json.loads(started.stdout))
    finally:
        run_cli(home, "local", "down")
