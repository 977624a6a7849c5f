"""Where the product connects and how it proves who it is, kept apart from the secrets.

`ServiceSettings` holds nothing secret, so it can be saved with the user's preferences.
Keys and connection strings live in the OS keyring (or come from environment variables for CI and
headless boxes); there is deliberately no plain-file fallback.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import keyring
import keyring.errors

from azure_batch_maya.services.errors import SecretStoreError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "azure-batch-maya"
ENV_BATCH_KEY = "AZURE_BATCH_MAYA_BATCH_KEY"
ENV_STORAGE_KEY = "AZURE_BATCH_MAYA_STORAGE_KEY"
ENV_STORAGE_CONNECTION_STRING = "AZURE_BATCH_MAYA_STORAGE_CONNECTION_STRING"
ENV_REGISTRY_PASSWORD = "AZURE_BATCH_MAYA_REGISTRY_PASSWORD"


class AuthMode(str, Enum):
    """Account keys (kept in the keyring) or an Entra ID sign-in."""

    SHARED_KEY = "shared_key"
    ENTRA = "entra"


class SignInMethod(str, Enum):
    """How an Entra ID sign-in happens: whatever is at hand, a browser, or a device code."""

    DEFAULT = "default"
    BROWSER = "browser"
    DEVICE_CODE = "device_code"


@dataclass(frozen=True)
class ServiceSettings:
    """The non-secret half of a connection to a Batch account and its storage account."""

    batch_url: str
    batch_account: str
    auth_mode: AuthMode = AuthMode.SHARED_KEY
    storage_account: str = ""
    storage_blob_endpoint: str = ""
    sign_in: SignInMethod = SignInMethod.DEFAULT
    tenant_id: str | None = None
    # Where the Batch account lives in Azure Resource Manager: only to read its core quotas.
    subscription_id: str = ""
    resource_group: str = ""

    @property
    def blob_endpoint(self) -> str:
        """The blob endpoint as given, else the public cloud's endpoint for the account."""
        if self.storage_blob_endpoint:
            return self.storage_blob_endpoint.rstrip("/")
        return f"https://{self.storage_account}.blob.core.windows.net"


@dataclass(frozen=True)
class Secrets:
    """Keys for one set of settings; never logged (`repr` hides them) and never written to files."""

    batch_key: str | None = field(default=None, repr=False)
    storage_key: str | None = field(default=None, repr=False)
    storage_connection_string: str | None = field(default=None, repr=False)


def settings_to_dict(settings: ServiceSettings) -> dict[str, Any]:
    """A JSON-ready dict of the settings (there is nothing secret in it)."""
    data = asdict(settings)
    data["auth_mode"] = settings.auth_mode.value
    data["sign_in"] = settings.sign_in.value
    return data


def settings_from_dict(data: Mapping[str, Any]) -> ServiceSettings:
    """Settings from `settings_to_dict`'s output; unknown keys (a newer version's) are ignored."""
    known = {f for f in ServiceSettings.__dataclass_fields__ if f in data}
    values = {name: data[name] for name in known}
    if "auth_mode" in values:
        values["auth_mode"] = AuthMode(values["auth_mode"])
    if "sign_in" in values:
        values["sign_in"] = SignInMethod(values["sign_in"])
    return ServiceSettings(**values)


def settings_from_connection_string(
    settings: ServiceSettings, connection_string: str
) -> ServiceSettings:
    """Settings whose storage account and endpoint are those a connection string names."""
    parts = parse_connection_string(connection_string)
    account = parts.get("AccountName", settings.storage_account)
    endpoint = parts.get("BlobEndpoint", "")
    if not endpoint and account:
        protocol = parts.get("DefaultEndpointsProtocol", "https")
        suffix = parts.get("EndpointSuffix", "core.windows.net")
        endpoint = f"{protocol}://{account}.blob.{suffix}"
    return replace(settings, storage_account=account, storage_blob_endpoint=endpoint)


def parse_connection_string(connection_string: str) -> dict[str, str]:
    """`Key=Value;…` pairs of a storage connection string (values may contain `=`)."""
    pairs = (part.split("=", 1) for part in connection_string.split(";") if "=" in part)
    return {key.strip(): value.strip() for key, value in pairs}


def is_loopback(url: str) -> bool:
    """True for an endpoint on this machine (Azurite, the local pool), where HTTP is fine."""
    host = urlsplit(url).hostname or ""
    return host in {"127.0.0.1", "localhost", "::1"}


