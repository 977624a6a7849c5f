"""The Batch account's core quotas, from the management plane (azure-mgmt-batch).

Only an Entra ID sign-in can read them: the data plane has no quota call and an account key
means nothing to Azure Resource Manager. The quotas per VM family are not returned for
accounts in user-subscription mode (those count against the subscription's own quotas).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, HttpResponseError

log = logging.getLogger(__name__)


class QuotasUnreadable(Exception):
    """The quotas could not be read; the message says why and what would make it work."""


@dataclass(frozen=True)
class CoreQuotas:
    account: str
    dedicated: int
    spot: int  # the API's low-priority cores
    per_family: Mapping[str, int] = field(default_factory=dict)  # family (lower-case) → cores
    per_family_enforced: bool = False


def read_core_quotas(
    credential: TokenCredential,
    *,
    subscription_id: str,
    account_name: str,
    resource_group: str = "",
    base_url: str | None = None,
    **client_options: Any,
) -> CoreQuotas:
    """The account's dedicated, Spot and per-family core quotas.

    Without `resource_group` the subscription's Batch accounts are listed to find it by name.
    """
    from azure.mgmt.batch import BatchManagementClient

    client = BatchManagementClient(credential, subscription_id, base_url, **client_options)
    try:
        if resource_group:
            account = client.batch_account.get(resource_group, account_name)
        else:
            found = [
                a
                for a in client.batch_account.list()
                if (a.name or "").lower() == account_name.lower()
            ]
            if not found:
                raise QuotasUnreadable(
                    f"no Batch account {account_name} in subscription {subscription_id}"
                )
            account = found[0]
    except HttpResponseError as exc:
        code = exc.error.code if exc.error is not None else exc.status_code
        raise QuotasUnreadable(
            f"Azure refused to show Batch account {account_name} ({code}); the Reader role on "
            "it is enough to read its quotas"
        ) from exc
    except AzureError as exc:
        raise QuotasUnreadable(f"the management plane did not answer: {exc}") from exc
    props = account.properties
    if props is None:
        raise QuotasUnreadable(f"Azure gave no properties for Batch account {account_name}")
    families = {
        (q.name or "").lower(): int(q.core_quota or 0)
        for q in props.dedicated_core_quota_per_vm_family or ()
    }
    quotas = CoreQuotas(
        account=account_name,
        dedicated=int(props.dedicated_core_quota or 0),
        spot=int(props.low_priority_core_quota or 0),
        per_family=families,
        per_family_enforced=bool(props.dedicated_core_quota_per_vm_family_enforced),
    )
    log.info("quotas of %s: %s", account_name, quotas)
    return quotas
