"""Findings from a node's report: each failure named, with what to do."""

from __future__ import annotations

from typing import Any

from azure_batch_maya.app.pools.findings import findings_of


def report(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "os": {"system": "Linux", "distro": "Rocky Linux 9.3"},
        "maya": {"path": "/usr/autodesk/maya2025/bin/mayapy", "version": "2025", "plugins": []},
        "licences": [],
        "disk": {"path": "/mnt/batch/tasks/wd", "free_bytes": 50e9},
        "gpus": {"nvidia_smi": False, "gpus": []},
    }
    base.update(overrides)
    return base


def test_findings_name_each_failure_with_its_remedy():
    good = findings_of(report(), renderers=(), min_free_gb=20)
    assert all(f.ok for f in good)
    assert [f.what for f in good] == ["Maya", "disk", "GPU"]

    bad = findings_of(
        report(
            maya={
                "path": "/x/mayapy",
                "version": "2025",
                "plugins": [{"plugin": "mtoa", "loaded": False, "error": "not found"}],
            },
            licences=[
                {
                    "variable": "ADSKFLEX_LICENSE_FILE",
                    "servers": [{"server": "27000@lic", "reachable": False, "error": "timed out"}],
                }
            ],
            disk={"path": "/wd", "free_bytes": 3e9},
        ),
        renderers=("arnold", "redshift"),
        min_free_gb=20,
    )
    failures = {f.what: f for f in bad if not f.ok}
    assert set(failures) == {
        "plug-in mtoa",
        "plug-in redshift4maya",
        "licence 27000@lic",
        "disk",
        "GPU",
    }
    assert "subnet on the Env tab" in failures["licence 27000@lic"].remedy
    assert failures["disk"].detail == "3.0 GB free in /wd"
    assert "N-series" in failures["GPU"].remedy
    assert "nodes installers add" in failures["plug-in mtoa"].remedy

    none = findings_of(report(maya={"path": None, "plugins": []}), renderers=(), min_free_gb=1)
    assert not none[0].ok and none[0].what == "mayapy"
    assert "install-at-node-start route" in none[0].remedy
