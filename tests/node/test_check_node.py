"""The node check script, run as a node runs it: a lone copy, any Python, one JSON object out.

Maya is the test installer's fake (`tests/node/installer.py`), unpacked here; licence servers
are a real listening socket on loopback and a port nothing listens on.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from azure_batch_maya.app.pools.check import CHECK_SCRIPT
from tests.node.installer import maya_archive, unpack

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the fake mayapy is a sh script")


@pytest.fixture
def listening() -> Iterator[int]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    yield server.getsockname()[1]
    server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unpacked_maya(folder: Path) -> Path:
    unpack(maya_archive(folder / "src"), folder / "maya")
    return folder / "maya" / "maya-test" / "bin" / "mayapy"


def run_check(folder: Path, env: dict[str, str], *args: str) -> dict[str, object]:
    """The script copied alone into a task folder and run with no site-packages."""
    work = folder / "wd"
    work.mkdir(parents=True, exist_ok=True)
    script = shutil.copy(CHECK_SCRIPT, work / "azbm_check_node.py")
    argv = [sys.executable, "-S", "-E", str(script), *args]
    full = {"PATH": "/usr/bin:/bin", "AZ_BATCH_NODE_ID": "tvmps_1", **env}
    result = subprocess.run(argv, cwd=work, env=full, capture_output=True, text=True, check=True)
    (line,) = result.stdout.splitlines()
    data: dict[str, object] = json.loads(line)
    return data


def test_a_node_without_maya_says_so_and_still_reports_the_rest(tmp_path, listening):
    free = closed_port()
    env = {
        "ADSKFLEX_LICENSE_FILE": f"{listening}@127.0.0.1:{free}@127.0.0.1",
        "AZ_BATCH_NODE_SHARED_DIR": str(tmp_path / "shared"),
    }
    report = run_check(tmp_path, env, "--plugin", "mtoa", "--licence-var", "ADSKFLEX_LICENSE_FILE")
    assert report["node_id"] == "tvmps_1"
    assert report["maya"] == {
        "path": None,
        "how": "",
        "on_path": None,
        "plugins": [{"plugin": "mtoa", "loaded": False, "error": "no mayapy"}],
    }
    licences = report["licences"]
    assert isinstance(licences, list) and len(licences) == 1
    servers = licences[0]["servers"]
    assert [(s["server"], s["reachable"]) for s in servers] == [
        (f"{listening}@127.0.0.1", True),
        (f"{free}@127.0.0.1", False),
    ]
    disk = report["disk"]
    assert isinstance(disk, dict) and disk["path"] == str(tmp_path / "wd")
    assert disk["free_bytes"] == shutil.disk_usage(tmp_path).free or disk["free_bytes"] > 0
    assert report["os"]["system"] == "Linux"  # type: ignore[index]
    assert report["gpus"] == {"nvidia_smi": False, "gpus": []} or shutil.which("nvidia-smi")


def test_the_install_routes_mayapy_is_found_and_asked_for_its_version_and_plugins(tmp_path):
    mayapy = unpacked_maya(tmp_path)
    wrapper = tmp_path / "shared" / "azbm-install" / "bin" / "mayapy"
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(f'#!/bin/sh\nexec "{mayapy}" "$@"\n')
    wrapper.chmod(0o755)
    env = {"AZ_BATCH_NODE_SHARED_DIR": str(tmp_path / "shared")}
    report = run_check(tmp_path, env, "--plugin", "mtoa", "--plugin", "vrayformaya")
    maya = report["maya"]
    assert isinstance(maya, dict)
    assert (maya["path"], maya["how"], maya["version"]) == (
        str(wrapper),
        "installed at node start",
        "2025",
    )
    assert maya["plugins"] == [
        {"plugin": "mtoa", "loaded": True},
        {
            "plugin": "vrayformaya",
            "loaded": False,
            "error": 'Plug-in, "vrayformaya", was not found on MAYA_PLUG_IN_PATH.',
        },
    ]


def test_mayapy_on_path_and_a_mayapy_that_cannot_start_maya(tmp_path):
    mayapy = unpacked_maya(tmp_path)
    on_path = run_check(tmp_path, {"PATH": f"{mayapy.parent}:/usr/bin:/bin"})
    assert on_path["maya"]["how"] == "PATH" and on_path["maya"]["version"] == "2025"  # type: ignore[index]
    broken = tmp_path / "broken" / "mayapy"
    broken.parent.mkdir()
    broken.write_text("#!/bin/sh\necho 'libGL.so.1: cannot open shared object file' >&2\nexit 1\n")
    broken.chmod(0o755)
    report = run_check(tmp_path, {"AZBM_MAYAPY": str(broken)})
    maya = report["maya"]
    assert isinstance(maya, dict) and maya["how"] == "AZBM_MAYAPY"
    assert maya["error"] == "mayapy exited 1: libGL.so.1: cannot open shared object file"
    assert os.path.basename(str(maya["path"])) == "mayapy"
