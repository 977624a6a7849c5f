"""Helpers for the local pool tests: a real BatchClient on the session's local pool."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import pytest
from azure.batch import BatchClient
from azure.batch import models as m
from azure.core.exceptions import HttpResponseError

from azure_batch_maya.local.process import LocalPoolProcess

IMAGE = m.VirtualMachineConfiguration(
    image_reference=m.BatchVmImageReference(
        publisher="canonical", offer="ubuntu-24_04-lts", sku="server"
    ),
    node_agent_sku_id="batch.node.ubuntu 24.04",
)


def py(code: str) -> str:
    """A task command line running `code` with this Python (no shell, as Batch runs it)."""
    assert '"' not in code
    return f'"{sys.executable}" -S -c "{code}"'


def wait_for(check: Callable[[], Any], timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Poll until `check()` is truthy and return it; fail the test on timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


def code_of(error: HttpResponseError) -> str:
    """The service's error code carried by an SDK exception."""
    assert error.error is not None
    return str(error.error.code)


def pool_options(pool_id: str, nodes: int = 2, **extra: Any) -> m.BatchPoolCreateOptions:
    return m.BatchPoolCreateOptions(
        id=pool_id,
        vm_size="standard_d2s_v3",
        virtual_machine_configuration=IMAGE,
        target_dedicated_nodes=nodes,
        **extra,
    )


def client_for(pool: LocalPoolProcess) -> BatchClient:
    return BatchClient(pool.url, pool.credential())


@pytest.fixture(scope="session")
def batch(local_pool: LocalPoolProcess) -> BatchClient:
    """The real azure-batch client, over HTTP with SharedKey, against the session local pool."""
    return client_for(local_pool)
