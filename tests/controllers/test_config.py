"""Config: Authenticate says "Authenticated" only once both accounts answered; keys go to the
keyring and never to the settings file."""

from __future__ import annotations

import json

import keyring.backends.fail
import pytest

from azure_batch_maya.controllers.config import ConfigController
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.services.settings import AuthMode, Secrets, SignInMethod
from azure_batch_maya.settings.accounts import SETTINGS_FILE

pytestmark = pytest.mark.slow


def test_local_pool_authenticates_and_keys_go_to_the_keyring(local_home, memory_keyring, azurite):
    session = Session()
    seen: list[object] = []
    session.connection_changed.connect(seen.append)
    config = ConfigController(session)
    assert config.status == "Not authenticated"
    assert config.use_local_pool()
    result = config.authenticate()
    assert result.ok and result.keys_saved and result.message == "Authenticated"
    assert session.connection is None  # nothing changes until the main thread applies it
    config.apply(result)
    assert config.authenticated and config.status == "Authenticated"
    assert seen == [session.connection] and session.connection is not None
    assert session.connection.local
    saved = (local_home / SETTINGS_FILE).read_text()
    assert config.fields.batch_key not in saved
    assert "AccountKey" not in saved
    assert json.loads(saved)["storage_account"] == "devstoreaccount1"
    assert set(memory_keyring.passwords.values()) == {
        config.fields.batch_key,
        azurite.connection_string,
    }


def test_a_wrong_batch_key_is_refused_with_the_reason(local_home, memory_keyring):
    session = Session()
    config = ConfigController(session)
    config.use_local_pool()
    config.fields.batch_key = "d3Jvbmcta2V5"  # base64 of "wrong-key"
    config.apply(config.authenticate())
    assert not config.authenticated and session.connection is None
    assert config.status.startswith("Batch account ")
    assert "key" in config.status.lower()
    assert memory_keyring.passwords == {}  # nothing saved for a refused sign-in


def test_a_wrong_storage_key_is_refused_naming_the_storage_account(
    local_home, memory_keyring, azurite
):
    config = ConfigController(Session())
    config.use_local_pool()
    config.fields.storage_connection_string = azurite.connection_string.replace(
        "AccountKey=", "AccountKey=AAAA"
    )
    config.apply(config.authenticate())
    assert not config.authenticated
    assert config.status.startswith("Storage account devstoreaccount1:")


def test_missing_fields_are_named_before_any_call(home, memory_keyring):
    config = ConfigController(Session())
    config.apply(config.authenticate())
    assert config.status == (
        "Cannot authenticate: enter the Batch account URL and the Batch account name"
    )
    config.fields.batch_url = "http://batch.example.com"
    config.fields.batch_account = "acct"
    config.apply(config.authenticate())
    assert "https://" in config.status


def test_saved_settings_and_keys_come_back(local_home, memory_keyring):
    first = ConfigController(Session())
    first.use_local_pool()
    first.apply(first.authenticate())
    again = ConfigController(Session())
    assert again.load()
    assert again.fields.auth_mode is AuthMode.SHARED_KEY
    assert again.fields.batch_url == first.fields.batch_url
    assert again.fields.batch_key == ""  # keys come from the keyring, on a worker
    again.apply_keys(again.read_keys())
    assert again.fields.batch_key == first.fields.batch_key
    assert again.fields.storage_connection_string == first.fields.storage_connection_string
    again.apply(again.authenticate())
    assert again.authenticated


def test_without_a_keyring_it_connects_for_the_session_and_says_keys_were_not_saved(
    local_home,
):
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        config = ConfigController(Session())
        config.use_local_pool()
        config.apply(config.authenticate())
    finally:
        keyring.set_keyring(previous)
    assert config.authenticated
    assert config.status.startswith("Authenticated for this session only")
    assert "Entra ID" in config.status


def test_use_local_pool_says_when_none_is_running(home):
    config = ConfigController(Session())
    assert not config.use_local_pool()
    assert "local up" in config.status


def test_a_missing_keyring_is_said_when_loading(local_home, memory_keyring):
    first = ConfigController(Session())
    first.use_local_pool()
    first.apply(first.authenticate())
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        again = ConfigController(Session())
        again.load()
        again.apply_keys(again.read_keys())
    finally:
        keyring.set_keyring(previous)
    assert "keyring" in again.status and again.fields.batch_key == ""


def test_a_session_only_sign_in_saves_nothing(local_home, memory_keyring):
    config = ConfigController(Session())
    config.use_local_pool()
    config.apply(config.authenticate(save=False))
    assert config.authenticated and config.session.connection is not None
    assert config.status == "Authenticated for this session (nothing saved)"
    assert not (local_home / SETTINGS_FILE).exists() and memory_keyring.passwords == {}


def test_entra_sign_in_settings_hold_no_key(home):
    config = ConfigController(Session())
    config.fields.auth_mode = AuthMode.ENTRA
    config.fields.batch_url = "myaccount.westeurope.batch.azure.com"
    config.fields.batch_account = "myaccount"
    config.fields.storage_account = "myrenders"
    config.fields.sign_in = SignInMethod.DEVICE_CODE
    config.fields.tenant_id = "contoso.onmicrosoft.com"
    settings = config.settings()
    assert settings.batch_url == "https://myaccount.westeurope.batch.azure.com"
    assert settings.sign_in is SignInMethod.DEVICE_CODE
    assert settings.tenant_id == "contoso.onmicrosoft.com"
    assert settings.blob_endpoint == "https://myrenders.blob.core.windows.net"
    assert config.read_keys() == Secrets()  # no settings saved yet: nothing to read


def test_the_device_code_is_said_in_words():
    from datetime import datetime, timezone

    from azure_batch_maya.controllers.config import _device_code_prompt

    said: list[str] = []
    prompt = _device_code_prompt(said.append)
    prompt("https://microsoft.com/devicelogin", "ABCD-1234", datetime.now(timezone.utc))
    (line,) = said
    assert line.startswith("To sign in, open https://microsoft.com/devicelogin and enter")
    assert "ABCD-1234" in line
