"""The SDK's errors, raised by the real BatchClient from real HTTP answers, come out as ours."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from azure.core.exceptions import ServiceRequestError

from azure_batch_maya.services.batch import (
    JobSpec,
    TaskSpec,
    create_job,
    create_pool,
    create_tasks,
    get_pool,
    list_pools,
    pool_exists,
)
from azure_batch_maya.services.clients import ClientOptions, create_batch_client
from azure_batch_maya.services.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ConflictError,
    ConnectionFailedError,
    NotFoundError,
    QuotaError,
    ServiceError,
    TaskSubmissionError,
    ThrottledError,
    translate_error,
)
from azure_batch_maya.services.settings import Secrets, ServiceSettings
from tests.services.scripted_server import Reply, batch_error
from tests.services.test_batch import ubuntu_pool

KEY = base64.b64encode(b"k" * 64).decode()


def batch_client(url: str, account: str = "render", **options):
    settings = ServiceSettings(batch_url=url, batch_account=account)
    return create_batch_client(
        settings, Secrets(batch_key=KEY), options=ClientOptions(retry_total=0), **options
    )


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


def test_adding_tasks_to_an_ended_job_is_a_conflict_not_a_taken_name(scripted):
    scripted.script(batch_error(409, "JobCompleted", "The specified job is already completed."))
    tasks = [TaskSpec(id="frame-0001", command_line="render")]
    with pytest.raises(ConflictError) as ended:
        create_tasks(batch_client(scripted.url), "job-1", tasks, max_concurrency=1)
    assert ended.value.code == "JobCompleted"
    assert "submit a new job" in ended.value.message


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


def test_tasks_the_service_refuses_are_named_in_the_error(scripted):
    results = [
        {"status": "Success", "taskId": "frame-0001", "eTag": "0x1", "location": "x"},
        {
            "status": "ClientError",
            "taskId": "frame-0002",
            "error": {
                "code": "InvalidPropertyValue",
                "message": {"lang": "en-US", "value": "The value provided is invalid."},
            },
        },
    ]
    scripted.script(Reply(200, {"odata.metadata": "x#taskaddresult", "value": results}))
    tasks = [TaskSpec(id=f"frame-{i:04d}", command_line="render") for i in (1, 2)]
    with pytest.raises(TaskSubmissionError) as refused:
        create_tasks(batch_client(scripted.url), "job-1", tasks, max_concurrency=1)
    assert refused.value.failed_task_ids == ("frame-0002",)
    assert refused.value.code == "InvalidPropertyValue"
    assert "submit again" in refused.value.message
    assert "The value provided is invalid." in refused.value.message


@pytest.mark.parametrize("success", ["Success", "success"])
def test_added_tasks_count_whatever_the_case_of_their_status(scripted, success):
    results = [
        {"status": success, "taskId": "frame-0001"},
        {
            "status": "ClientError",
            "taskId": "frame-0002",
            "error": {"code": "TaskExists", "message": {"value": "The task already exists."}},
        },
    ]
    scripted.script(Reply(200, {"odata.metadata": "x#taskaddresult", "value": results}))
    tasks = [TaskSpec(id=f"frame-{i:04d}", command_line="render") for i in (1, 2)]
    assert create_tasks(batch_client(scripted.url), "job-1", tasks, max_concurrency=1) == 2


def test_a_refused_key_during_task_submission_is_still_an_authentication_error(scripted):
    scripted.script(batch_error(403, "AuthenticationFailed", "Server failed to authenticate."))
    tasks = [TaskSpec(id="frame-0001", command_line="render")]
    with pytest.raises(AuthenticationError):
        create_tasks(batch_client(scripted.url), "job-1", tasks, max_concurrency=1)


def test_an_unknown_account_host_says_to_check_the_account_name():
    lookup_failed = ServiceRequestError(
        "<urllib3.connection.HTTPSConnection object>: Failed to resolve "
        "'nosuchaccount.westeurope.batch.azure.com' ([Errno -2] Name or service not known)"
    )
    error = translate_error(lookup_failed, service="batch", account="nosuchaccount")
    assert isinstance(error, ConnectionFailedError)
    assert error.code == "HostNotFound"
    assert "check the account name and URL on the Config tab" in error.message


def all_added(request: dict[str, Any]) -> dict[str, Any]:
    """The service's answer when every task of an addtaskcollection request was added."""
    results = [{"status": "Success", "taskId": task["id"]} for task in request["value"]]
    return {"odata.metadata": "x#taskaddresult", "value": results}


def frames(count: int) -> list[TaskSpec]:
    return [TaskSpec(id=f"frame-{i:04d}", command_line="render") for i in range(count)]


def test_tasks_go_a_hundred_a_request(scripted):
    scripted.script(*[Reply(200, all_added)] * 3)
    assert create_tasks(batch_client(scripted.url), "job-1", frames(250), max_concurrency=3) == 250
    assert len(scripted.seen) == 3
    assert all(seen.path.startswith("/jobs/job-1/addtaskcollection") for seen in scripted.seen)
    sizes = sorted(len(json.loads(seen.body)["value"]) for seen in scripted.seen)
    assert sizes == [50, 100, 100]


def test_a_task_the_service_failed_to_add_is_sent_again(scripted):
    def first_fails(request: dict[str, Any]) -> dict[str, Any]:
        answer = all_added(request)
        answer["value"][0] = {"status": "ServerError", "taskId": request["value"][0]["id"]}
        return answer

    scripted.script(Reply(200, first_fails), Reply(200, all_added))
    assert create_tasks(batch_client(scripted.url), "job-1", frames(3), max_concurrency=1) == 3
    assert [t["id"] for t in json.loads(scripted.seen[1].body)["value"]] == ["frame-0000"]


def test_a_request_too_large_is_split_in_halves(scripted):
    too_large = batch_error(413, "RequestBodyTooLarge", "The request body is too large.")
    scripted.script(too_large, Reply(200, all_added), Reply(200, all_added))
    assert create_tasks(batch_client(scripted.url), "job-1", frames(4), max_concurrency=1) == 4
    assert [len(json.loads(s.body)["value"]) for s in scripted.seen] == [4, 2, 2]


@pytest.mark.timeout(30)
def test_a_service_that_keeps_failing_ends_the_submission_instead_of_looping(scripted):
    broken = batch_error(500, "InternalServerError", "Something broke inside.")
    scripted.script(*[broken] * 50)
    with pytest.raises(ServiceError) as failed:
        create_tasks(batch_client(scripted.url), "job-1", frames(3), max_concurrency=1)
    assert failed.value.code == "InternalServerError"
    assert len(scripted.seen) == 1
