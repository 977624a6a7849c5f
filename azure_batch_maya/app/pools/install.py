"""Publish what an "install at node start" pool needs and make its start task.

The install script goes into the installers container by content hash (so a pool's start task
always names the script it was made with), then SAS URLs for it and each installer make the
start task (`render.installroute.start_task_for_installers`). Submit (CLI and Submit tab,
through `app.submit.with_install_route`) calls `install_start_task` for a pool it makes on
this route.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from azure.storage.blob import BlobServiceClient

from azure_batch_maya.node.fetch_inputs import blob_url
from azure_batch_maya.render.installroute import (
    InstallRouteError,
    script_text,
    start_task_for_installers,
)
from azure_batch_maya.render.pathmap import NodeOS
from azure_batch_maya.services import storage
from azure_batch_maya.services.batch import StartTaskSpec
from azure_batch_maya.services.sas import SasAccess, create_container_sas_url
from azure_batch_maya.transfer.installers import INSTALLERS_CONTAINER, list_installers

log = logging.getLogger(__name__)

SCRIPTS_PREFIX = "scripts/"
# A pool adds nodes long after it is made; its start task's URLs must outlast that. A user
# delegation key (Entra ID sign-in) cannot sign for more than 7 days: Azure's own limit.
DEFAULT_LIFETIME = timedelta(days=365)
USER_DELEGATION_LIFETIME = timedelta(days=7) - timedelta(minutes=10)


def default_lifetime(client: BlobServiceClient) -> timedelta:
    """A year with an account key; what Azure allows (7 days) with an Entra ID sign-in."""
    if getattr(client.credential, "account_key", None):
        return DEFAULT_LIFETIME
    log.warning(
        "with an Entra ID sign-in the start task's storage URLs last 7 days: nodes that join "
        "the pool later fail their start task until the pool is made again"
    )
    return USER_DELEGATION_LIFETIME


def publish_script(
    client: BlobServiceClient, node_os: NodeOS, *, container: str = INSTALLERS_CONTAINER
) -> str:
    """Upload the install script for `node_os` unless stored; its blob name."""
    data = script_text(node_os)
    suffix = ".sh" if node_os == "linux" else ".ps1"
    name = f"{SCRIPTS_PREFIX}{hashlib.sha256(data).hexdigest()}{suffix}"
    storage.ensure_container(client, container)
    if not any(b.name == name for b in storage.list_blobs(client, container, prefix=name)):
        with tempfile.TemporaryDirectory(prefix="abm-") as folder:
            path = Path(folder) / f"install{suffix}"
            path.write_bytes(data)
            storage.upload_file(client, container, path, name)
    return name


def install_start_task(
    client: BlobServiceClient,
    *,
    node_os: NodeOS,
    names: Sequence[str] | None = None,
    lifetime: timedelta | None = None,
    container: str = INSTALLERS_CONTAINER,
    now: datetime | None = None,
) -> StartTaskSpec:
    """The start task installing `names` (default: every stored installer for `node_os`).

    `lifetime` is how long its URLs work (`default_lifetime`: a year with an account key, 7
    days with Entra ID).
    """
    stored = list_installers(client, container=container)
    if names is None:
        chosen = [i for i in stored if i.os == node_os]
    else:
        by_name = {i.name: i for i in stored}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise InstallRouteError(
                f"no installer named {', '.join(unknown)}; see `azure-batch-maya nodes "
                "installers list`"
            )
        chosen = [by_name[n] for n in names]
    script = publish_script(client, node_os, container=container)
    sas = create_container_sas_url(
        client,
        container,
        access=SasAccess.INPUTS,
        time_limit=lifetime or default_lifetime(client),
        now=now,
    )
    log.info("start task for %d installers on %s nodes", len(chosen), node_os)
    return start_task_for_installers(
        chosen,
        node_os=node_os,
        script_url=blob_url(sas, script),
        installer_urls={i.name: blob_url(sas, i.blob_name) for i in chosen},
    )
