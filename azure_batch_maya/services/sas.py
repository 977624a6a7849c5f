"""SAS URLs for tasks, with the least privilege each use needs and an expiry from the job's limit.

Signed with the account key when the client has one, else with a user delegation key (Entra ID).
A user delegation key, and so every SAS it signs, ends at most 7 days from now: Azure refuses a
longer one with an unhelpful `InvalidXmlNodeValue` (learn.microsoft.com/rest/api/storageservices/
get-user-delegation-key), so a longer lifetime is refused here first, with what to do instead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

from azure.storage.blob import BlobServiceClient, ContainerSasPermissions, generate_container_sas

from azure_batch_maya.services.errors import service_call

log = logging.getLogger(__name__)

CLOCK_SKEW = timedelta(minutes=5)
# Azure's limit for a user delegation key's expiry, less a margin for this machine's clock.
MAX_USER_DELEGATION = timedelta(days=7) - CLOCK_SKEW


class SasLifetimeError(ValueError):
    """A SAS would outlive what Azure allows; the message says how to shorten the job."""


def signs_with_user_delegation(client: BlobServiceClient) -> bool:
    """True when SAS URLs come from a user delegation key (Entra ID), not an account key."""
    return not getattr(client.credential, "account_key", None)


def check_lifetime(time_limit: timedelta, *, user_delegation: bool) -> None:
    """Refuse a user delegation SAS longer than Azure's 7 days, before anything is asked for."""
    if user_delegation and time_limit > MAX_USER_DELEGATION:
        raise SasLifetimeError(
            f"with an Entra ID sign-in, the nodes' access to storage can last at most 7 days "
            f"(Azure's limit for a user delegation SAS), and this needs "
            f"{time_limit.total_seconds() / 3600:.0f} h; give the job a shorter time limit "
            "(e.g. --time-limit 160) or sign in with account keys"
        )


class SasAccess(str, Enum):
    """Least privilege per use: tasks read inputs (and list them); they only write outputs."""

    INPUTS = "inputs"
    OUTPUTS = "outputs"


def create_container_sas_url(
    client: BlobServiceClient,
    container: str,
    *,
    access: SasAccess,
    time_limit: timedelta,
    now: datetime | None = None,
) -> str:
    """A container URL with a SAS for tasks: read+list for inputs, write only for outputs.

    It expires `time_limit` from `now` (pass the job's time limit plus time to upload its last
    outputs). Signed with the account key when the client has one, else with a user delegation
    key from Entra ID.
    """
    start = (now or datetime.now(timezone.utc)) - CLOCK_SKEW
    expiry = start + CLOCK_SKEW + time_limit
    check_lifetime(time_limit, user_delegation=signs_with_user_delegation(client))
    permission = (
        ContainerSasPermissions(read=True, list=True)
        if access is SasAccess.INPUTS
        else ContainerSasPermissions(write=True)
    )
    container_client = client.get_container_client(container)
    signing: dict[str, Any] = {}
    if not signs_with_user_delegation(client):
        signing["account_key"] = client.credential.account_key
    else:
        with service_call(
            "storage", account=client.account_name or "", action="getting a user delegation key"
        ):
            signing["user_delegation_key"] = client.get_user_delegation_key(start, expiry)
    sas = generate_container_sas(
        client.account_name or "",
        container,
        permission=permission,
        start=start,
        expiry=expiry,
        protocol="https" if container_client.url.startswith("https:") else None,
        **signing,
    )
    log.debug("SAS for %s (%s) until %s", container, access.value, expiry.isoformat())
    return f"{container_client.url}?{sas}"