def get_secrets(settings: ServiceSettings, *, environ: Mapping[str, str] | None = None) -> Secrets:
    """The keys for `settings`: environment variables first, then the OS keyring.

    With Entra ID sign-in no key is needed and the keyring is not touched. Raises
    `SecretStoreError` when keys are needed and no keyring exists and no variable is set.
    """
    env = os.environ if environ is None else environ
    from_env = Secrets(
        batch_key=env.get(ENV_BATCH_KEY) or None,
        storage_key=env.get(ENV_STORAGE_KEY) or None,
        storage_connection_string=env.get(ENV_STORAGE_CONNECTION_STRING) or None,
    )
    if settings.auth_mode is AuthMode.ENTRA:
        return Secrets(storage_connection_string=from_env.storage_connection_string)
    has_storage = from_env.storage_key or from_env.storage_connection_string
    if from_env.batch_key and has_storage:
        return from_env
    with _keyring_access("read keys from"):
        return Secrets(
            batch_key=from_env.batch_key
            or keyring.get_password(KEYRING_SERVICE, _batch_user(settings)),
            storage_key=from_env.storage_key
            or keyring.get_password(KEYRING_SERVICE, _storage_user(settings)),
            storage_connection_string=from_env.storage_connection_string
            or keyring.get_password(KEYRING_SERVICE, _connection_string_user(settings)),
        )


def save_secrets(settings: ServiceSettings, secrets: Secrets) -> None:
    """Keep the given keys in the OS keyring (None leaves a stored key as it is)."""
    entries = {
        _batch_user(settings): secrets.batch_key,
        _storage_user(settings): secrets.storage_key,
        _connection_string_user(settings): secrets.storage_connection_string,
    }
    with _keyring_access("save keys to"):
        for user, value in entries.items():
            if value:
                keyring.set_password(KEYRING_SERVICE, user, value)
    log.info("saved keys for Batch account %s in the OS keyring", settings.batch_account)


def delete_secrets(settings: ServiceSettings) -> None:
    """Forget the keys kept for these settings (missing ones are fine)."""
    users = (_batch_user(settings), _storage_user(settings), _connection_string_user(settings))
    with _keyring_access("delete keys from"):
        for user in users:
            try:
                keyring.delete_password(KEYRING_SERVICE, user)
            except keyring.errors.PasswordDeleteError:
                log.debug("no %s in the keyring", user)


def get_registry_password(
    server: str, username: str, *, environ: Mapping[str, str] | None = None
) -> str | None:
    """A container registry user's password: the environment variable, else the OS keyring."""
    env = os.environ if environ is None else environ
    if env.get(ENV_REGISTRY_PASSWORD):
        return env[ENV_REGISTRY_PASSWORD]
    with _keyring_access("read the registry password from"):
        return keyring.get_password(KEYRING_SERVICE, _registry_user(server, username))


def save_registry_password(server: str, username: str, password: str) -> None:
    """Keep a container registry user's password in the OS keyring (empty: forget it)."""
    user = _registry_user(server, username)
    with _keyring_access("save the registry password to"):
        if password:
            keyring.set_password(KEYRING_SERVICE, user, password)
            return
        try:
            keyring.delete_password(KEYRING_SERVICE, user)
        except keyring.errors.PasswordDeleteError:
            log.debug("no %s in the keyring", user)


def _registry_user(server: str, username: str) -> str:
    return f"registry:{username}@{server}"


@contextmanager
def _keyring_access(doing: str) -> Iterator[None]:
    """Turns keyring's errors into ours, saying what to do on a machine without a keyring."""
    try:
        yield
    except keyring.errors.NoKeyringError as error:
        raise SecretStoreError(
            "NoKeyring",
            f"Cannot {doing} the OS keyring: this machine has none (keyring found no backend), "
            "and keys are never kept in a plain file. Sign in with Entra ID on the Config tab "
            f"instead, or set {ENV_BATCH_KEY} and {ENV_STORAGE_KEY} (or "
            f"{ENV_STORAGE_CONNECTION_STRING}) in the environment",
        ) from error
    except keyring.errors.KeyringError as error:
        raise SecretStoreError(
            "KeyringFailed",
            f"Cannot {doing} the OS keyring ({type(error).__name__}: {error}); unlock it and "
            "try again, or sign in with Entra ID",
        ) from error


def _batch_user(settings: ServiceSettings) -> str:
    return f"batch:{settings.batch_account}@{settings.batch_url}"


def _storage_user(settings: ServiceSettings) -> str:
    return f"storage:{settings.storage_account}@{settings.blob_endpoint}"


def _connection_string_user(settings: ServiceSettings) -> str:
    return f"storage-connection-string:{settings.batch_account}@{settings.batch_url}"
