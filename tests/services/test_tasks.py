"""Tasks go 100 a request, refusals are named, and a failing service ends the submission."""

from __future__ import annotations

import json
from typing import Any

import pytest

from azure_batch_maya.services.batch import JobSpec, TaskSpec
from azure_batch_maya.services.clients import create_batch_client
from azure_batch_maya.services.errors import (
    AlreadyExistsError,
    AuthenticationError,
    ConflictError,
    ServiceError,
    TaskSubmissionError,
)
from azure_batch_maya.services.jobs import begin_delete_job, get_job, submit_job
from azure_batch_maya.services.pools import begin_delete_pool, create_pool
from azure_batch_maya.services.settings import Secrets, ServiceSettings
from azure_batch_maya.services.tasks import create_tasks, get_task_counts
from tests.services.scripted_server import Reply, batch_client, batch_error
from tests.services.specs import ubuntu_pool, unique


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


def test_adding_tasks_to_an_ended_job_is_a_conflict_not_a_taken_name(scripted):
    scripted.script(batch_error(409, "JobCompleted", "The specified job is already completed."))
    tasks = [TaskSpec(id="frame-0001", command_line="render")]
    with pytest.raises(ConflictError) as ended:
        create_tasks(batch_client(scripted.url), "job-1", tasks, max_concurrency=1)
    assert ended.value.code == "JobCompleted"
    assert "submit a new job" in ended.value.message


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


def test_250_tasks_go_in_three_requests_and_wait_on_an_empty_pool(local_pool):
    requests: list[str] = []
    settings = ServiceSettings(batch_url=local_pool.url, batch_account=local_pool.account_name)
    batch = create_batch_client(
        settings,
        Secrets(batch_key=local_pool.account_key),
        raw_request_hook=lambda request: requests.append(request.http_request.url),
    )
    pool_id, job_id = unique("pool"), unique("job")
    create_pool(batch, ubuntu_pool(pool_id, dedicated_nodes=0))
    tasks = [TaskSpec(id=f"frame-{i:04d}", command_line="render") for i in range(250)]
    assert submit_job(batch, JobSpec(id=job_id, pool_id=pool_id), tasks, max_concurrency=3) == 250
    assert sum("/addtaskcollection" in url for url in requests) == 3
    counts = get_task_counts(batch, job_id)
    assert (counts.active, counts.running, counts.completed) == (250, 0, 0)
    assert get_job(batch, job_id, select=["state"]).state == "active"
    with pytest.raises(AlreadyExistsError):
        submit_job(batch, JobSpec(id=job_id, pool_id=pool_id), tasks)
    assert create_tasks(batch, job_id, tasks) == 250
    assert get_task_counts(batch, job_id).active == 250
    begin_delete_job(batch, job_id, polling_interval=1).wait(timeout=30)
    begin_delete_pool(batch, pool_id, polling_interval=1).wait(timeout=30)
