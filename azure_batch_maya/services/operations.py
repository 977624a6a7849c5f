"""What every Batch call shares: our errors around it, the account it names, long operations."""

from __future__ import annotations

from contextlib import AbstractContextManager
from urllib.parse import urlsplit

from azure.batch import BatchClient
from azure.core.credentials import AzureNamedKeyCredential
from azure.core.polling import LROPoller

from azure_batch_maya.services.errors import service_call


class Operation:
    """A long Batch operation (resize, delete, terminate) under way; `wait()` raises ours."""

    def __init__(self, poller: LROPoller[None], *, account: str, action: str) -> None:
        self._poller = poller
        self._account = account
        self._action = action

    def done(self) -> bool:
        return self._poller.done()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the operation finished or `timeout` seconds passed; True if it finished."""
        with service_call("batch", account=self._account, action=self._action):
            self._poller.result(timeout)
        return self._poller.done()


def batch_call(client: BatchClient, action: str) -> AbstractContextManager[None]:
    """SDK calls inside come out as our errors, naming the account and the action."""
    return service_call("batch", account=account_name(client), action=action)


def account_name(client: BatchClient) -> str:
    """The account name for messages: the shared key's, else the endpoint's first label."""
    config = getattr(client, "_config", None)
    credential = getattr(config, "credential", None)
    if isinstance(credential, AzureNamedKeyCredential):
        return credential.named_key.name
    parts = urlsplit(str(getattr(config, "endpoint", "") or ""))
    host = parts.hostname or ""
    if host.endswith(".batch.azure.com"):
        return host.split(".", 1)[0]
    return parts.netloc
