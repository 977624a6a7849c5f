"""`check_pool` on the real local pool: a task per node, its report judged, the job deleted.

The local pool's nodes are this machine, which has no Maya: the check must fail them with the
remedy. The test installer's mayapy put on PATH through the job's variables makes it pass.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from azure_batch_maya.app.connect import Connection, connect
from azure_batch_maya.app.pools.check import (
    CHECK_SCRIPT,
    NODE_SCRIPT,
    CheckOptions,
    NodeCheckError,
    check_command_line,
    check_pool,
)
from azure_batch_maya.services import jobs, pools
from azure_batch_maya.services.batch import MarketplaceImage, PoolSpec
from azure_batch_maya.services.errors import NotFoundError
from tests.cli.localjobs import wait_until
from tests.node.installer import maya_archive, unpack

UBUNTU = MarketplaceImage("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04")


def test_node_check_arguments_are_plain_words():
    line = check_command_line("linux", ["mtoa"], ["ADSKFLEX_LICENSE_FILE"])
    assert line.startswith("/bin/sh -c ") and "--plugin mtoa" in line
    with pytest.raises(NodeCheckError, match="cannot be passed"):
        check_command_line("windows", ["mtoa; rm"], [])


def job_going(conn: Connection, job_id: str) -> bool:
    """Deleted, or being deleted (the service deletes a job in the background)."""
    try:
        return jobs.get_job(conn.batch, job_id).state == "deleting"
    except NotFoundError:
        return True


@pytest.mark.skipif(sys.platform == "win32", reason="a Linux node's command line")
def test_the_check_runs_with_the_first_python_new_enough(tmp_path):
    work = tmp_path / "wd"
    work.mkdir()
    shutil.copy(CHECK_SCRIPT, work / NODE_SCRIPT)
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (old / "python3").write_text("#!/bin/sh\nexit 1\n")  # a Python 3.6: the probe fails
    (old / "python3").chmod(0o755)
    (new / "mayapy").symlink_to(sys.executable)
    argv = shlex.split(check_command_line("linux", [], []))
    env = {"AZ_BATCH_NODE_SHARED_DIR": str(tmp_path), "AZ_BATCH_NODE_ID": "n1"}

    none = subprocess.run(
        argv, cwd=work, env={**env, "PATH": f"{old}:/bin"}, capture_output=True, text=True
    )
    assert none.returncode == 127
    assert none.stderr == "no Python 3.7+ on this node: neither python3 nor mayapy\n"
    found = subprocess.run(
        argv, cwd=work, env={**env, "PATH": f"{old}:{new}:/bin"}, capture_output=True, text=True
    )
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["node_id"] == "n1"


@pytest.fixture
def conn(local_home: Path) -> Connection:
    return connect(local=True, start=False)


@pytest.fixture
def pool(conn: Connection):
    pool_id = f"check-{uuid.uuid4().hex[:8]}"
    pools.create_pool(
        conn.batch,
        PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU, dedicated_nodes=2, task_slots_per_node=2),
    )

    def idle() -> bool:
        nodes = pools.list_nodes(conn.batch, pool_id)
        return len(nodes) == 2 and all(n.state == "idle" for n in nodes)

    wait_until(idle, what="two idle nodes")
    yield pool_id
    pools.begin_delete_pool(conn.batch, pool_id, polling_interval=1)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="the fake mayapy is a sh script")
def test_each_node_is_checked_once_and_the_job_is_deleted(conn, pool, tmp_path):
    seen: list[tuple[int, int]] = []
    without = check_pool(
        conn,
        pool,
        CheckOptions(renderers=("arnold",), min_free_gb=0),
        interval=0.2,
        on_progress=lambda done, total: seen.append((done, total)),
    )
    assert sorted(n.node_id for n in without.nodes) == sorted(
        n.id for n in pools.list_nodes(conn.batch, pool)
    )
    assert seen[-1] == (2, 2)
    for node in without.nodes:
        assert not node.ok
        assert [f.what for f in node.failures] == ["mayapy"]
        assert "nodes installers add" in node.failures[0].remedy
    assert job_going(conn, without.job_id)

    unpack(maya_archive(tmp_path), tmp_path / "maya")
    bin_dir = tmp_path / "maya" / "maya-test" / "bin"
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    licence = f"{server.getsockname()[1]}@127.0.0.1"
    environment = {"PATH": path, "ADSKFLEX_LICENSE_FILE": licence}
    with server:
        with_maya = check_pool(
            conn,
            pool,
            CheckOptions(renderers=("arnold",), environment=environment, min_free_gb=0),
            interval=0.2,
        )
    assert with_maya.ok, [n.to_json() for n in with_maya.nodes]
    for node in with_maya.nodes:
        assert next(f for f in node.findings if f.what == f"licence {licence}").ok
        assert node.maya == "2025"
        maya = next(f for f in node.findings if f.what == "Maya")
        assert maya.detail == f"Maya 2025 at {bin_dir / 'mayapy'}"
        assert next(f for f in node.findings if f.what == "plug-in mtoa").ok


@pytest.mark.slow
def test_a_sample_checks_fewer_nodes_and_an_empty_pool_says_to_resize(conn, pool):
    one = check_pool(conn, pool, CheckOptions(sample=1, min_free_gb=0), interval=0.2)
    assert len(one.nodes) == 1
    empty = f"empty-{uuid.uuid4().hex[:8]}"
    pools.create_pool(conn.batch, PoolSpec(empty, "Standard_D4s_v5", UBUNTU))
    try:
        with pytest.raises(NodeCheckError, match=f"pools resize {empty} --dedicated 1"):
            check_pool(conn, empty)
    finally:
        pools.begin_delete_pool(conn.batch, empty, polling_interval=1)
