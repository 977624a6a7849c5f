"""Account-wide lists: the supported images and the node counts of every pool.

Every pool of the local pool runs on this machine, so the images offered are the usual
Batch images of this machine's OS; a pool may still name any image (it is not provisioned).
"""

from __future__ import annotations

import sys
from typing import Any

from azure_batch_maya.local import rest
from azure_batch_maya.local.context import Operations, Request
from azure_batch_maya.local.rest import Reply

Doc = dict[str, Any]

_LINUX_IMAGES = (
    ("batch.node.ubuntu 24.04", "canonical", "ubuntu-24_04-lts", "server"),
    ("batch.node.ubuntu 22.04", "canonical", "0001-com-ubuntu-server-jammy", "22_04-lts"),
)
_WINDOWS_IMAGES = (
    ("batch.node.windows amd64", "microsoftwindowsserver", "windowsserver", "2022-datacenter"),
)
_NODE_STATES = (
    "creating", "deallocated", "deallocating", "idle", "leavingPool", "offline", "preempted",
    "rebooting", "reimaging", "running", "starting", "startTaskFailed", "unusable", "unknown",
    "upgradingOS", "waitingForStartTask",
)  # fmt: skip
# Node states are lower case on nodes and camel case in `nodecounts`.
_COUNT_NAMES = {state.lower(): state for state in _NODE_STATES}


def supported_images() -> list[Doc]:
    """The images a pool of this machine's OS would be offered."""
    windows = sys.platform == "win32"
    return [
        {
            "nodeAgentSKUId": agent,
            "imageReference": {"publisher": publisher, "offer": offer, "sku": sku,
                               "version": "latest"},
            "osType": "windows" if windows else "linux",
            "capabilities": [],
            "verificationType": "verified",
        }
        for agent, publisher, offer, sku in (_WINDOWS_IMAGES if windows else _LINUX_IMAGES)
    ]  # fmt: skip


def node_counts(pool_id: str, nodes: list[Doc]) -> Doc:
    """A `poolnodecounts` entry: nodes per state, dedicated and Spot apart."""

    def count(dedicated: bool) -> Doc:
        mine = [node for node in nodes if node["isDedicated"] == dedicated]
        counts: Doc = {state: 0 for state in _NODE_STATES}
        for node in mine:
            state = _COUNT_NAMES.get(str(node["state"]), str(node["state"]))
            counts[state] = counts.get(state, 0) + 1
        counts["total"] = len(mine)
        return counts

    return {"poolId": pool_id, "dedicated": count(True), "lowPriority": count(False)}


class AccountOperations(Operations):
    """Lists over the whole account."""

    ROUTES = (
        ("GET", "/supportedimages", "list_supported_images"),
        ("GET", "/nodecounts", "list_pool_node_counts"),
    )

    def list_supported_images(self, request: Request, _: tuple[str, ...]) -> Reply:
        images = sorted(supported_images(), key=lambda image: str(image["nodeAgentSKUId"]))
        return rest.list_reply(
            self.base,
            "supportedimages",
            request.path,
            request.query,
            lambda start: [i for i in images if i["nodeAgentSKUId"] > (start or "")],
            key="nodeAgentSKUId",
        )

    def list_pool_node_counts(self, request: Request, _: tuple[str, ...]) -> Reply:
        counts = [
            node_counts(pool["id"], self.store.list_nodes(pool["id"]))
            for pool in self.store.list_pools()
        ]
        return rest.list_reply(
            self.base,
            "poolnodecounts",
            request.path,
            request.query,
            lambda start: [c for c in counts if c["poolId"] > (start or "")],
            key="poolId",
        )
