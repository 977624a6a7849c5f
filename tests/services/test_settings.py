"""Settings hold nothing secret; keys live in the OS keyring or the environment, never a file."""

from __future__ import annotations

import json
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from azure_batch_maya.services.errors import SecretStoreError
from azure_batch_maya.services.settings import (
    ENV_BATCH_KEY,
    ENV_STORAGE_CONNECTION_STRING,
    ENV_STORAGE_KEY,
    KEYRING_SERVICE,
    AuthMode,
    Secrets,
    ServiceSettings,
    SignInMethod,
    delete_secrets,
    get_secrets,
    is_loopback,
    save_secrets,
    settings_from_connection_string,
    settings_from_dict,
    settings_to_dict,
)

SETTINGS = ServiceSettings(
    batch_url="https://render.westeurope.batch.azure.com",
    batch_account="render",
    storage_account="renderassets",
)
NO_ENV: dict[str, str] = {}


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A test-only keyring that keeps passwords in this process's memory."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError(username)


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch) -> Path:
    """Point every per-user folder at an empty one, to see that nothing is written there."""
    home = tmp_path / "home"
    home.mkdir()
    for name in ("HOME", "USERPROFILE", "APPDATA", "LOCALAPPDATA", "XDG_DATA_HOME"):
        monkeypatch.setenv(name, str(home))
    return home


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_keys_saved_in_the_keyring_come_back(memory_keyring):
    save_secrets(SETTINGS, Secrets(batch_key="batch-k", storage_key="storage-k"))
    assert set(memory_keyring.passwords.values()) == {"batch-k", "storage-k"}
    assert {service for service, _ in memory_keyring.passwords} == {KEYRING_SERVICE}
    secrets = get_secrets(SETTINGS, environ=NO_ENV)
    assert (secrets.batch_key, secrets.storage_key) == ("batch-k", "storage-k")
    assert secrets.storage_connection_string is None


def test_keys_are_kept_per_account(memory_keyring):
    other = ServiceSettings(batch_url="https://other.eastus.batch.azure.com", batch_account="o")
    save_secrets(SETTINGS, Secrets(batch_key="render-key"))
    assert get_secrets(other, environ=NO_ENV).batch_key is None


def test_environment_variables_win_over_the_keyring(memory_keyring):
    save_secrets(SETTINGS, Secrets(batch_key="kept", storage_key="kept"))
    environ = {ENV_BATCH_KEY: "from-env"}
    secrets = get_secrets(SETTINGS, environ=environ)
    assert secrets.batch_key == "from-env"
    assert secrets.storage_key == "kept"


def test_deleted_keys_are_gone_and_deleting_twice_is_fine(memory_keyring):
    save_secrets(SETTINGS, Secrets(batch_key="k", storage_connection_string="cs"))
    delete_secrets(SETTINGS)
    delete_secrets(SETTINGS)
    assert memory_keyring.passwords == {}
    assert get_secrets(SETTINGS, environ=NO_ENV) == Secrets()


def test_without_a_keyring_reading_keys_says_what_to_do_instead(no_keyring, isolated_home):
    with pytest.raises(SecretStoreError) as missing:
        get_secrets(SETTINGS, environ=NO_ENV)
    error = missing.value
    assert error.code == "NoKeyring"
    assert "Entra ID" in error.message
    assert ENV_BATCH_KEY in error.message
    assert ENV_STORAGE_KEY in error.message
    assert isinstance(error.__cause__, keyring.errors.NoKeyringError)


def test_without_a_keyring_saving_keys_fails_and_writes_no_file(no_keyring, isolated_home):
    with pytest.raises(SecretStoreError) as refused:
        save_secrets(SETTINGS, Secrets(batch_key="batch-k", storage_key="storage-k"))
    assert refused.value.code == "NoKeyring"
    assert "plain file" in refused.value.message
    assert list(isolated_home.rglob("*")) == []


def test_without_a_keyring_environment_variables_are_enough(no_keyring):
    environ = {ENV_BATCH_KEY: "b", ENV_STORAGE_CONNECTION_STRING: "AccountName=a;AccountKey=k"}
    secrets = get_secrets(SETTINGS, environ=environ)
    assert secrets.batch_key == "b"
    assert secrets.storage_connection_string == "AccountName=a;AccountKey=k"


def test_entra_sign_in_needs_no_keyring(no_keyring):
    entra = ServiceSettings(
        batch_url=SETTINGS.batch_url, batch_account="render", auth_mode=AuthMode.ENTRA
    )
    assert get_secrets(entra, environ=NO_ENV) == Secrets()


def test_secrets_never_show_in_repr_or_in_saved_settings():
    secrets = Secrets(batch_key="batch-k", storage_key="storage-k", storage_connection_string="c")
    assert "batch-k" not in repr(secrets)
    assert "storage-k" not in repr(secrets)
    saved = settings_to_dict(SETTINGS)
    assert set(saved) == {
        "batch_url",
        "batch_account",
        "auth_mode",
        "storage_account",
        "storage_blob_endpoint",
        "sign_in",
        "tenant_id",
        "subscription_id",  # where the account is in Azure Resource Manager: quotas only
        "resource_group",
    }


def test_settings_round_trip_through_json_and_ignore_unknown_keys():
    settings = ServiceSettings(
        batch_url="https://render.westeurope.batch.azure.com",
        batch_account="render",
        auth_mode=AuthMode.ENTRA,
        sign_in=SignInMethod.DEVICE_CODE,
        tenant_id="contoso.onmicrosoft.com",
    )
    data = json.loads(json.dumps(settings_to_dict(settings)))
    assert data["auth_mode"] == "entra"
    assert settings_from_dict({**data, "added_in_v2": 1}) == settings


def test_the_blob_endpoint_defaults_to_the_public_cloud():
    assert SETTINGS.blob_endpoint == "https://renderassets.blob.core.windows.net"


def test_a_connection_string_names_the_storage_account_and_endpoint(azurite):
    local = settings_from_connection_string(SETTINGS, azurite.connection_string)
    assert local.storage_account == "devstoreaccount1"
    assert local.blob_endpoint == azurite.blob_endpoint
    assert is_loopback(local.blob_endpoint)
    cloud = settings_from_connection_string(
        SETTINGS,
        "DefaultEndpointsProtocol=https;AccountName=shots;AccountKey=a2V5PT0=;"
        "EndpointSuffix=core.chinacloudapi.cn",
    )
    assert cloud.blob_endpoint == "https://shots.blob.core.chinacloudapi.cn"
    assert not is_loopback(cloud.blob_endpoint)
