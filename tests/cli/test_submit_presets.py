"""`submit` under a studio file: locked values, defaults, limits and the cost ceiling.

Each job is exported (`--export`): what Batch would be sent is read back from the JSON, and
nothing needs a pool. The ceiling is checked against the real price table's estimate.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from azure_batch_maya.cli import main
from azure_batch_maya.controllers.env import EnvController
from azure_batch_maya.settings.studio import STUDIO_ENV


def scene_args(example: Path) -> list[str]:
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    return [str(scene), "--search-path", str(example / "texture_library"), "--stand-in"]


def studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "studio.toml"
    path.write_text('reason = "Set by pipeline: ask #render-help"\n' + text, "utf-8")
    monkeypatch.setenv(STUDIO_ENV, str(path))
    return path


def export(example: Path, tmp_path: Path, *flags: str) -> tuple[int, dict[str, Any]]:
    folder = tmp_path / "export"
    code = main(["submit", *scene_args(example), "--export", str(folder), *flags])
    job = json.loads((folder / "job.json").read_text()) if code == 0 else {}
    return code, job


def pool_of(job: dict[str, Any]) -> dict[str, Any]:
    pool: dict[str, Any] = job["poolInfo"]["autoPoolSpecification"]["pool"]
    return pool


def test_a_locked_vm_size_is_used_and_a_flag_against_it_is_refused(
    home, example, tmp_path, monkeypatch, capsys
):
    path = studio(tmp_path, monkeypatch, '[locked]\nvm_size = "Standard_E16s_v5"\n')
    EnvController().update(vm_size="Standard_D8s_v5")  # the artist's own choice loses
    code, job = export(example, tmp_path)
    assert code == 0
    assert pool_of(job)["vmSize"] == "Standard_E16s_v5"
    capsys.readouterr()
    code, _ = export(example, tmp_path, "--vm-size", "Standard_F8s_v2")
    err = capsys.readouterr().err
    assert code == 2
    assert "--vm-size Standard_F8s_v2: vm_size is locked to Standard_E16s_v5" in err
    assert f"Locked by the studio file {path}: Set by pipeline" in err
    assert export(example, tmp_path, "--vm-size", "Standard_E16s_v5")[0] == 0  # the same: fine


def test_defaults_fill_what_the_artist_did_not_choose(home, example, tmp_path, monkeypatch):
    studio(
        tmp_path,
        monkeypatch,
        '[defaults]\nvm_size = "Standard_E8s_v5"\ndedicated_nodes = 3\n'
        'licence_servers = ["27000@lic.studio.local", "5053@lic.studio.local"]\n',
    )
    code, job = export(example, tmp_path)
    assert code == 0
    assert (pool_of(job)["vmSize"], pool_of(job)["targetDedicatedNodes"]) == (
        "Standard_E8s_v5",
        3,
    )
    variables = {e["name"]: e["value"] for e in job["commonEnvironmentSettings"]}
    assert variables["ADSKFLEX_LICENSE_FILE"] == "27000@lic.studio.local"
    assert variables["solidangle_LICENSE"] == "5053@lic.studio.local"
    EnvController().update(dedicated_nodes=2)  # chosen on the Env tab: the default steps back
    code, job = export(example, tmp_path, "--spot", "1")
    assert (pool_of(job)["targetDedicatedNodes"], pool_of(job)["targetLowPriorityNodes"]) == (2, 1)
    assert pool_of(job)["vmSize"] == "Standard_E8s_v5"  # still the default: not chosen


def test_limits_are_errors_that_name_them(home, example, tmp_path, monkeypatch, capsys):
    studio(
        tmp_path,
        monkeypatch,
        '[limits]\nallowed_vm_sizes = ["Standard_D8s_v5", "Standard_E8s_v5"]\nmax_nodes = 4\n',
    )
    assert export(example, tmp_path, "--vm-size", "Standard_F8s_v2")[0] == 2
    err = capsys.readouterr().err
    assert "VM size Standard_F8s_v2 is not allowed" in err
    assert "Standard_D8s_v5, Standard_E8s_v5" in err
    assert export(example, tmp_path, "--nodes", "3", "--spot", "2")[0] == 2
    err = capsys.readouterr().err
    assert "5 nodes asked for" in err and "allows at most 4" in err
    code, _ = export(example, tmp_path, "--nodes", "3", "--spot", "1")
    assert code == 0


def test_a_job_over_the_ceiling_is_refused_with_both_numbers(
    home, example, tmp_path, monkeypatch, capsys
):
    path = studio(tmp_path, monkeypatch, "[limits]\ncost_ceiling = 0.01\n")
    code, _ = export(example, tmp_path, "--nodes", "2")
    err = capsys.readouterr().err
    assert code == 1
    estimate = err.split("estimated at ")[1].split(" ")[0]
    assert float(estimate) > 0.01
    assert f"estimated at {estimate} USD, over the studio's ceiling of 0.01 USD" in err
    assert str(path) in err and "ask your TD" in err
    # the file does not allow an override: the flag changes nothing
    assert export(example, tmp_path, "--nodes", "2", "--over-ceiling")[0] == 1
    assert not (tmp_path / "export" / "job.json").exists()


def test_over_ceiling_goes_ahead_where_the_file_allows_it(
    home, example, tmp_path, monkeypatch, capsys
):
    studio(tmp_path, monkeypatch, "[limits]\ncost_ceiling = 0.01\nallow_ceiling_override = true\n")
    assert export(example, tmp_path)[0] == 1
    assert "submit with --over-ceiling to go ahead anyway" in capsys.readouterr().err
    code, job = export(example, tmp_path, "--over-ceiling")
    assert code == 0 and job["id"]
    assert "going ahead (--over-ceiling)" in capsys.readouterr().err


def test_a_malformed_studio_file_stops_submit_with_its_line(
    home, example, tmp_path, monkeypatch, capsys
):
    studio(tmp_path, monkeypatch, '[locked]\nvm_sise = "Standard_E16s_v5"\n')
    assert export(example, tmp_path)[0] == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'studio.toml'}:3:" in err and "did you mean 'vm_size'" in err


def test_prefix_priority_and_splits_from_the_flags(home, example, tmp_path, monkeypatch):
    folder = tmp_path / "export"
    flags = ["--prefix", "beauty/<Scene>", "--priority", "500", "--chunk", "5"]
    assert main(["submit", *scene_args(example), "--export", str(folder), *flags]) == 0
    job = json.loads((folder / "job.json").read_text())
    assert job["priority"] == 500
    plan = json.loads((folder / "plan.json").read_text())
    assert "beauty/<Scene>" in json.dumps(plan)
    assert len(json.loads((folder / "tasks.json").read_text())) == 1  # 5 frames, chunks of 5
