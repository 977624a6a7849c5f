"""Benchmark: scanning a generated 200 MB .ma. Prints MB/s and the ratio of the whole
`azure-batch-maya scan --json` process to a Python process that only reads the file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bench.scenes import write_scene

SIZE_MB = 200


def best_of(runs: int, cmd: list[str]) -> tuple[float, str]:
    best = float("inf")
    out = ""
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - started)
        out = result.stdout
    return best, out


@pytest.fixture(scope="module")
def big_scene(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    path = tmp_path_factory.mktemp("bench") / "big.ma"
    textures = write_scene(path, SIZE_MB)
    # An installed package has its bytecode (pip compiles on install); a checkout run with
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every run.
    package = Path(__file__).resolve().parents[2] / "azure_batch_maya"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    return path, textures


def test_scan_200mb(big_scene: tuple[Path, int]) -> None:
    path, textures = big_scene
    size_mb = path.stat().st_size / 1e6
    read_only, _ = best_of(3, [sys.executable, "-c", f"open({str(path)!r}, 'rb').read()"])
    scan, out = best_of(3, [sys.executable, "-m", "azure_batch_maya", "scan", str(path), "--json"])
    data = json.loads(out)
    assert len(data["references"]) == textures + 1
    print(
        f"\nscan {size_mb:.0f} MB: {scan:.2f} s ({size_mb / scan:.0f} MB/s); "
        f"read-only process {read_only:.2f} s; ratio {scan / read_only:.2f}x (aim <= 3x)"
    )
