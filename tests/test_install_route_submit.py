"""Install at node start through `submit`: the installers added with `nodes installers add` make
the new pool's start task, and the job's tasks start Maya through the wrapper it writes.

A job submitted WITHOUT `--stand-in` on the local pool renders through the real node render
script (the test installer's mayapy runs it against a fake `maya` that writes the images the
plan expects) and its frames come home; a broken installer stops `submit --wait` with the node
and its start task's stderr. The installers list is per storage account, so these tests use an
Azurite of their own: the session's shared one must not start installing on others' pools.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from azure_batch_maya.app.connect import Connection
from azure_batch_maya.app.submit import with_install_route
from azure_batch_maya.assets.hashcache import sha256_of
from azure_batch_maya.cli import main
from azure_batch_maya.local.azurite import AzuriteProcess, start_azurite
from azure_batch_maya.local.process import LocalPoolProcess
from azure_batch_maya.render.installroute import MAYAPY_WRAPPER
from azure_batch_maya.render.job import RouteError, check_route
from azure_batch_maya.render.settings import PoolChoice, SubmitSettings
from azure_batch_maya.transfer.installers import LIST_BLOB, add_installers
from tests.fixtures.user_home import copy_examples, point_home_at_local_pool
from tests.node.installer import broken_installer, maya_archive
from tests.services.blobs import key_client

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="the Linux start-task script"),
]


@pytest.fixture(scope="module")
def own_azurite() -> Iterator[AzuriteProcess]:
    with start_azurite() as process:
        yield process


@pytest.fixture
def install_home(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    local_pool: LocalPoolProcess,
    own_azurite: AzuriteProcess,
) -> Path:
    monkeypatch.delenv("AZURE_BATCH_MAYA_STUDIO", raising=False)
    return point_home_at_local_pool(tmp_path / "home", monkeypatch, local_pool, own_azurite)


def add(capsys: pytest.CaptureFixture[str], *files: Path) -> None:
    code = main(["nodes", "installers", "add", *map(str, files), "--local"])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()


def submit(capsys: pytest.CaptureFixture[str], tmp_path: Path, *extra: str) -> tuple[int, str]:
    """Frames 1-2 of the example scene, without --stand-in; the exit code and all it said."""
    example = copy_examples(tmp_path)
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    code = main(
        [
            "submit",
            str(scene),
            "--search-path",
            str(example / "texture_library"),
            "--local",
            "--frames",
            "1-2",
            "--wait",
            "--download",
            str(tmp_path / "frames"),
            *extra,
        ]
    )
    out, err = capsys.readouterr()
    return code, out + err


def test_a_job_without_stand_in_renders_through_the_installed_mayapy(
    install_home, capsys, tmp_path
):
    add(capsys, maya_archive(tmp_path / "inst", name=f"maya-{uuid.uuid4().hex[:6]}.tar.gz"))
    code, said = submit(capsys, tmp_path, "--json")
    result = json.loads(said.splitlines()[0])
    assert code == 0, said
    assert result["succeeded"] is True and result["failed_tasks"] == []
    images = tmp_path / "frames" / "images" / "shot010_lighting" / "masterLayer"
    names = sorted(p.name for p in images.iterdir())
    assert names == ["shot010_lighting.0001.png", "shot010_lighting.0002.png"]
    # written by the installed fake maya: only its mayapy could have rendered them
    assert {(images / n).read_bytes() for n in names} == {b"fake maya image"}


def test_a_broken_installer_stops_submit_wait_naming_the_node_and_its_stderr(
    install_home, capsys, tmp_path
):
    files = [maya_archive(tmp_path / "inst", name=f"maya-{uuid.uuid4().hex[:6]}.tar.gz")]
    files.append(broken_installer(tmp_path / "inst", name=f"broken-{uuid.uuid4().hex[:6]}.run"))
    add(capsys, *files)
    try:
        code, said = submit(capsys, tmp_path)
    finally:  # this module's Azurite: the next test must not install it
        assert main(["nodes", "installers", "remove", files[1].name, "--local", "--yes"]) == 0
    assert code == 3, said  # stuck: only a person can fix the installer
    node = re.search(r"The start task failed on node (\S+) of pool (\S+) \(exit code 1\)", said)
    assert node is not None, said
    assert f"StartTaskFailed: the start task failed on 1 of 1 node ({node[1]}:" in said
    assert f"{files[1].name} (run) exited 3" in said, said
    assert "licence agreement not accepted (pass --accept)" in said, said


def test_on_azure_the_uploaded_installers_make_the_new_pools_start_task(azurite, tmp_path):
    blobs = key_client(azurite)
    conn = Connection(batch=None, blobs=blobs, where="Azure", local=False)  # type: ignore[arg-type]
    container = f"inst-{uuid.uuid4().hex[:8]}"
    plain = SubmitSettings()
    assert with_install_route(conn, plain, container=container) == plain  # check_route refuses
    archive = maya_archive(tmp_path, name=f"maya-{uuid.uuid4().hex[:6]}.tar.gz")
    add_installers(blobs, [archive], digests=sha256_of, container=container)

    made = with_install_route(conn, plain, container=container)
    assert made.node_python == MAYAPY_WRAPPER["linux"]
    assert made.start_task is not None and made.start_task.wait_for_success
    assert [f.file_path for f in made.start_task.resource_files][1:] == [
        f"installers/{archive.name}"
    ]
    url = made.start_task.resource_files[1].http_url or ""
    expiry = parse_qs(urlsplit(url).query)["se"][0]
    lasts = datetime.fromisoformat(expiry.replace("Z", "+00:00")) - datetime.now(timezone.utc)
    assert lasts > timedelta(days=300)  # nodes join the pool long after this job (a key: a year)
    check_route(made, entra=False, local=False)  # no longer refused

    for kept in (
        replace(plain, stand_in=True),
        replace(plain, pool=PoolChoice("existing", "p")),
        replace(plain, node_os="windows"),  # no Windows installer: check_route says so
    ):
        assert with_install_route(conn, kept, container=container) == kept
    own = replace(plain, node_python="/opt/maya/bin/mayapy")
    assert with_install_route(conn, own, container=container).node_python == own.node_python

    blobs.get_blob_client(container, LIST_BLOB).upload_blob(b"not json", overwrite=True)
    with pytest.raises(RouteError, match=r"^install at node start: .*installers"):
        with_install_route(conn, plain, container=container)
