from __future__ import annotations

import pytest
from azure.batch import models as m
from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError

from azure_batch_maya.local.conditions import check_conditions
from azure_batch_maya.local.errors import BatchServiceError
from tests.local.conftest import code_of, pool_options

ENTITY = {"eTag": "0x8DE59FF41A08ECC", "lastModified": "2026-01-22T21:43:18.5553032Z"}
LATER = "Fri, 23 Jan 2026 00:00:00 GMT"
EARLIER = "Wed, 21 Jan 2026 00:00:00 GMT"


def status(method, **headers):
    try:
        check_conditions(method, {k.replace("_", "-"): v for k, v in headers.items()}, ENTITY)
    except BatchServiceError as error:
        return error.status
    return 200


def test_conditions_as_the_service_applies_them():
    assert status("PATCH", if_match="0x8DE59FF41A08ECC") == 200
    assert status("PATCH", if_match="0x1") == 412
    assert status("DELETE", if_match="*") == 200
    assert status("GET", if_none_match="0x8DE59FF41A08ECC") == 304
    assert status("PUT", if_none_match="0x8DE59FF41A08ECC") == 412
    assert status("GET", if_none_match="0x1") == 200
    assert status("GET", if_modified_since=LATER) == 304
    assert status("GET", if_modified_since=EARLIER) == 200
    assert status("POST", if_unmodified_since=EARLIER) == 412
    assert status("POST", if_unmodified_since=LATER) == 200


def test_the_real_client_gets_412_for_a_stale_etag(batch):
    batch.create_pool(pool_options("guarded", nodes=0))
    batch.create_job(
        m.BatchJobCreateOptions(id="guarded-job", pool_info=m.BatchPoolInfo(pool_id="guarded"))
    )
    stale = batch.get_job("guarded-job").etag
    batch.update_job(
        "guarded-job",
        m.BatchJobUpdateOptions(priority=1),
        etag=stale,
        match_condition=MatchConditions.IfNotModified,
    )
    with pytest.raises(ResourceModifiedError) as caught:
        batch.update_job(
            "guarded-job",
            m.BatchJobUpdateOptions(priority=2),
            etag=stale,
            match_condition=MatchConditions.IfNotModified,
        )
    assert caught.value.status_code == 412 and code_of(caught.value) == "ConditionNotMet"
    assert batch.get_job("guarded-job").priority == 1
    batch.begin_delete_job("guarded-job", polling_interval=0.1).result()
    batch.begin_delete_pool("guarded", polling_interval=0.1)
