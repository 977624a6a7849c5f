"""`nodes installers …` and `pools check` through the CLI, on the local pool and its Azurite."""

from __future__ import annotations

import io
import os
import sys
import uuid

import pytest

from azure_batch_maya.cli import main
from azure_batch_maya.services import pools
from azure_batch_maya.services.batch import PoolSpec
from azure_batch_maya.settings.preferences import was_checked
from tests.cli.localjobs import UBUNTU, VM_SIZE, local, run_json, wait_until
from tests.cli.test_hostile_args import check, place, run
from tests.node.installer import maya_archive, unpack

pytestmark = pytest.mark.slow
__all__ = ["place"]


def test_installers_add_list_remove(local_home, capsys, tmp_path, monkeypatch):
    # the session's Azurite is shared: make contents of this test's own
    archive = maya_archive(tmp_path, name=f"maya-{uuid.uuid4().hex[:6]}.tar.gz")
    rpm = tmp_path / f"mtoa-{uuid.uuid4().hex[:6]}.rpm"
    rpm.write_bytes(os.urandom(2000))
    code = main(["nodes", "installers", "add", str(archive), str(rpm), "--local"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"Added {archive.name}, {rpm.name}" in out and "sent 2 file(s)" in out
    assert "[##############################]" in err  # the progress bar reached its end

    code, listed = run_json(capsys, "nodes", "installers", "list", "--local")
    names = [i["name"] for i in listed["installers"]]
    assert code == 0 and names[-2:] == [archive.name, rpm.name]
    mine = {i["name"]: i for i in listed["installers"]}
    assert (mine[rpm.name]["os"], mine[rpm.name]["kind"], mine[rpm.name]["size"]) == (
        "linux",
        "rpm",
        2000,
    )

    code, again = run_json(capsys, "nodes", "installers", "add", str(rpm), "--local")
    assert code == 0 and again["uploaded_files"] == 0

    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal, no --yes: nothing goes
    assert main(["nodes", "installers", "remove", rpm.name, "--local"]) == 2
    assert "not deleting installer" in capsys.readouterr().err
    code, listed = run_json(capsys, "nodes", "installers", "list", "--local")
    assert rpm.name in [i["name"] for i in listed["installers"]]

    assert main(["nodes", "installers", "remove", rpm.name, "--local", "--yes"]) == 0
    assert f"Removed {rpm.name}." in capsys.readouterr().out
    code, listed = run_json(capsys, "nodes", "installers", "list", "--local")
    assert rpm.name not in [i["name"] for i in listed["installers"]]

    assert main(["nodes", "installers", "remove", rpm.name, "--local", "--yes"]) == 2
    assert f"no installer named '{rpm.name}'" in capsys.readouterr().err
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ")
    assert main(["nodes", "installers", "add", str(exe), "--local"]) == 2
    err = capsys.readouterr().err
    assert "an .exe needs its silent switches" in err and "Traceback" not in err
    # the session's Azurite is shared: a Maya installer left listed there would make every
    # later local submit without --stand-in install it at node start
    assert main(["nodes", "installers", "remove", archive.name, "--local", "--yes"]) == 0


@pytest.fixture
def pool(local_home):
    conn = local()
    pool_id = f"cli-check-{uuid.uuid4().hex[:8]}"
    pools.create_pool(conn.batch, PoolSpec(pool_id, VM_SIZE, UBUNTU, dedicated_nodes=1))
    wait_until(
        lambda: [n.state for n in pools.list_nodes(conn.batch, pool_id)] == ["idle"],
        what="an idle node",
    )
    yield pool_id
    pools.begin_delete_pool(conn.batch, pool_id, polling_interval=1)


@pytest.mark.skipif(sys.platform == "win32", reason="the fake mayapy is a sh script")
def test_pools_check_fails_a_node_without_maya_and_passes_it_with_one(pool, capsys, tmp_path):
    assert not was_checked(pool)
    code = main(["pools", "check", pool, "--local", "--renderer", "arnold", "--min-free-gb", "0"])
    out, err = capsys.readouterr()
    assert code == 1, err
    assert f"Checking nodes of {pool}: 1 of 1 done" in err
    header, row = out.splitlines()[:2]
    assert header.split() == ["NODE", "STATE", "OS", "MAYA", "RESULT"]
    assert row.split()[-3:] == ["-", "FAILED:", "mayapy"] and " idle " in row
    assert "x tvm" in out and ": mayapy: not found" in out
    assert "what to do: give the pool Maya" in out
    assert f"1 of 1 node(s) of {pool} cannot render as they are." in out
    assert was_checked(pool)

    unpack(maya_archive(tmp_path), tmp_path / "maya")
    path = f"{tmp_path / 'maya' / 'maya-test' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    code, data = run_json(
        capsys,
        "pools",
        "check",
        pool,
        "--local",
        "--renderer",
        "arnold",
        "--min-free-gb",
        "0",
        "--env",
        f"PATH={path}",
    )
    assert code == 0 and data["ok"] is True
    (node,) = data["nodes"]
    assert node["maya"] == "2025"
    assert {f["what"]: f["ok"] for f in node["findings"]} == {
        "Maya": True,
        "plug-in mtoa": True,
        "disk": True,
        "GPU": True,
    }

    assert main(["pools", "check", pool, "--local", "--env", "NOEQUALS"]) == 2
    assert "write it as NAME=VALUE" in capsys.readouterr().err
    assert main(["pools", "check", pool, "--local", "--renderer", "cycles"]) == 2
    assert "cycles" in capsys.readouterr().err
    assert main(["pools", "check", "no-such-pool", "--local"]) == 2
    err = capsys.readouterr().err
    assert "no-such-pool" in err and "Traceback" not in err


def test_submit_offers_the_check_before_the_first_job_on_an_unchecked_pool(pool, capsys, example):
    scene = example / "shot010" / "scenes" / "shot010_lighting.ma"
    argv = ["submit", str(scene), "--search-path", str(example / "texture_library")]
    code = main([*argv, "--local", "--pool", pool, "--frames", "1"])
    err = capsys.readouterr().err
    assert code == 0, err
    notice = (
        f"Pool {pool} has not been checked from here: `azure-batch-maya pools check {pool} --local`"
    )
    assert notice in err
    assert err.index(notice) < err.index("Connected to")  # before anything is sent


HOSTILE = [
    (["pools", "check", "../x"], "is not a Batch id"),
    (["pools", "check", "p1", "--sample", "0"], "--sample"),
    (["pools", "check", "p1", "--sample", "9" * 400], "--sample"),
    (["pools", "check", "p1", "--timeout", "nan"], "--timeout"),
    (["pools", "check", "p1", "--min-free-gb", "nan"], "'nan' GB"),
    (["pools", "check", "p1", "--min-free-gb", "-1"], "'-1' GB"),
    (["pools", "check", "p1", "--env", "NOEQUALS"], "NAME=VALUE"),
    (["pools", "check", "p1"], "no azure accounts are configured"),
    (["pools", "check", "p1", "--local"], "local pool is not running"),
    (["nodes", "installers", "list"], "no azure accounts are configured"),
    (["nodes", "installers", "add", "{t}/missing.rpm", "--local"], "missing.rpm: no such file"),
    (["nodes", "installers", "add", "{t}/folder.ma"], "(a folder)"),
    (["nodes", "installers", "add", "{t}/a_file"], "no azure accounts are configured"),
    (["nodes", "installers", "add", "x.rpm", "--os", "beos"], "invalid choice"),
    (["nodes", "installers", "remove", ""], "not an installer name"),
    (["nodes", "installers", "remove", "x.rpm", "--local"], "not deleting installer x.rpm"),
    (["nodes", "installers", "remove", "x.rpm", "--local", "--yes"], "not running"),
    (["nodes", "installers", "list", "--local"], "local pool is not running"),
    (["nodes", "installers"], "required"),
    (["nodes"], "required"),
]


@pytest.mark.parametrize(("argv", "words"), HOSTILE)
def test_hostile_arguments_get_one_line(argv, words, place, capsys):
    check(*run([a.format(t=place) for a in argv], capsys), words)
