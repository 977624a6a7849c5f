"""Pools: create, inspect, resize (to 0 between jobs) and delete; their nodes and images."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from azure.batch import BatchClient, models
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from azure_batch_maya.services.batch import PoolSpec, TaskContainer, pool_create_options
from azure_batch_maya.services.errors import NotFoundError, ServiceError
from azure_batch_maya.services.operations import Operation, account_name, batch_call

log = logging.getLogger(__name__)


def create_pool(client: BatchClient, spec: PoolSpec) -> None:
    """Create a persistent pool; `AlreadyExistsError` if the id is taken."""
    with batch_call(client, f"creating pool {spec.id}"):
        client.create_pool(pool_create_options(spec))
    log.info(
        "created pool %s (%d dedicated, %d Spot)", spec.id, spec.dedicated_nodes, spec.spot_nodes
    )


def get_pool(
    client: BatchClient, pool_id: str, *, select: Sequence[str] | None = None
) -> models.BatchPool:
    """A pool, optionally only the `select`ed properties."""
    with batch_call(client, f"getting pool {pool_id}"):
        return client.get_pool(pool_id, select=list(select) if select else None)


def pool_exists(client: BatchClient, pool_id: str) -> bool:
    """Whether the pool exists, asking only for its id.

    azure-batch 15.1.0's own `pool_exists()` raises instead of answering False.
    """
    with batch_call(client, f"checking pool {pool_id}"):
        try:
            client.get_pool(pool_id, select=["id"])
        except ResourceNotFoundError:
            return False
    return True


def list_pools(
    client: BatchClient, *, filter: str | None = None, select: Sequence[str] | None = None
) -> list[models.BatchPool]:
    """Pools matching an OData `$filter`, with only the `$select`ed properties if given."""
    with batch_call(client, "listing pools"):
        return list(client.list_pools(filter=filter, select=list(select) if select else None))


def begin_resize_pool(
    client: BatchClient,
    pool_id: str,
    *,
    dedicated_nodes: int,
    spot_nodes: int = 0,
    polling_interval: int = 5,
) -> Operation:
    """Start resizing a pool (to 0 between jobs, so idle nodes cost nothing)."""
    options = models.BatchPoolResizeOptions(
        target_dedicated_nodes=dedicated_nodes, target_low_priority_nodes=spot_nodes
    )
    action = f"resizing pool {pool_id}"
    with batch_call(client, action):
        poller = client.begin_resize_pool(pool_id, options, polling_interval=polling_interval)
    log.info("resizing pool %s to %d dedicated, %d Spot", pool_id, dedicated_nodes, spot_nodes)
    return Operation(poller, account=account_name(client), action=action)


def begin_delete_pool(client: BatchClient, pool_id: str, *, polling_interval: int = 5) -> Operation:
    """Start deleting a pool; waiting ends when the service no longer knows it."""
    action = f"deleting pool {pool_id}"
    with batch_call(client, action):
        poller = client.begin_delete_pool(pool_id, polling_interval=polling_interval)
    log.info("deleting pool %s", pool_id)
    return Operation(poller, account=account_name(client), action=action)


def list_nodes(
    client: BatchClient,
    pool_id: str,
    *,
    select: Sequence[str] | None = None,
    missing_ok: bool = False,
) -> list[models.BatchNode]:
    """A pool's nodes (state, Spot or dedicated), `$select`ed if given.

    With `missing_ok`, a pool deleted since it was listed (an auto-pool whose job ended) has
    no nodes rather than raising `NotFoundError`.
    """
    try:
        with batch_call(client, f"listing nodes of pool {pool_id}"):
            return list(client.list_nodes(pool_id, select=list(select) if select else None))
    except NotFoundError:
        if missing_ok:
            return []
        raise


class ContainerPoolError(ValueError):
    """A container pool whose tasks' image cannot be known; the message says what to give."""


def node_file_text(client: BatchClient, pool_id: str, node_id: str, path: str) -> str:
    """A file of a node's (`startup/stderr.txt`) as text; empty when it cannot be read (the node
    gone or reimaged meanwhile): callers show what there is, never fail for it."""
    try:
        with batch_call(client, f"reading {path} on node {node_id}"):
            data = b"".join(client.download_node_file(pool_id, node_id, path))
    except (ServiceError, HttpResponseError) as exc:
        log.debug("no %s on %s: %s", path, node_id, exc)
        return ""
    return data.decode("utf-8", errors="replace")


def task_container_for(pool: models.BatchPool) -> TaskContainer | None:
    """The container every task on an existing pool must name (None: not a container pool).

    Batch refuses a task without one on a container pool. The pool's first prefetched image
    is the one; its registry is left out, as Batch allows when the pool names it.
    """
    vm = pool.virtual_machine_configuration
    containers = vm.container_configuration if vm else None
    if containers is None:
        return None
    names = containers.container_image_names or []
    if not names:
        raise ContainerPoolError(
            f"pool {pool.id} runs tasks in containers but names no image to prefetch; give "
            "the image with --container-image (or on the Env tab)"
        )
    return TaskContainer(names[0])


def list_supported_images(client: BatchClient) -> list[models.BatchSupportedImage]:
    """The images and node agents the account offers (pick Ubuntu 24.04 over 22.04)."""
    with batch_call(client, "listing supported images"):
        return list(client.list_supported_images())


def check_batch_account(client: BatchClient) -> None:
    """One cheap call that fails with our error unless the account answers and accepts us."""
    with batch_call(client, "checking the Batch account"):
        next(iter(client.list_pools(max_results=1, select=["id"])), None)
