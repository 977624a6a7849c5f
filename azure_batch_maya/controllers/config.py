"""The Config tab: how the panel signs in, and Authenticate, which proves both accounts answer.

Keys live in the OS keyring (`services.settings.save_secrets`), never in a file; the settings
file holds only what is not secret. "Authenticated" is said only after the Batch account and the
storage account have both answered a real call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from azure_batch_maya.app.connect import Connection, connection_for, read_local_state
from azure_batch_maya.controllers.events import Event
from azure_batch_maya.controllers.session import Session
from azure_batch_maya.services.clients import (
    ClientOptions,
    create_batch_client,
    create_blob_service_client,
)
from azure_batch_maya.services.credentials import create_token_credential
from azure_batch_maya.services.errors import SecretStoreError, ServiceError
from azure_batch_maya.services.pools import check_batch_account
from azure_batch_maya.services.settings import (
    AuthMode,
    Secrets,
    ServiceSettings,
    SignInMethod,
    get_secrets,
    is_loopback,
    save_secrets,
    settings_from_connection_string,
)
from azure_batch_maya.services.storage import check_storage_account
from azure_batch_maya.settings.accounts import load_accounts, save_accounts

log = logging.getLogger(__name__)

# One retry: a person pressing Authenticate wants the answer, not a minute of backoff.
CHECK_OPTIONS = ClientOptions(retry_total=1, retry_backoff=0.2, connection_timeout=10.0)


@dataclass
class ConfigFields:
    """What the Config tab's fields hold; the keys only ever leave for the keyring."""

    auth_mode: AuthMode = AuthMode.SHARED_KEY
    batch_url: str = ""
    batch_account: str = ""
    batch_key: str = field(default="", repr=False)
    storage_account: str = ""
    storage_key: str = field(default="", repr=False)
    storage_connection_string: str = field(default="", repr=False)
    tenant_id: str = ""
    sign_in: SignInMethod = SignInMethod.BROWSER


@dataclass(frozen=True)
class AuthResult:
    """What Authenticate found: a connection, or the reason there is none."""

    connection: Connection | None
    message: str
    keys_saved: bool = False

    @property
    def ok(self) -> bool:
        return self.connection is not None


