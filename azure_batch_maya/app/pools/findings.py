"""What a node check found, judged: each failure with what to do about it.

`findings_of` turns what `node/check_node.py` printed on one node into findings; `NodeCheck`
and `CheckReport` are what `pools check` prints and the Pools tab's dialog shows (one
definition for both). Pure: no service, no file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from azure_batch_maya.render.renderers import renderer_for

GPU_RENDERERS = {"redshift"}  # renders on NVIDIA GPUs only


@dataclass(frozen=True)
class Finding:
    """One thing checked on one node; a failure carries what to do about it."""

    what: str
    ok: bool
    detail: str
    remedy: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "ok": self.ok, "detail": self.detail, "remedy": self.remedy}


@dataclass(frozen=True)
class NodeCheck:
    node_id: str
    state: str
    os: str
    maya: str  # Maya's version, or "" when none was found
    findings: tuple[Finding, ...]
    report: Mapping[str, Any] | None = None  # what the node printed

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.ok)

    def to_json(self) -> dict[str, Any]:
        return {
            "node_id": self.node_id,
            "state": self.state,
            "os": self.os,
            "maya": self.maya or None,
            "ok": self.ok,
            "findings": [f.to_json() for f in self.findings],
            "report": dict(self.report) if self.report is not None else None,
        }


@dataclass(frozen=True)
class CheckReport:
    pool_id: str
    job_id: str
    nodes: tuple[NodeCheck, ...]

    @property
    def ok(self) -> bool:
        return bool(self.nodes) and all(n.ok for n in self.nodes)

    def to_json(self) -> dict[str, Any]:
        return {
            "pool_id": self.pool_id,
            "job_id": self.job_id,
            "ok": self.ok,
            "nodes": [n.to_json() for n in self.nodes],
        }


def findings_of(
    report: Mapping[str, Any], *, renderers: Sequence[str], min_free_gb: float
) -> tuple[Finding, ...]:
    """What is right and wrong on a node, from what `check_node.py` printed there."""
    out: list[Finding] = []
    maya = report.get("maya") or {}
    path = maya.get("path")
    if not path:
        out.append(
            Finding(
                "mayapy",
                False,
                "not found (AZBM_MAYAPY, $MAYA_LOCATION/bin, the install-at-start wrapper, "
                "PATH, /usr/autodesk/maya*)",
                "give the pool Maya: a custom image with Maya, or the install-at-node-start "
                "route with Maya's installer (`azure-batch-maya nodes installers add FILE`); "
                "or set AZBM_MAYAPY to its path in the Env tab's variables",
            )
        )
    elif maya.get("error"):
        out.append(
            Finding(
                "Maya",
                False,
                f"{path} did not start Maya: {maya['error']}",
                "install the libraries headless Maya needs (docs/nodes.md) and check "
                "startup/wd/install.log on the node",
            )
        )
    else:
        out.append(Finding("Maya", True, f"Maya {maya.get('version', '?')} at {path}"))
    loaded = {p.get("plugin"): p for p in maya.get("plugins", [])}
    for renderer in renderers:
        plugin = renderer_for(renderer).plugin
        if plugin is None:
            continue
        entry = loaded.get(plugin) or {"loaded": False, "error": "not tried"}
        if entry.get("loaded"):
            out.append(Finding(f"plug-in {plugin}", True, "loads"))
        elif path:
            out.append(
                Finding(
                    f"plug-in {plugin}",
                    False,
                    f"did not load: {entry.get('error', '')}".strip(),
                    f"install {renderer_for(renderer).label} for this Maya (add its installer "
                    "with `nodes installers add`), or set MAYA_MODULE_PATH in the Env tab's "
                    "variables to where it is",
                )
            )
    for item in report.get("licences", []):
        for server in item.get("servers", []):
            name = f"licence {server.get('server')}"
            if server.get("reachable"):
                out.append(Finding(name, True, f"answers ({item.get('variable')})"))
            else:
                out.append(
                    Finding(
                        name,
                        False,
                        f"no answer ({item.get('variable')}): {server.get('error', '')}",
                        "put the pool in the licence server's virtual network (a subnet on "
                        "the Env tab) and open that port to the pool's addresses",
                    )
                )
    disk = report.get("disk") or {}
    free = float(disk.get("free_bytes", 0)) / 1e9
    enough = free >= min_free_gb
    out.append(
        Finding(
            "disk",
            enough,
            f"{free:.1f} GB free in {disk.get('path', '?')}",
            ""
            if enough
            else f"choose a VM size with a temporary disk of over {min_free_gb:.0f} GB",
        )
    )
    gpu = report.get("gpus") or {}
    names = [g.get("name", "?") for g in gpu.get("gpus", [])]
    needs_gpu = any(r in GPU_RENDERERS for r in renderers)
    has_gpu = bool(names)
    out.append(
        Finding(
            "GPU",
            has_gpu or not needs_gpu,
            ", ".join(names) if names else "none (no nvidia-smi)",
            "" if has_gpu or not needs_gpu else "Redshift needs an NVIDIA GPU: an N-series VM",
        )
    )
    return tuple(out)
