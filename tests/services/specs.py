"""Specs and helpers the Batch tests share."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from azure_batch_maya.services.batch import MarketplaceImage, PoolSpec

T = TypeVar("T")

UBUNTU = MarketplaceImage(
    publisher="canonical",
    offer="ubuntu-24_04-lts",
    sku="server",
    node_agent_sku_id="batch.node.ubuntu 24.04",
)


def ubuntu_pool(pool_id: str = "maya-pool", **overrides: Any) -> PoolSpec:
    values = {"id": pool_id, "vm_size": "standard_d4s_v5", "image": UBUNTU, **overrides}
    return PoolSpec(**values)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def wait_for(condition: Callable[[], T], timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")