class ConfigController:
    """Holds the sign-in fields and the status line; `authenticate` is slow (run it on a worker)."""

    NOT_CONNECTED = "Not authenticated"

    def __init__(self, session: Session, *, home: Path | None = None) -> None:
        self.session = session
        self.home = home
        self.fields = ConfigFields()
        self.status = self.NOT_CONNECTED
        self.authenticated = False
        self.keys_saved = False
        self.changed: Event[ConfigController] = Event()

    def load(self) -> bool:
        """The saved settings, without their keys (`read_keys` brings those); False: none."""
        settings = load_accounts(self.home)
        if settings is None:
            return False
        self.fields = ConfigFields(
            auth_mode=settings.auth_mode,
            batch_url=settings.batch_url,
            batch_account=settings.batch_account,
            storage_account=settings.storage_account,
            tenant_id=settings.tenant_id or "",
            sign_in=settings.sign_in,
        )
        self.changed.emit(self)
        return True

    def read_keys(self) -> Secrets | str:
        """The saved settings' keys (keyring or environment), or why there are none.

        Slow: a keyring may have to be unlocked first, so run it on a worker.
        """
        settings = load_accounts(self.home)
        if settings is None or settings.auth_mode is not AuthMode.SHARED_KEY:
            return Secrets()
        try:
            return get_secrets(settings)
        except SecretStoreError as exc:
            return exc.message

    def apply_keys(self, keys: Secrets | str) -> None:
        """Take `read_keys`'s answer on the main thread; keys typed meanwhile are kept."""
        if isinstance(keys, str):
            self.status = keys
        else:
            f = self.fields
            f.batch_key = f.batch_key or keys.batch_key or ""
            f.storage_key = f.storage_key or keys.storage_key or ""
            f.storage_connection_string = (
                f.storage_connection_string or keys.storage_connection_string or ""
            )
        self.changed.emit(self)

    def use_local_pool(self) -> bool:
        """Fill the fields from the running local pool (`azure-batch-maya local up`)."""
        state = read_local_state()
        if state is None:
            self.status = "The local pool is not running; start it with `azure-batch-maya local up`"
            self.changed.emit(self)
            return False
        self.fields = ConfigFields(
            auth_mode=AuthMode.SHARED_KEY,
            batch_url=state.batch_url,
            batch_account=state.batch_account,
            batch_key=state.batch_key,
            storage_connection_string=state.storage_connection_string,
        )
        self.changed.emit(self)
        return True

    def settings(self) -> ServiceSettings:
        """The non-secret settings the fields describe; ValueError says which field is wrong."""
        f = self.fields
        if not f.batch_url.strip() or not f.batch_account.strip():
            raise ValueError("enter the Batch account URL and the Batch account name")
        url = f.batch_url.strip()
        if not url.startswith(("https://", "http://")):
            url = f"https://{url}"
        if url.startswith("http://") and not is_loopback(url):
            raise ValueError("the Batch account URL must start with https://")
        settings = ServiceSettings(
            batch_url=url,
            batch_account=f.batch_account.strip(),
            auth_mode=f.auth_mode,
            storage_account=f.storage_account.strip(),
            tenant_id=f.tenant_id.strip() or None,
            sign_in=f.sign_in,
        )
        if f.storage_connection_string.strip():
            settings = settings_from_connection_string(settings, f.storage_connection_string)
        if not settings.storage_account:
            raise ValueError("enter the storage account name (or a connection string)")
        return settings

    def secrets(self) -> Secrets:
        f = self.fields
        return Secrets(
            batch_key=f.batch_key.strip() or None,
            storage_key=f.storage_key.strip() or None,
            storage_connection_string=f.storage_connection_string.strip() or None,
        )

    def authenticate(
        self, *, save: bool = True, say: Callable[[str], None] | None = None
    ) -> AuthResult:
        """Check both accounts with a real call each; save settings and keys only then. Slow.

        `save=False` connects for this session only (`ui --local`: the saved accounts stay);
        `say` gets what a person must do to sign in (a device code to enter, and where).
        """
        try:
            settings = self.settings()
        except ValueError as exc:
            return AuthResult(None, f"Cannot authenticate: {exc}")
        secrets = self.secrets() if settings.auth_mode is AuthMode.SHARED_KEY else None
        # One Entra ID sign-in serves every client made here (else one prompt each).
        token = None
        if secrets is None:
            token = create_token_credential(
                settings.sign_in,
                tenant_id=settings.tenant_id,
                device_code_prompt=_device_code_prompt(say) if say else None,
            )
        try:
            batch = create_batch_client(settings, secrets, credential=token, options=CHECK_OPTIONS)
            check_batch_account(batch)
        except ServiceError as exc:
            return AuthResult(None, f"Batch account {settings.batch_account}: {exc.message}")
        try:
            blobs = create_blob_service_client(
                settings, secrets, credential=token, options=CHECK_OPTIONS
            )
            check_storage_account(blobs)
        except ServiceError as exc:
            return AuthResult(None, f"Storage account {settings.storage_account}: {exc.message}")
        if save:
            save_accounts(settings, self.home)
        connection = connection_for(settings, secrets, credential=token)
        if not save:
            return AuthResult(connection, "Authenticated for this session (nothing saved)")
        if secrets is None:
            return AuthResult(connection, "Authenticated", keys_saved=True)
        try:
            save_secrets(settings, secrets)
        except SecretStoreError as exc:
            return AuthResult(connection, f"Authenticated for this session only: {exc.message}")
        return AuthResult(connection, "Authenticated", keys_saved=True)

    def apply(self, result: AuthResult) -> None:
        """Take `authenticate`'s answer on the main thread: status, and the shared connection."""
        self.status = result.message
        self.authenticated = result.ok
        self.keys_saved = result.keys_saved
        self.session.set_connection(result.connection)
        self.changed.emit(self)


def _device_code_prompt(say: Callable[[str], None]) -> Callable[[str, str, datetime], None]:
    def prompt(url: str, code: str, expires: datetime) -> None:
        until = expires.astimezone().strftime("%H:%M")
        say(f"To sign in, open {url} and enter the code {code} (before {until}).")

    return prompt
