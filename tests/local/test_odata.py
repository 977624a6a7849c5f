from __future__ import annotations

import pytest

from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.odata import (
    compile_filter,
    decode_skip_token,
    encode_skip_token,
    parse_max_results,
    parse_select,
    project,
)

TASKS = [
    {
        "id": "frame-001",
        "state": "completed",
        "executionInfo": {"result": "success", "exitCode": 0},
    },
    {
        "id": "frame-002",
        "state": "completed",
        "executionInfo": {"result": "failure", "exitCode": 3},
    },
    {"id": "frame-003", "state": "running", "executionInfo": {}},
    {"id": "prep", "state": "active", "executionInfo": {}},
]


def ids(text):
    keep = compile_filter(text)
    return [task["id"] for task in TASKS if keep(task)]


def test_filters_that_batch_clients_write():
    assert ids("state eq 'completed'") == ["frame-001", "frame-002"]
    assert ids("startswith(id,'frame')") == ["frame-001", "frame-002", "frame-003"]
    assert ids("executionInfo/result eq 'failure'") == ["frame-002"]
    assert ids("state eq 'completed' and executionInfo/exitCode gt 0") == ["frame-002"]
    assert ids("state eq 'active' or (state eq 'running')") == ["frame-003", "prep"]
    assert ids("not startswith(id, 'frame')") == ["prep"]
    assert ids("id eq 'it''s'") == []
    assert ids(None) == ["frame-001", "frame-002", "frame-003", "prep"]


@pytest.mark.parametrize("bad", ["state eq", "state like 'a'", "startswith(id)", "state eq 'a' )"])
def test_bad_filters_are_the_services_400(bad):
    with pytest.raises(BatchServiceError) as caught:
        compile_filter(bad)
    assert caught.value.status == 400
    assert caught.value.code == "InvalidQueryParameterValue"
    assert caught.value.values["QueryParameterName"] == "$filter"


def test_select_keeps_top_level_properties_in_entity_order():
    names = parse_select("state, id")
    assert project(TASKS[0], names) == {"id": "frame-001", "state": "completed"}
    assert parse_select("") is None


def test_max_results_bounds_like_the_service():
    assert parse_max_results(None) == 1000
    assert parse_max_results("5000") == 1000
    with pytest.raises(BatchServiceError) as caught:
        parse_max_results("-5")
    assert caught.value.values["Reason"] == "MaxResults cannot be less than 1"


def test_skip_tokens_round_trip():
    assert decode_skip_token(encode_skip_token("job/é")) == "job/é"
    assert decode_skip_token(None) is None
