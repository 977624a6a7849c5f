"""The SDK's errors, raised by the real BatchClient from real HTTP answers, come out as ours."""

from __future__ import annotations

import pytest
from azure.core.exceptions import ServiceRequestError

from azure_batch_maya.services.batch import JobSpec
from azure_batch_maya.services.clients import ClientOptions, create_batch_client
from azure_batch_maya.services.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ConnectionFailedError,
    NotFoundError,
    QuotaError,
    ServiceError,
    ThrottledError,
    translate_error,
)
from azure_batch_maya.services.jobs import create_job
from azure_batch_maya.services.pools import create_pool, get_pool, list_pools, pool_exists
from azure_batch_maya.services.settings import Secrets, ServiceSettings
from tests.services.scripted_server import KEY, Reply, batch_client, batch_error
from tests.services.specs import ubuntu_pool


def test_a_refused_key_names_the_account_and_the_config_tab(scripted):
    refusal = batch_error(
        403,
        "AuthenticationFailed",
        "Server failed to authenticate the request. Make sure the value of Authorization "
        "header is correctly formed including the signature.",
        {
            "AuthenticationErrorDetail": "The MAC signature found in the HTTP request is not "
            "the same as any computed signature."
        },
    )
    scripted.script(refusal)
    with pytest.raises(AuthenticationError) as refused:
        list_pools(batch_client(scripted.url))
    error = refused.value
    assert error.code == "AuthenticationFailed"
    assert error.status == 403
    assert error.message.startswith(
        "Listing pools failed: Batch refused the key for account render:"
    )
    assert "check the key on the Config tab" in error.message
    assert error.request_id == refusal.headers["request-id"]
    assert scripted.seen[0].headers["Authorization"].startswith("SharedKey render:")
    assert KEY not in str(error)


def test_a_missing_pool_is_not_found_and_pool_exists_says_false(scripted):
    scripted.script(
        batch_error(404, "PoolNotFound", "The specified pool does not exist."),
        batch_error(404, "PoolNotFound", "The specified pool does not exist."),
    )
    client = batch_client(scripted.url)
    with pytest.raises(NotFoundError) as missing:
        get_pool(client, "shot010")
    assert missing.value.code == "PoolNotFound"
    assert "pick or create another pool" in missing.value.message
    assert pool_exists(client, "shot010") is False
    assert "%24select=id" in scripted.seen[1].path or "$select=id" in scripted.seen[1].path


def test_a_taken_job_id_is_already_exists(scripted):
    scripted.script(batch_error(409, "JobExists", "The specified job already exists."))
    with pytest.raises(AlreadyExistsError) as taken:
        create_job(batch_client(scripted.url), JobSpec(id="job-1", pool_id="p"))
    assert taken.value.code == "JobExists"
    assert "Pick another name" in taken.value.message


def test_a_core_quota_is_a_quota_error_with_a_way_out(scripted):
    scripted.script(
        batch_error(
            409,
            "AccountCoreQuotaReached",
            "The specified account has reached its core quota.",
        )
    )
    with pytest.raises(QuotaError) as quota:
        create_pool(batch_client(scripted.url), ubuntu_pool(dedicated_nodes=500))
    assert quota.value.code == "AccountCoreQuotaReached"
    assert "Quotas" in quota.value.message


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (batch_error(503, "ServerBusy", "The server is busy."), "ServerBusy"),
        (Reply(429, None, {"Retry-After": "0"}), "Http429"),
    ],
)
def test_throttling_after_retries_is_throttled(scripted, reply, code):
    scripted.script(reply)
    with pytest.raises(ThrottledError) as throttled:
        list_pools(batch_client(scripted.url))
    assert throttled.value.code == code
    assert "wait a minute" in throttled.value.message


def test_retries_are_azure_cores_and_succeed_after_a_busy_answer(scripted):
    busy = batch_error(503, "ServerBusy", "The server is busy.")
    busy.headers["Retry-After"] = "0"
    listing = Reply(200, {"odata.metadata": "x#pools", "value": [{"id": "p1"}]})
    scripted.script(busy, busy, listing)
    settings = ServiceSettings(batch_url=scripted.url, batch_account="render")
    client = create_batch_client(
        settings, Secrets(batch_key=KEY), options=ClientOptions(retry_total=3, retry_backoff=0)
    )
    assert [p.id for p in list_pools(client)] == ["p1"]
    assert len(scripted.seen) == 3


def test_an_unexpected_server_error_keeps_the_services_words(scripted):
    scripted.script(batch_error(500, "InternalServerError", "Something broke inside."))
    with pytest.raises(ServiceError) as failed:
        list_pools(batch_client(scripted.url))
    assert type(failed.value) is ServiceError
    assert "Something broke inside." in failed.value.message
    assert "RequestId" not in failed.value.message


def test_a_dropped_connection_is_a_connection_failure(scripted):
    scripted.script(Reply(200, drop=True))
    with pytest.raises(ConnectionFailedError) as dropped:
        list_pools(batch_client(scripted.url))
    assert dropped.value.status == 0


def test_an_unknown_account_host_says_to_check_the_account_name():
    lookup_failed = ServiceRequestError(
        "<urllib3.connection.HTTPSConnection object>: Failed to resolve "
        "'nosuchaccount.westeurope.batch.azure.com' ([Errno -2] Name or service not known)"
    )
    error = translate_error(lookup_failed, service="batch", account="nosuchaccount")
    assert isinstance(error, ConnectionFailedError)
    assert error.code == "HostNotFound"
    assert "check the account name and URL on the Config tab" in error.message
