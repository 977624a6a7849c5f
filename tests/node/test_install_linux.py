"""The shipped Linux start-task script, run here by `sh` as the start task's command line would.

A node is a temp folder with Batch's variables pointing into it; the installers are the test
archive (whose mayapy runs a fake `maya`), a `.run` that works, one that fails, and bytes that
do not match their hash. Windows' script is checked by `test_install_windows.py`.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from azure_batch_maya.assets.hashcache import sha256_of
from azure_batch_maya.render.installroute import (
    INSTALL_DIR,
    INSTALLERS_DIR,
    NODE_SCRIPT,
    command_line_for,
    install_environment,
    script_text,
)
from azure_batch_maya.transfer.installers import Installer, describe
from tests.node.installer import broken_installer, maya_archive

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the Linux node's script")


@dataclass(frozen=True)
class Node:
    root: Path

    @property
    def wd(self) -> Path:
        return self.root / "startup" / "wd"

    @property
    def shared(self) -> Path:
        return self.root / "shared"

    @property
    def prefix(self) -> Path:
        return self.shared / INSTALL_DIR

    def put(self, files: list[Path], args: dict[str, str] | None = None) -> list[Installer]:
        """Lay the script and installers out as the start task's resource files would."""
        self.wd.mkdir(parents=True, exist_ok=True)
        (self.wd / NODE_SCRIPT["linux"]).write_bytes(script_text("linux"))
        (self.wd / INSTALLERS_DIR).mkdir(exist_ok=True)
        installers = []
        for f in files:
            shutil.copy(f, self.wd / INSTALLERS_DIR / f.name)
            extra = (args or {}).get(f.name, "")
            installers.append(describe(f, sha256_of(f), os_hint=None, args=extra))
        return installers

    def start_task(
        self, installers: list[Installer], **extra: str
    ) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ["PATH"],
            "AZ_BATCH_ACCOUNT_URL": "http://127.0.0.1:8443",  # the local pool: no system link
            "AZ_BATCH_NODE_ID": "tvmps_node1",
            "AZ_BATCH_NODE_ROOT_DIR": str(self.root),
            "AZ_BATCH_NODE_SHARED_DIR": str(self.shared),
            "AZ_BATCH_NODE_STARTUP_DIR": str(self.root / "startup"),
            "AZ_BATCH_TASK_WORKING_DIR": str(self.wd),
            **install_environment(installers),
            **extra,
        }
        argv = shlex.split(command_line_for("linux"))  # no shell, as Batch runs it
        return subprocess.run(argv, cwd=self.wd, env=env, capture_output=True, text=True)


