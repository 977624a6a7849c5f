"""Pools over HTTP on the local pool: create, find, resize, list nodes, delete; the key checked."""

from __future__ import annotations

import pytest

from azure_batch_maya.services.batch import metadata_dict
from azure_batch_maya.services.clients import ClientOptions, create_batch_client
from azure_batch_maya.services.errors import AlreadyExistsError, AuthenticationError, NotFoundError
from azure_batch_maya.services.pools import (
    begin_delete_pool,
    begin_resize_pool,
    check_batch_account,
    create_pool,
    get_pool,
    list_nodes,
    list_pools,
    pool_exists,
)
from azure_batch_maya.services.settings import Secrets, ServiceSettings
from tests.services.specs import ubuntu_pool, unique


def test_the_local_pool_answers_and_accepts_the_key(batch):
    check_batch_account(batch)


def test_a_wrong_key_is_refused_by_the_local_pool(local_pool):
    settings = ServiceSettings(batch_url=local_pool.url, batch_account=local_pool.account_name)
    wrong = create_batch_client(
        settings, Secrets(batch_key="d3Jvbmc="), options=ClientOptions(retry_total=0)
    )
    with pytest.raises(AuthenticationError) as refused:
        check_batch_account(wrong)
    assert refused.value.code == "AuthenticationFailed"
    assert "Config tab" in refused.value.message


def test_pools_are_created_found_resized_listed_and_deleted(batch):
    pool_id = unique("pool")
    assert pool_exists(batch, pool_id) is False
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=1, metadata={"kind": "test"}))
    with pytest.raises(AlreadyExistsError):
        create_pool(batch, ubuntu_pool(pool_id))
    assert pool_exists(batch, pool_id) is True
    pool = get_pool(batch, pool_id)
    assert pool.target_dedicated_nodes == 1
    assert metadata_dict(pool.metadata) == {"kind": "test"}

    begin_resize_pool(batch, pool_id, dedicated_nodes=2, polling_interval=1).wait(timeout=30)
    assert get_pool(batch, pool_id).target_dedicated_nodes == 2
    nodes = list_nodes(batch, pool_id, select=["id", "state", "isDedicated"])
    assert len(nodes) == 2
    assert all(node.is_dedicated for node in nodes)

    listed = list_pools(batch, filter=f"id eq '{pool_id}'", select=["id", "state"])
    assert [p.id for p in listed] == [pool_id]
    assert listed[0].vm_size is None

    begin_delete_pool(batch, pool_id, polling_interval=1).wait(timeout=30)
    assert pool_exists(batch, pool_id) is False
    with pytest.raises(NotFoundError):
        get_pool(batch, pool_id)


def test_waiting_on_an_operation_says_whether_it_finished(batch):
    pool_id = unique("pool")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=1))
    deleting = begin_delete_pool(batch, pool_id, polling_interval=1)
    assert deleting.wait(timeout=30) is True
    assert deleting.done()


def test_nodes_of_a_pool_deleted_meanwhile(batch):
    gone = unique("gone")
    assert list_nodes(batch, gone, missing_ok=True) == []
    with pytest.raises(NotFoundError):
        list_nodes(batch, gone)
