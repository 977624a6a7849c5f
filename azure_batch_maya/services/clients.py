"""The one place that builds the SDK clients from our settings.

Retries are azure-core's (and azure-storage's) own policies, configured here rather than written
again; the HTTP connection pool is sized so parallel uploads do not queue behind the default ten.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import requests
from azure.batch import BatchClient
from azure.core.credentials import TokenCredential
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.policies import SansIOHTTPPolicy
from azure.core.pipeline.transport import RequestsTransport
from azure.storage.blob import BlobServiceClient, ExponentialRetry
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from azure_batch_maya.services.credentials import (
    create_batch_key_credential,
    create_storage_key_credential,
    create_token_credential,
)
from azure_batch_maya.services.settings import AuthMode, Secrets, ServiceSettings, is_loopback

log = logging.getLogger(__name__)

MIB = 1024 * 1024


@dataclass(frozen=True)
class ClientOptions:
    """How hard the clients retry and how many connections they keep open.

    `retry_total` counts retries after the first attempt (0 turns retrying off, as tests of
    failures want); backoff grows from `retry_backoff` seconds up to `retry_backoff_max`.
    `transfer_chunk` is the unit of upload and download, hence of progress and cancel.
    """

    retry_total: int = 6
    retry_backoff: float = 0.8
    retry_backoff_max: float = 60.0
    max_connections: int = 32
    connection_timeout: float = 20.0
    read_timeout: float = 120.0
    transfer_chunk: int = 4 * MIB


def create_batch_client(
    settings: ServiceSettings,
    secrets: Secrets | None = None,
    *,
    credential: TokenCredential | None = None,
    options: ClientOptions | None = None,
    **sdk_options: Any,
) -> BatchClient:
    """A `BatchClient` for the settings' account, signed with the key or an Entra ID token.

    Pass `credential` to reuse one sign-in for Batch and Storage; `sdk_options` go to the SDK
    client as they are (e.g. `raw_response_hook`, `logging_enable`).
    """
    opts = options or ClientOptions()
    per_call = list(sdk_options.pop("per_call_policies", []))
    if settings.auth_mode is AuthMode.SHARED_KEY:
        batch_credential: Any = create_batch_key_credential(settings, secrets or Secrets())
    else:
        batch_credential = credential or create_token_credential(
            settings.sign_in, tenant_id=settings.tenant_id
        )
        if is_loopback(settings.batch_url):
            per_call.append(LoopbackBearerPolicy())
    log.debug("Batch client for %s (%s)", settings.batch_url, settings.auth_mode.value)
    return BatchClient(
        settings.batch_url,
        batch_credential,
        transport=_pooled_transport(opts),
        per_call_policies=per_call,
        retry_total=opts.retry_total,
        retry_backoff_factor=opts.retry_backoff,
        retry_backoff_max=opts.retry_backoff_max,
        **sdk_options,
    )


def create_blob_service_client(
    settings: ServiceSettings,
    secrets: Secrets | None = None,
    *,
    credential: TokenCredential | None = None,
    options: ClientOptions | None = None,
    **sdk_options: Any,
) -> BlobServiceClient:
    """A `BlobServiceClient` by connection string, account key or Entra ID, as configured.

    A connection string (Azurite, `local up`) wins; otherwise the settings' auth mode decides.
    """
    opts = options or ClientOptions()
    keys = secrets or Secrets()
    common: dict[str, Any] = {
        "transport": _pooled_transport(opts),
        "retry_policy": ExponentialRetry(
            initial_backoff=int(opts.retry_backoff),
            increment_base=2,
            retry_total=opts.retry_total,
        ),
        "max_single_put_size": opts.transfer_chunk,
        "max_block_size": opts.transfer_chunk,
        "max_single_get_size": opts.transfer_chunk,
        "max_chunk_get_size": opts.transfer_chunk,
        **sdk_options,
    }
    if keys.storage_connection_string:
        log.debug("Storage client from a connection string")
        return BlobServiceClient.from_connection_string(keys.storage_connection_string, **common)
    if settings.auth_mode is AuthMode.SHARED_KEY:
        named_key = create_storage_key_credential(settings, keys)
        log.debug("Storage client for %s with the account key", settings.blob_endpoint)
        return BlobServiceClient(settings.blob_endpoint, credential=named_key, **common)
    token = credential or create_token_credential(settings.sign_in, tenant_id=settings.tenant_id)
    log.debug("Storage client for %s with Entra ID", settings.blob_endpoint)
    return BlobServiceClient(settings.blob_endpoint, credential=token, **common)


class LoopbackBearerPolicy(SansIOHTTPPolicy[Any, Any]):
    """Lets a bearer token travel over plain HTTP to a service on this machine (the local pool).

    azure-core refuses bearer tokens on non-TLS URLs; on loopback nothing leaves the machine.
    """

    def on_request(self, request: PipelineRequest[Any]) -> None:
        if is_loopback(request.http_request.url):
            request.context["enforce_https"] = False


def _pooled_transport(options: ClientOptions) -> RequestsTransport:
    session = requests.Session()
    # Retries belong to azure-core's policy; urllib3 must not retry underneath it.
    no_retries = Retry(total=False, redirect=False, raise_on_status=False)
    adapter = HTTPAdapter(
        pool_connections=4, pool_maxsize=options.max_connections, max_retries=no_retries
    )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return RequestsTransport(
        session=session,
        session_owner=True,
        connection_timeout=options.connection_timeout,
        read_timeout=options.read_timeout,
    )
