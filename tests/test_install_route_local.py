"""Install at node start, end to end on the local pool: the shipped start task installs the test
Maya installer on each node as it joins, and `pools check` finds its mayapy; a broken installer
fails the node (`starttaskfailed`) and the check names the node and its start task's stderr.

Needs a local pool that runs pools' start tasks; one that does not yet is skipped, saying so.
"""

from __future__ import annotations

import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from azure_batch_maya.app.connect import Connection, connect
from azure_batch_maya.app.pools.check import CheckOptions, check_pool
from azure_batch_maya.app.pools.install import install_start_task
from azure_batch_maya.assets.hashcache import sha256_of
from azure_batch_maya.services import pools
from azure_batch_maya.services.batch import MarketplaceImage, PoolSpec, StartTaskSpec
from azure_batch_maya.transfer.installers import add_installers
from tests.cli.localjobs import wait_until
from tests.node.installer import broken_installer, maya_archive

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="the Linux start-task script"),
]
UBUNTU = MarketplaceImage("canonical", "ubuntu-24_04-lts", "server", "batch.node.ubuntu 24.04")


@pytest.fixture
def conn(local_home: Path) -> Connection:
    return connect(local=True, start=False)


def start_task(conn: Connection, files: list[Path], container: str) -> StartTaskSpec:
    add_installers(conn.blobs, files, digests=sha256_of, container=container)
    return install_start_task(
        conn.blobs, node_os="linux", container=container, lifetime=timedelta(hours=2)
    )


def pool_with(conn: Connection, spec: StartTaskSpec, nodes: int) -> str:
    pool_id = f"install-{uuid.uuid4().hex[:8]}"
    pools.create_pool(
        conn.batch, PoolSpec(pool_id, "Standard_D4s_v5", UBUNTU, nodes, start_task=spec)
    )
    return pool_id


def settled(conn: Connection, pool_id: str, count: int) -> list[str]:
    """The nodes' states once none is still starting."""
    states: list[str] = []

    def done() -> bool:
        nodes = pools.list_nodes(conn.batch, pool_id)
        states[:] = [str(getattr(n.state, "value", n.state)) for n in nodes]
        if len(nodes) == count and all(s in ("idle", "starttaskfailed") for s in states):
            if all(n.start_task_info is None for n in nodes):
                pytest.skip("this local pool does not run start tasks yet")
            return True
        return False

    wait_until(done, timeout=60, what=f"the nodes of {pool_id} to finish their start task")
    return states


def test_the_start_task_installs_maya_on_each_node_and_the_check_finds_it(conn, tmp_path):
    name = f"maya-{uuid.uuid4().hex[:6]}.tar.gz"
    spec = start_task(conn, [maya_archive(tmp_path, name=name)], f"inst-{uuid.uuid4().hex[:8]}")
    pool_id = pool_with(conn, spec, 2)
    try:
        assert settled(conn, pool_id, 2) == ["idle", "idle"]
        report = check_pool(
            conn, pool_id, CheckOptions(renderers=("arnold",), min_free_gb=0), interval=0.3
        )
        assert report.ok, [n.to_json() for n in report.nodes]
        for node in report.nodes:
            assert node.maya == "2025"
            maya = node.report["maya"] if node.report else {}
            assert maya["how"] == "installed at node start"
            assert maya["path"].endswith("/azbm-install/bin/mayapy")
    finally:
        pools.begin_delete_pool(conn.batch, pool_id, polling_interval=1)


def test_a_broken_installer_fails_the_node_and_the_check_names_it_with_its_stderr(conn, tmp_path):
    files = [maya_archive(tmp_path, name=f"maya-{uuid.uuid4().hex[:6]}.tar.gz")]
    files.append(broken_installer(tmp_path, name=f"broken-{uuid.uuid4().hex[:6]}.run"))
    spec = start_task(conn, files, f"inst-{uuid.uuid4().hex[:8]}")
    pool_id = pool_with(conn, spec, 1)
    try:
        assert settled(conn, pool_id, 1) == ["starttaskfailed"]
        report = check_pool(conn, pool_id, CheckOptions(min_free_gb=0), interval=0.3)
        (node,) = report.nodes
        assert not node.ok and node.state == "starttaskfailed"
        (finding,) = node.failures
        assert finding.what == "start task"
        assert f"{files[1].name} (run) exited 3" in finding.detail
        assert "licence agreement not accepted (pass --accept)" in finding.detail
        assert "startup/wd/install.log" in finding.remedy
        assert report.job_id == ""  # no node could run the check: no job was made
    finally:
        pools.begin_delete_pool(conn.batch, pool_id, polling_interval=1)


def test_nodes_still_running_their_start_task_are_reported_not_ready(conn):
    sleeping = StartTaskSpec(command_line=f"{sys.executable} -c 'import time; time.sleep(60)'")
    pool_id = pool_with(conn, sleeping, 1)
    try:

        def listed() -> bool:
            return len(pools.list_nodes(conn.batch, pool_id)) == 1

        wait_until(listed, what="the node")
        (node,) = pools.list_nodes(conn.batch, pool_id)
        if node.state == "idle" and node.start_task_info is None:
            pytest.skip("this local pool does not run start tasks yet")
        report = check_pool(conn, pool_id, CheckOptions(min_free_gb=0), interval=0.3)
        (row,) = report.nodes
        assert not row.ok and row.failures[0].detail.startswith("not ready yet (")
        assert "pools list" in row.failures[0].remedy
        assert report.job_id == ""
    finally:
        pools.begin_delete_pool(conn.batch, pool_id, polling_interval=1)
