"""The install-at-node-start route's start task: its exact spec, and its URLs working on Azurite."""

from __future__ import annotations

import shlex
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.app.pools.install import install_start_task
from azure_batch_maya.assets.hashcache import sha256_of
from azure_batch_maya.local.azurite import AzuriteProcess
from azure_batch_maya.render.commandline import command_line
from azure_batch_maya.render.installroute import (
    MAYAPY_WRAPPER,
    InstallRouteError,
    script_text,
    start_task_for_installers,
)
from azure_batch_maya.services.batch import ResourceFileSpec, StartTaskSpec, start_task
from azure_batch_maya.transfer.installers import Installer, add_installers

MAYA = Installer("Maya2025.rpm", "a" * 64, 10, "linux", "rpm")
MTOA = Installer("MtoA.run", "b" * 64, 5, "linux", "run", "silent --accept")
MSI = Installer("Maya.msi", "c" * 64, 7, "windows", "msi", "ADDLOCAL=ALL")


def test_the_linux_start_task_spec():
    spec = start_task_for_installers(
        [MAYA, MTOA],
        node_os="linux",
        script_url="https://s/scripts/x.sh?sig",
        installer_urls={"Maya2025.rpm": "https://s/sha256/aaa?sig", "MtoA.run": "https://s/b?sig"},
    )
    assert spec == StartTaskSpec(
        command_line="/bin/sh -c 'exec /bin/sh \"$AZ_BATCH_TASK_WORKING_DIR/azbm_install.sh\"'",
        environment={
            "AZBM_INSTALL_COUNT": "2",
            "AZBM_INSTALL_1": f"{'a' * 64} rpm Maya2025.rpm",
            "AZBM_INSTALL_2": f"{'b' * 64} run MtoA.run",
            "AZBM_INSTALL_2_ARGS": "silent --accept",
        },
        resource_files=(
            ResourceFileSpec(file_path="azbm_install.sh", http_url="https://s/scripts/x.sh?sig"),
            ResourceFileSpec(
                file_path="installers/Maya2025.rpm", http_url="https://s/sha256/aaa?sig"
            ),
            ResourceFileSpec(file_path="installers/MtoA.run", http_url="https://s/b?sig"),
        ),
        elevated=True,
        wait_for_success=True,
        max_retries=1,
    )
    model = start_task(spec)
    user = model.user_identity.auto_user if model.user_identity else None
    assert user is not None and (user.scope, user.elevation_level) == ("pool", "admin")
    assert model.wait_for_success is True and model.max_task_retry_count == 1


def test_the_windows_start_task_runs_powershell_through_cmd():
    spec = start_task_for_installers(
        [MSI], node_os="windows", script_url="u", installer_urls={"Maya.msi": "m"}
    )
    assert spec.command_line == (
        "cmd /c powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File "
        '"%AZ_BATCH_TASK_WORKING_DIR%\\azbm_install.ps1"'
    )
    assert spec.resource_files[0].file_path == "azbm_install.ps1"
    assert spec.environment["AZBM_INSTALL_1_ARGS"] == "ADDLOCAL=ALL"


@pytest.mark.skipif(sys.platform == "win32", reason="a Linux command line")
def test_tasks_reach_the_wrapper_through_the_shared_folder(tmp_path):
    wrapper = tmp_path / "shared" / "azbm-install" / "bin" / "mayapy"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text('#!/bin/sh\necho "mayapy got: $*"\n')
    wrapper.chmod(0o755)
    line = command_line([MAYAPY_WRAPPER["linux"], "-c", "print('it''s')"], "linux")
    env = {"AZ_BATCH_NODE_SHARED_DIR": str(tmp_path / "shared"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run(shlex.split(line), env=env, capture_output=True, text=True, check=True)
    assert out.stdout == "mayapy got: -c print('it''s')\n"


def test_what_cannot_make_a_start_task_is_refused():
    with pytest.raises(InstallRouteError, match="nodes installers add"):
        start_task_for_installers([], node_os="linux", script_url="u", installer_urls={})
    with pytest.raises(InstallRouteError, match=r"Maya\.msi cannot install on linux nodes"):
        start_task_for_installers([MAYA, MSI], node_os="linux", script_url="u", installer_urls={})
    with pytest.raises(InstallRouteError, match=r"no URL for MtoA\.run"):
        start_task_for_installers(
            [MAYA, MTOA], node_os="linux", script_url="u", installer_urls={"Maya2025.rpm": "x"}
        )


def test_published_script_and_installers_download_from_the_start_task_urls(
    azurite: AzuriteProcess, tmp_path
):
    client = BlobServiceClient.from_connection_string(azurite.connection_string)
    container = "installers-route-test"
    rpm = tmp_path / "Maya2025.rpm"
    rpm.write_bytes(b"rpm bytes")
    msi = tmp_path / "Maya.msi"
    msi.write_bytes(b"msi bytes")
    add_installers(client, [rpm, msi], digests=sha256_of, container=container)
    spec = install_start_task(
        client, node_os="linux", container=container, lifetime=timedelta(hours=1)
    )
    assert spec.environment["AZBM_INSTALL_COUNT"] == "1"  # the .msi is for Windows nodes
    fetched = {}
    for f in spec.resource_files:
        assert f.http_url is not None and f.file_path is not None
        with urllib.request.urlopen(f.http_url) as answer:
            fetched[f.file_path] = answer.read()
    assert fetched == {
        "azbm_install.sh": script_text("linux"),
        "installers/Maya2025.rpm": b"rpm bytes",
    }
    year = install_start_task(client, node_os="linux", container=container)
    expiry = parse_qs(urlsplit(year.resource_files[0].http_url or "").query)["se"][0]
    until = datetime.strptime(expiry, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert until > datetime.now(timezone.utc) + timedelta(days=364)  # an account key: a year
    with pytest.raises(InstallRouteError, match=r"no installer named nope\.rpm"):
        install_start_task(client, node_os="linux", names=["nope.rpm"], container=container)
