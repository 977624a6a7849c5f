"""Clients built from settings: the right credential, on the wire, with pooled connections."""

from __future__ import annotations

import pytest
from azure.core.credentials import AccessToken
from azure.identity import CredentialUnavailableError
from azure.storage.blob import BlobServiceClient

from azure_batch_maya.services import credentials
from azure_batch_maya.services.clients import (
    ClientOptions,
    create_batch_client,
    create_blob_service_client,
)
from azure_batch_maya.services.errors import AuthenticationError, ConnectionFailedError
from azure_batch_maya.services.pools import list_pools
from azure_batch_maya.services.settings import AuthMode, Secrets, ServiceSettings
from azure_batch_maya.services.storage import list_containers
from tests.services.scripted_server import Reply, batch_error

BATCH_SCOPE = "https://batch.core.windows.net//.default"  # as Batch documents it
POOLS = Reply(200, {"odata.metadata": "x#pools", "value": [{"id": "maya"}]})


class StandInEntraCredential:
    """Stands in for Entra ID: hands out a fixed token and records the scopes asked for."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.scopes.append(scopes)
        return AccessToken("entra-token", 4_102_444_800)


def entra_settings(url: str) -> ServiceSettings:
    return ServiceSettings(batch_url=url, batch_account="render", auth_mode=AuthMode.ENTRA)


def test_an_entra_batch_client_sends_a_bearer_token_for_the_batch_scope(scripted):
    scripted.script(POOLS)
    credential = StandInEntraCredential()
    client = create_batch_client(entra_settings(scripted.url), credential=credential)
    assert [p.id for p in list_pools(client)] == ["maya"]
    assert credential.scopes == [(BATCH_SCOPE,)]
    assert scripted.seen[0].headers["Authorization"] == "Bearer entra-token"


def test_without_a_credential_entra_mode_signs_in_with_default_azure_credential(scripted, mocker):
    scripted.script(POOLS)
    stand_in = StandInEntraCredential()
    default = mocker.patch.object(credentials, "DefaultAzureCredential", return_value=stand_in)
    client = create_batch_client(entra_settings(scripted.url))
    list_pools(client)
    default.assert_called_once()
    assert stand_in.scopes == [(BATCH_SCOPE,)]


def test_a_shared_key_batch_client_signs_with_the_account_name(scripted):
    scripted.script(POOLS)
    settings = ServiceSettings(batch_url=scripted.url, batch_account="render")
    client = create_batch_client(settings, Secrets(batch_key="a2V5a2V5a2V5"))
    list_pools(client)
    assert scripted.seen[0].headers["Authorization"].startswith("SharedKey render:")


def test_an_entra_storage_client_carries_the_token_credential():
    stand_in = StandInEntraCredential()
    settings = ServiceSettings(
        batch_url="https://render.westeurope.batch.azure.com",
        batch_account="render",
        auth_mode=AuthMode.ENTRA,
        storage_account="renderassets",
    )
    client = create_blob_service_client(settings, credential=stand_in)
    assert isinstance(client, BlobServiceClient)
    assert client.credential is stand_in
    assert client.url.startswith("https://renderassets.blob.core.windows.net")


def test_a_storage_client_by_account_key_reaches_azurite(azurite):
    settings = ServiceSettings(
        batch_url="http://127.0.0.1:1",
        batch_account="",
        storage_account=azurite.account_name,
        storage_blob_endpoint=azurite.blob_endpoint,
    )
    client = create_blob_service_client(
        settings, Secrets(storage_key=azurite.account_key), options=ClientOptions(retry_total=0)
    )
    assert isinstance(list_containers(client), list)
    assert client.credential.account_name == azurite.account_name


class FailingSignIn:
    """Stands in for an Entra ID sign-in that cannot happen (no Azure CLI login, no browser)."""

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        raise CredentialUnavailableError("DefaultAzureCredential failed to retrieve a token")


def test_a_failed_sign_in_is_an_authentication_error(scripted):
    client = create_batch_client(entra_settings(scripted.url), credential=FailingSignIn())
    with pytest.raises(AuthenticationError) as failed:
        list_pools(client)
    assert failed.value.code == "SignInFailed"
    assert "sign in again on the Config tab" in failed.value.message
    assert scripted.seen == []


def test_a_bearer_token_is_never_sent_over_http_to_another_machine():
    settings = entra_settings("http://render.westeurope.batch.azure.com")
    client = create_batch_client(
        settings, credential=StandInEntraCredential(), options=ClientOptions(retry_total=0)
    )
    with pytest.raises(ConnectionFailedError) as refused:
        list_pools(client)
    assert refused.value.code == "HttpsRequired"


def test_a_refused_entra_token_says_to_sign_in_again_not_to_check_a_key(scripted):
    scripted.script(batch_error(401, "InvalidAuthenticationToken", "The token has expired."))
    client = create_batch_client(
        entra_settings(scripted.url),
        credential=StandInEntraCredential(),
        options=ClientOptions(retry_total=0),
    )
    with pytest.raises(AuthenticationError) as refused:
        list_pools(client)
    assert "sign in again on the Config tab" in refused.value.message
    assert "key" not in refused.value.message
