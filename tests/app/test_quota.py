"""Quotas before upload: the numbers compared, read from a stand-in for Azure's management
endpoint (the real azure-mgmt-batch client over loopback), and the notices when unreadable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from azure_batch_maya.app.quota import check_azure, core_findings, slot_findings
from azure_batch_maya.render.settings import PoolChoice, SubmitSettings
from azure_batch_maya.services.clients import LoopbackBearerPolicy
from azure_batch_maya.services.quotas import CoreQuotas, QuotasUnreadable, read_core_quotas
from azure_batch_maya.services.settings import AuthMode, ServiceSettings
from tests.services.scripted_server import Reply, ScriptedServer

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
ACCOUNT = {
    "id": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/render-rg/providers/"
    "Microsoft.Batch/batchAccounts/render",
    "name": "render",
    "type": "Microsoft.Batch/batchAccounts",
    "location": "eastus",
    "properties": {
        "accountEndpoint": "render.eastus.batch.azure.com",
        "provisioningState": "Succeeded",
        "poolAllocationMode": "BatchService",
        "dedicatedCoreQuota": 20,
        "dedicatedCoreQuotaPerVMFamily": [
            {"name": "standardDSv5Family", "coreQuota": 8},
            {"name": "standardFSv2Family", "coreQuota": 16},
        ],
        "dedicatedCoreQuotaPerVMFamilyEnforced": True,
        "lowPriorityCoreQuota": 10,
        "poolQuota": 100,
        "activeJobAndJobScheduleQuota": 300,
    },
}
QUOTAS = CoreQuotas("render", 20, 10, {"standarddsv5family": 8}, True)


class StaticToken:
    """An Entra ID credential as far as the client can tell."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("token", 4_000_000_000)


@pytest.fixture
def arm() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()


def read(arm: ScriptedServer, **options: Any) -> CoreQuotas:
    return read_core_quotas(
        StaticToken(),
        subscription_id=SUBSCRIPTION,
        account_name="render",
        base_url=arm.url,
        per_call_policies=[LoopbackBearerPolicy()],
        retry_total=0,
        **options,
    )


def test_quotas_are_read_from_the_management_plane(arm):
    arm.script(Reply(200, ACCOUNT))
    quotas = read(arm, resource_group="render-rg")
    assert quotas == CoreQuotas(
        "render", 20, 10, {"standarddsv5family": 8, "standardfsv2family": 16}, True
    )
    (seen,) = arm.seen
    assert seen.path.startswith(
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/render-rg/providers/"
        "Microsoft.Batch/batchAccounts/render?api-version="
    )
    assert seen.headers["Authorization"] == "Bearer token"


def test_without_a_resource_group_the_account_is_found_by_name(arm):
    other = {**ACCOUNT, "name": "other"}
    arm.script(Reply(200, {"value": [other, ACCOUNT]}))
    assert read(arm).dedicated == 20
    assert arm.seen[0].path.startswith(
        f"/subscriptions/{SUBSCRIPTION}/providers/Microsoft.Batch/batchAccounts?"
    )


def test_a_refusal_says_which_role_reads_quotas(arm):
    error = {"error": {"code": "AuthorizationFailed", "message": "no access"}}
    arm.script(Reply(403, error))
    with pytest.raises(QuotasUnreadable, match=r"AuthorizationFailed.*Reader role"):
        read(arm, resource_group="render-rg")


def test_dedicated_family_and_spot_quotas_each_name_both_numbers():
    (over,) = core_findings("Standard_D4s_v5", 3, 0, QUOTAS)  # 12 cores: fits 20, not 8
    assert over.code == "FamilyCoreQuotaExceeded" and over.level == "error"
    assert "need 12 cores of the standardDSv5Family family" in over.message
    assert "may use 8" in over.message
    codes = [f.code for f in core_findings("Standard_D8s_v5", 3, 2, QUOTAS)]
    assert codes == ["CoreQuotaExceeded", "FamilyCoreQuotaExceeded", "SpotCoreQuotaExceeded"]
    spot = core_findings("Standard_D8s_v5", 0, 2, QUOTAS)[0]
    assert "need 16 cores" in spot.message and "10 Spot cores" in spot.message
    assert core_findings("Standard_D4s_v5", 2, 2, QUOTAS) == []
    (unknown,) = core_findings("Standard_HB120rs_v3", 1, 0, QUOTAS)
    assert unknown.level == "notice" and "not in the VM size table" in unknown.message


def test_a_family_quota_not_enforced_is_not_checked():
    loose = CoreQuotas("render", 20, 10, {"standarddsv5family": 8}, False)
    assert core_findings("Standard_D4s_v5", 3, 0, loose) == []


def test_local_slots_are_its_quota_and_other_pools_hold_some():
    (error,) = slot_findings(3, 2, {})
    assert error.level == "error" and "asks for 3 nodes" in error.message
    assert "2 slots in all" in error.message
    (warning,) = slot_findings(1, 2, {"holder": 2})
    assert warning.level == "warning" and "0 of the local pool's 2 slots" in warning.message
    assert "holder holds 2" in warning.message
    assert slot_findings(1, 2, {"holder": 1}) == []


def test_with_account_keys_or_no_subscription_a_notice_says_the_check_was_not_made():
    settings = SubmitSettings(dedicated_nodes=3)
    keyed = ServiceSettings("https://render.eastus.batch.azure.com", "render")
    (notice,) = check_azure(settings, keyed)
    assert notice.level == "notice" and "Entra ID sign-in" in notice.message
    entra = ServiceSettings(
        "https://render.eastus.batch.azure.com", "render", auth_mode=AuthMode.ENTRA
    )
    (notice,) = check_azure(settings, entra, environ={})
    assert "AZURE_SUBSCRIPTION_ID" in notice.message
    existing = SubmitSettings(pool=PoolChoice("existing", "farm"))
    assert check_azure(existing, keyed) == []  # an existing pool asks for no new nodes
