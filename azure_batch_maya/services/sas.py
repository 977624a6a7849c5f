"""SAS URLs for tasks, with the least privilege each use needs and an expiry from the job's limit.

Signed with the account key when the client has one, else with a user delegation key (Entra ID).
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
    permission = (
        ContainerSasPermissions(read=True, list=True)
        if access is SasAccess.INPUTS
        else ContainerSasPermissions(write=True)
    )
    container_client = client.get_container_client(container)
    signing: dict[str, Any] = {}
    account_key = getattr(client.credential, "account_key", None)
    if account_key:
        signing["account_key"] = account_key
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
