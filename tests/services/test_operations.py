"""Messages name the account: the shared key's name, else the endpoint's first label."""

from __future__ import annotations

from azure.core.credentials import AccessToken

from azure_batch_maya.services.clients import create_batch_client
from azure_batch_maya.services.operations import account_name
from azure_batch_maya.services.settings import AuthMode, Secrets, ServiceSettings


class StandInSignIn:
    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        return AccessToken("token", 4_102_444_800)


def test_a_shared_key_client_is_named_after_its_key():
    settings = ServiceSettings(batch_url="http://127.0.0.1:8765", batch_account="localpool")
    client = create_batch_client(settings, Secrets(batch_key="a2V5"))
    assert account_name(client) == "localpool"


def test_an_entra_client_is_named_after_its_endpoint():
    settings = ServiceSettings(
        batch_url="https://render.westeurope.batch.azure.com",
        batch_account="render",
        auth_mode=AuthMode.ENTRA,
    )
    client = create_batch_client(settings, credential=StandInSignIn())
    assert account_name(client) == "render"
