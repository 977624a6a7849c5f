"""The credential chosen for each way of signing in (Entra ID itself is stood in for by mocks)."""

from __future__ import annotations

import pytest
from azure.core.credentials import AzureNamedKeyCredential
from azure.identity import TokenCachePersistenceOptions

from azure_batch_maya.services import credentials
from azure_batch_maya.services.credentials import (
    TOKEN_CACHE_NAME,
    create_batch_key_credential,
    create_storage_key_credential,
    create_token_credential,
)
from azure_batch_maya.services.errors import AuthenticationError
from azure_batch_maya.services.settings import Secrets, ServiceSettings, SignInMethod

SETTINGS = ServiceSettings(
    batch_url="https://render.westeurope.batch.azure.com",
    batch_account="render",
    storage_account="renderassets",
)


def test_default_sign_in_uses_default_azure_credential_without_a_browser(mocker):
    default = mocker.patch.object(credentials, "DefaultAzureCredential")
    chosen = create_token_credential(SignInMethod.DEFAULT)
    assert chosen is default.return_value
    default.assert_called_once_with(exclude_interactive_browser_credential=True)


def test_default_sign_in_passes_the_tenant_on(mocker):
    default = mocker.patch.object(credentials, "DefaultAzureCredential")
    create_token_credential(SignInMethod.DEFAULT, tenant_id="contoso")
    kwargs = default.call_args.kwargs
    assert kwargs["shared_cache_tenant_id"] == "contoso"
    assert kwargs["workload_identity_tenant_id"] == "contoso"


def test_browser_sign_in_caches_tokens_only_in_the_encrypted_cache(mocker):
    browser = mocker.patch.object(credentials, "InteractiveBrowserCredential")
    create_token_credential(SignInMethod.BROWSER, tenant_id="contoso")
    kwargs = browser.call_args.kwargs
    cache = kwargs["cache_persistence_options"]
    assert isinstance(cache, TokenCachePersistenceOptions)
    assert cache.name == TOKEN_CACHE_NAME
    assert cache.allow_unencrypted_storage is False
    assert kwargs["tenant_id"] == "contoso"


def test_device_code_sign_in_shows_the_code_through_the_callback(mocker):
    device = mocker.patch.object(credentials, "DeviceCodeCredential")
    shown: list[str] = []
    create_token_credential(
        SignInMethod.DEVICE_CODE, device_code_prompt=lambda url, code, expires: shown.append(code)
    )
    kwargs = device.call_args.kwargs
    kwargs["prompt_callback"]("https://microsoft.com/devicelogin", "ABCD-1234", None)
    assert shown == ["ABCD-1234"]
    assert kwargs["cache_persistence_options"].allow_unencrypted_storage is False


def test_the_token_cache_can_be_turned_off(mocker):
    browser = mocker.patch.object(credentials, "InteractiveBrowserCredential")
    create_token_credential(SignInMethod.BROWSER, persist_token_cache=False)
    assert browser.call_args.kwargs["cache_persistence_options"] is None


def test_account_keys_become_named_key_credentials():
    batch = create_batch_key_credential(SETTINGS, Secrets(batch_key="a2V5"))
    assert isinstance(batch, AzureNamedKeyCredential)
    assert batch.named_key == ("render", "a2V5")
    storage = create_storage_key_credential(SETTINGS, Secrets(storage_key="c3Q="))
    assert storage.named_key == ("renderassets", "c3Q=")


@pytest.mark.parametrize("make", [create_batch_key_credential, create_storage_key_credential])
def test_a_missing_key_says_where_to_enter_it(make):
    with pytest.raises(AuthenticationError) as missing:
        make(SETTINGS, Secrets())
    assert "Config tab" in missing.value.message
    assert "Entra ID" in missing.value.message
