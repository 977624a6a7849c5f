"""Credentials for Batch and Storage: an account key, or an Entra ID sign-in via azure-identity.

Tokens are cached only through azure-identity's own encrypted persistent cache (the OS's
protected storage), so a user signs in once per machine rather than once per Maya session.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Callable
from datetime import datetime

from azure.core.credentials import AzureNamedKeyCredential, TokenCredential
from azure.identity import (
    DefaultAzureCredential,
    DeviceCodeCredential,
    InteractiveBrowserCredential,
    TokenCachePersistenceOptions,
)

from azure_batch_maya.services.errors import AuthenticationError
from azure_batch_maya.services.settings import Secrets, ServiceSettings, SignInMethod

log = logging.getLogger(__name__)

TOKEN_CACHE_NAME = "azure-batch-maya"

DeviceCodePrompt = Callable[[str, str, datetime], None]


def create_batch_key_credential(
    settings: ServiceSettings, secrets: Secrets
) -> AzureNamedKeyCredential:
    """The Batch shared-key credential, or an error saying where to enter the key."""
    if not secrets.batch_key:
        raise AuthenticationError(
            "MissingBatchKey",
            f"No key for Batch account {settings.batch_account}: enter it on the Config tab, set "
            "AZURE_BATCH_MAYA_BATCH_KEY, or sign in with Entra ID",
        )
    _check_base64(secrets.batch_key, f"Batch account {settings.batch_account}")
    return AzureNamedKeyCredential(settings.batch_account, secrets.batch_key)


def _check_base64(key: str, whose: str) -> None:
    """Shared keys are base64; anything else would fail inside the SDK's signing."""
    try:
        base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        raise AuthenticationError(
            "InvalidKey",
            f"The key for {whose} is not a valid account key (not base64): copy the key again "
            "from the Azure portal's Keys page into the Config tab or AZURE_BATCH_MAYA_BATCH_KEY",
        ) from None


def create_storage_key_credential(
    settings: ServiceSettings, secrets: Secrets
) -> AzureNamedKeyCredential:
    """The shared-key credential for the storage account."""
    if not secrets.storage_key or not settings.storage_account:
        raise AuthenticationError(
            "MissingStorageKey",
            f"No key for storage account {settings.storage_account or '(not set)'}: enter the "
            "account and key on the Config tab, set AZURE_BATCH_MAYA_STORAGE_KEY, or sign in "
            "with Entra ID",
        )
    return AzureNamedKeyCredential(settings.storage_account, secrets.storage_key)


def create_token_credential(
    method: SignInMethod,
    *,
    tenant_id: str | None = None,
    persist_token_cache: bool = True,
    device_code_prompt: DeviceCodePrompt | None = None,
) -> TokenCredential:
    """An Entra ID credential for `method`; one instance serves both Batch and Storage.

    `DEFAULT` tries environment, managed identity, Azure CLI and friends (right for farms and CI);
    `BROWSER` opens the system browser; `DEVICE_CODE` calls `device_code_prompt(url, code, expiry)`
    so the UI can show the code (for machines without a browser).
    """
    cache = (
        TokenCachePersistenceOptions(name=TOKEN_CACHE_NAME, allow_unencrypted_storage=False)
        if persist_token_cache
        else None
    )
    log.debug("Entra ID sign-in by %s (tenant %s)", method.value, tenant_id or "default")
    if method is SignInMethod.BROWSER:
        return InteractiveBrowserCredential(tenant_id=tenant_id, cache_persistence_options=cache)
    if method is SignInMethod.DEVICE_CODE:
        return DeviceCodeCredential(
            tenant_id=tenant_id, prompt_callback=device_code_prompt, cache_persistence_options=cache
        )
    tenant = (
        {
            "workload_identity_tenant_id": tenant_id,
            "shared_cache_tenant_id": tenant_id,
            "visual_studio_code_tenant_id": tenant_id,
        }
        if tenant_id
        else {}
    )
    return DefaultAzureCredential(exclude_interactive_browser_credential=True, **tenant)
