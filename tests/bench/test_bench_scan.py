"""Benchmark: scanning a generated 200 MB .ma. Prints MB/s and the ratio of the whole
`azure-batch-maya scan --json` process to a Python process that only reads the file, in wall
time and (where the OS reports it) in CPU time, which a busy shared machine disturbs less."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bench.scenes import write_scene

SIZE_MB = 200


def best_of(runs: int, cmd: list[str]) -> tuple[float, float | None, str]:
    """The best wall time and the best CPU time (user + system) of `runs` runs, and stdout."""
    best = float("inf")
    best_cpu: float | None = float("inf")
    out = ""
    for _ in range(runs):
        cpu_before = children_cpu()
        started = time.perf_counter()
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - started)
        cpu_after = children_cpu()
        if cpu_before is None or cpu_after is None or best_cpu is None:
            best_cpu = None
        else:
            best_cpu = min(best_cpu, cpu_after - cpu_before)
        out = result.stdout
    return best, best_cpu, out


def children_cpu() -> float | None:
    """CPU seconds used by finished child processes; None on Windows (no `resource`)."""
    if sys.platform == "win32":
        return None
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    read_cmd = [sys.executable, "-c", f"open({str(path)!r}, 'rb').read()"]
    scan_cmd = [sys.executable, "-m", "azure_batch_maya", "scan", str(path), "--json"]
    read_only, read_cpu, _ = best_of(5, read_cmd)
    scan, scan_cpu, out = best_of(5, scan_cmd)
    data = json.loads(out)
    assert len(data["references"]) == textures + 1
    cpu = (
        f"; CPU {scan_cpu:.2f} s vs {read_cpu:.2f} s, ratio {scan_cpu / read_cpu:.2f}x"
        if scan_cpu is not None and read_cpu is not None
        else ""
    )
    print(
        f"\nscan {size_mb:.0f} MB: {scan:.2f} s ({size_mb / scan:.0f} MB/s); "
        f"read-only process {read_only:.2f} s; ratio {scan / read_only:.2f}x (aim <= 3x){cpu}"
    )
