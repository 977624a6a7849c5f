"""Studio presets: a TD's TOML file read, checked with line numbers, and enforced."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from azure_batch_maya.settings.studio import (
    STUDIO_ENV,
    PresetsError,
    StudioPresets,
    check_text,
    load_studio,
    studio_file,
)

GOOD = """\
reason = "Set by the pipeline team: ask in #render-help"

[defaults]
vm_size = "Standard_D16s_v5"
licence_servers = ["5053@lic.studio.local"]
scout_frames = 3
spot_share = 0.5

[locked]
image_route = "custom"
image_id = "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/galleries/g/images/maya"

[limits]
allowed_vm_sizes = ["Standard_D16s_v5", "Standard_E16s_v5"]
max_nodes = 50
cost_ceiling = 250.0
allow_ceiling_override = true
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "studio.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_gives_defaults_locks_and_limits(tmp_path):
    path = write(tmp_path, GOOD)
    presets = load_studio({STUDIO_ENV: str(path)})
    assert presets.path == str(path)
    assert presets.defaults["vm_size"] == "Standard_D16s_v5"
    assert presets.is_locked("image_route") and not presets.is_locked("vm_size")
    assert presets.allowed_vm_sizes == ("Standard_D16s_v5", "Standard_E16s_v5")
    assert (presets.max_nodes, presets.cost_ceiling) == (50, 250.0)
    assert "pipeline team" in (presets.lock_note("image_route") or "")
    assert presets.lock_note("vm_size") is None


def test_locked_wins_over_the_artist_and_defaults_fill_gaps(tmp_path):
    presets = load_studio({STUDIO_ENV: str(write(tmp_path, GOOD))})
    assert presets.effective("image_route", "install") == "custom"
    assert presets.effective("vm_size", "Standard_E16s_v5") == "Standard_E16s_v5"
    assert presets.effective("vm_size") == "Standard_D16s_v5"
    assert presets.effective("subnet_id") is None


def test_no_file_means_no_rules(tmp_path):
    assert studio_file({}, start=tmp_path / "loose" / "studio.py") is None
    presets = StudioPresets()
    assert presets.violations(vm_size="Any", dedicated_nodes=999, spot_nodes=0) == []
    assert presets.over_ceiling(1e9, "USD") is None
    assert presets.effective("vm_size", "Standard_D4s_v5") == "Standard_D4s_v5"


def test_the_file_beside_the_maya_module_is_found(tmp_path):
    module = tmp_path / "azure-batch-maya"
    package = module / "site-packages" / "maya2025" / "azure_batch_maya" / "settings"
    package.mkdir(parents=True)
    (module / "azure-batch-maya.mod").write_text("+ MAYAVERSION:2025 azure-batch-maya 0.1.0 .\n")
    start = package / "studio.py"
    assert studio_file({}, start=start) is None
    (module / "studio.toml").write_text(GOOD)
    assert studio_file({}, start=start) == module / "studio.toml"
    assert studio_file({STUDIO_ENV: "/elsewhere/s.toml"}, start=start) == Path("/elsewhere/s.toml")


def test_a_variable_naming_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(PresetsError, match="does not exist"):
        load_studio({STUDIO_ENV: str(tmp_path / "nope.toml")})


def test_a_typo_is_reported_with_its_line_and_a_suggestion():
    text = GOOD.replace('vm_size = "Standard_D16s_v5"\nlic', 'vm_sise = "Standard_D16s_v5"\nlic')
    assert check_text(text, "studio.toml") == [
        "studio.toml:4: [defaults] has no setting 'vm_sise' (did you mean 'vm_size'?)"
    ]


def test_an_unknown_table_and_wrong_values_each_name_their_line():
    text = (
        "[defualts]\n"  # 1
        'vm_size = "x"\n'  # 2
        "[limits]\n"  # 3
        "max_nodes = 0\n"  # 4
        'cost_ceiling = "lots"\n'  # 5
        "[locked]\n"  # 6
        'licence_servers = ["lic.studio.local"]\n'  # 7
        'subnet_id = "my-subnet"\n'  # 8
        "spot_share = 1.5\n"  # 9
        'image_route = "cloud"\n'  # 10
    )
    problems = check_text(text, "s.toml")
    assert [p.split(":")[1] for p in problems] == ["1", "4", "5", "7", "8", "9", "10"]
    assert "did you mean 'defaults'" in problems[0]
    assert "at least 1" in problems[1]
    assert "port@host" in problems[3]
    assert "install, custom, container" in problems[6]


def test_broken_toml_names_its_line():
    problems = check_text('[defaults]\nvm_size = "unterminated\n', "s.toml")
    assert len(problems) == 1 and problems[0].startswith("s.toml:2: not valid TOML")


def test_rules_that_contradict_each_other_are_problems():
    text = GOOD.replace(
        'image_route = "custom"', 'image_route = "custom"\nvm_size = "Standard_NC6"'
    )
    problems = check_text(text, "s.toml")
    assert problems == [
        "s.toml:11: [locked] vm_size Standard_NC6 is not in allowed_vm_sizes",
        "s.toml:4: vm_size is both a default and locked; keep one",
    ]


def test_violations_name_the_limit(tmp_path):
    presets = load_studio({STUDIO_ENV: str(write(tmp_path, GOOD))})
    assert presets.violations(vm_size="standard_d16s_v5", dedicated_nodes=40, spot_nodes=10) == []
    found = presets.violations(vm_size="Standard_NC24", dedicated_nodes=40, spot_nodes=20)
    assert "Standard_NC24 is not allowed" in found[0]
    assert "60 nodes asked for" in found[1] and "at most 50" in found[1]


def test_the_cost_ceiling_names_both_numbers_and_the_override(tmp_path):
    presets = load_studio({STUDIO_ENV: str(write(tmp_path, GOOD))})
    assert presets.over_ceiling(249.0, "USD") is None
    refused = presets.over_ceiling(312.5, "USD") or ""
    assert "312.50 USD" in refused and "250.00 USD" in refused and "--over-ceiling" in refused
    assert presets.over_ceiling(312.5, "USD", override=True) is None
    strict = load_studio(
        {STUDIO_ENV: str(write(tmp_path, GOOD.replace("override = true", "override = false")))}
    )
    assert strict.over_ceiling(312.5, "USD", override=True) is not None


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "azure_batch_maya", "presets", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_presets_check_cli(tmp_path):
    good = write(tmp_path, GOOD)
    ok = cli("check", str(good))
    assert ok.returncode == 0 and "no problems" in ok.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text(GOOD.replace("max_nodes", "max_node"))
    result = cli("check", str(bad))
    assert result.returncode == 1
    assert (
        f"{bad}:15: [limits] has no setting 'max_node' (did you mean 'max_nodes'?)" in result.stdout
    )
    missing = cli("check", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr + result.stderr


def test_presets_show_cli(tmp_path):
    shown = cli("show", env={STUDIO_ENV: str(write(tmp_path, GOOD))})
    assert shown.returncode == 0
    assert "locked   image_route = 'custom'" in shown.stdout
    assert "cost ceiling per job: 250.00 (override allowed)" in shown.stdout
    broken = tmp_path / "broken.toml"
    broken.write_text("[limits]\nmax_nodes = -3\n")
    failed = cli("show", env={STUDIO_ENV: str(broken)})
    assert failed.returncode == 2 and f"{broken}:2:" in failed.stderr