def good_run(folder: Path) -> Path:
    """A `.run` that installs a plug-in file into the prefix it is told about."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mtoa-test.run"
    path.write_text(
        '#!/bin/sh\n[ "$1" = "--accept" ] && [ "$2" = "two words" ] || exit 9\n'
        'mkdir -p "$AZBM_INSTALL_PREFIX/mtoa"\n'
        'echo plugin > "$AZBM_INSTALL_PREFIX/mtoa/mtoa.so"\n'
    )
    return path


def test_installs_in_order_leaves_a_mayapy_wrapper_and_skips_everything_on_reboot(tmp_path):
    node = Node(tmp_path / "node")
    files = [maya_archive(tmp_path / "src"), good_run(tmp_path / "src")]
    installers = node.put(files, {"mtoa-test.run": "--accept 'two words'"})
    result = node.start_task(installers)
    assert result.returncode == 0, result.stderr
    assert (node.prefix / "mtoa" / "mtoa.so").read_text() == "plugin\n"
    wrapper = node.prefix / "bin" / "mayapy"
    probe = "import maya.cmds as c; print(c.about(version=True), c.loadPlugin('mtoa'))"
    out = subprocess.run([str(wrapper), "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2025 ['mtoa']"
    log = (node.wd / "install.log").read_text()
    assert "maya-test.tar.gz: unpacked into" in log and "mtoa-test.run: installed" in log
    assert f"mayapy: {wrapper} runs {node.prefix}/maya-test/maya-test/bin/mayapy" in log
    assert sorted(p.name for p in (node.prefix / "markers").iterdir()) == sorted(
        i.sha256 for i in installers
    )

    # a reboot runs the start task again: nothing is unpacked or run twice
    (node.prefix / "maya-test" / "kept").write_text("from the first run")
    for f in (node.wd / INSTALLERS_DIR).iterdir():
        f.write_bytes(b"Batch fetches again; the markers decide")
    again = node.start_task(installers)
    assert again.returncode == 0, again.stderr
    assert (node.prefix / "maya-test" / "kept").exists()
    assert (node.wd / "install.log").read_text().count("installed already") == 2


def test_on_a_batch_node_mayapy_is_also_linked_onto_path_but_never_on_the_local_pool(tmp_path):
    node = Node(tmp_path / "node")
    installers = node.put([maya_archive(tmp_path / "src")])
    link_dir = tmp_path / "usr-local-bin"
    link_dir.mkdir()
    local = node.start_task(installers, AZBM_LINK_DIR=str(link_dir))
    assert local.returncode == 0 and list(link_dir.iterdir()) == []
    azure = node.start_task(
        installers,
        AZBM_LINK_DIR=str(link_dir),
        AZ_BATCH_ACCOUNT_URL="https://render.westeurope.batch.azure.com",
    )
    assert azure.returncode == 0, azure.stderr
    link = link_dir / "mayapy"
    assert link.resolve() == (node.prefix / "bin" / "mayapy").resolve()
    out = subprocess.run([str(link), "-c", "print(1)"], capture_output=True, text=True)
    assert out.stdout == "1\n"


def test_a_failing_installer_fails_the_start_task_naming_it_and_its_output(tmp_path):
    node = Node(tmp_path / "node")
    installers = node.put([maya_archive(tmp_path / "src"), broken_installer(tmp_path / "src")])
    result = node.start_task(installers)
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]
    assert first == (
        "azure-batch-maya install failed on tvmps_node1: renderer-broken.run (run) exited 3 "
        "(the whole log: startup/wd/install.log)"
    )
    assert "licence agreement not accepted (pass --accept)" in result.stderr
    assert "FAILED: renderer-broken.run (run) exited 3" in (node.wd / "install.log").read_text()
    # the archive before it is installed and marked; the broken one will be tried again
    assert [p.name for p in (node.prefix / "markers").iterdir()] == [installers[0].sha256]
    assert not (node.prefix / "bin" / "mayapy").exists()


def test_bytes_that_do_not_match_their_hash_are_not_installed(tmp_path):
    node = Node(tmp_path / "node")
    installers = node.put([maya_archive(tmp_path / "src")])
    (node.wd / INSTALLERS_DIR / "maya-test.tar.gz").write_bytes(b"truncated download")
    result = node.start_task(installers)
    assert result.returncode == 1
    assert f"arrived with SHA-256 {sha256_of(node.wd / INSTALLERS_DIR / 'maya-test.tar.gz')}" in (
        result.stderr
    )
    assert f"not {installers[0].sha256}: add it again" in result.stderr
    assert not (node.prefix / "maya-test").exists()


def test_an_archive_that_does_not_unpack_leaves_no_half_folder(tmp_path):
    bad = tmp_path / "src" / "maya-cut.tar.gz"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(maya_archive(tmp_path / "full").read_bytes()[:200])
    node = Node(tmp_path / "node")
    result = node.start_task(node.put([bad]))
    assert result.returncode != 0
    assert "maya-cut.tar.gz (archive) exited" in result.stderr
    assert [p.name for p in node.prefix.iterdir() if p.name.startswith(".")] == []
    assert not (node.prefix / "maya-cut").exists()


@pytest.mark.skipif(shutil.which("rpm") is not None, reason="this machine has rpm")
def test_an_rpm_on_an_image_without_rpm_says_which_image_to_use(tmp_path):
    rpm = tmp_path / "src" / "Maya2025_64-2025.3-1.x86_64.rpm"
    rpm.parent.mkdir(parents=True)
    rpm.write_bytes(b"not really an rpm")
    node = Node(tmp_path / "node")
    result = node.start_task(node.put([rpm]))
    assert result.returncode == 1
    assert "this node's image has no rpm" in result.stderr and "Rocky Linux" in result.stderr


def test_a_broken_environment_is_named(tmp_path):
    node = Node(tmp_path / "node")
    node.put([])
    bad = Installer("x.rpm", "ab" * 32, 1, "linux", "rpm")
    env = install_environment([bad])
    env["AZBM_INSTALL_1"] = "only-two fields"
    result = subprocess.run(
        shlex.split(command_line_for("linux")),
        cwd=node.wd,
        env={
            "PATH": os.environ["PATH"],
            "AZ_BATCH_NODE_SHARED_DIR": str(node.shared),
            "AZ_BATCH_TASK_WORKING_DIR": str(node.wd),
            **env,
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert 'AZBM_INSTALL_1="only-two fields" is not "<sha256> <kind> <name>"' in result.stderr


def test_the_installed_mayapy_runs_the_real_render_script_to_every_expected_frame(tmp_path):
    from azure_batch_maya.render.settings import SubmitSettings
    from tests.node.example import build_node, example, example_job

    node = Node(tmp_path / "node")
    assert node.start_task(node.put([maya_archive(tmp_path / "src")])).returncode == 0
    job = example_job(SubmitSettings(chunk_size=5))
    ship = build_node(tmp_path / "node", example(), job)
    work = tmp_path / "node" / "task" / "wd"
    work.mkdir(parents=True)
    wrapper = node.prefix / "bin" / "mayapy"
    result = subprocess.run(
        [str(wrapper), str(ship), "render", "frames-0001-0005"],
        cwd=work,
        env={"PATH": "/usr/bin:/bin", "AZ_BATCH_NODE_SHARED_DIR": str(node.shared)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "all 5 images present" in result.stderr
    images = sorted(p.name for p in (work / "images").rglob("*.png"))
    assert images == [f"shot010_lighting.{n:04d}.png" for n in range(1, 6)]
