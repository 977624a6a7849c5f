from __future__ import annotations

import base64
import time

import pytest
from azure.batch import BatchClient
from azure.batch._patch import BatchSharedKeyAuthPolicy
from azure.core.credentials import AccessToken, AzureNamedKeyCredential
from azure.core.exceptions import HttpResponseError
from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.rest import HttpRequest

from azure_batch_maya.local.auth import Credentials, authenticate, sign, string_to_sign
from azure_batch_maya.local.errors import BatchServiceError
from azure_batch_maya.local.process import start_local_pool
from tests.local.conftest import code_of

KEY = base64.b64encode(b"k" * 64).decode()


def signed_by_the_sdk(method, url, body=None):
    """Headers of a request after azure-batch's own SharedKey policy signed it."""
    request = HttpRequest(method, url, json=body)
    policy = BatchSharedKeyAuthPolicy(AzureNamedKeyCredential("acct", KEY))
    policy.on_request(PipelineRequest(request, PipelineContext(None)))
    return {name.lower(): value for name, value in request.headers.items()}


@pytest.mark.parametrize(
    ("method", "path", "query", "body"),
    [
        ("GET", "/pools", "api-version=2025-06-01&$filter=startswith%28id%2C%27a%27%29", None),
        ("POST", "/jobs/j1/addtaskcollection", "api-version=2025-06-01", {"value": []}),
        ("POST", "/pools/p/resize", "api-version=2025-06-01&timeOut=30", None),
        ("HEAD", "/jobs/j/tasks/t/files/wd%5Cout.txt", "api-version=2025-06-01", None),
    ],
)
def test_accepts_exactly_what_the_sdk_signs(method, path, query, body):
    headers = signed_by_the_sdk(method, f"http://127.0.0.1:1{path}?{query}", body)
    authenticate(Credentials("acct", KEY), method, path, query, headers)
    expected = sign(string_to_sign(method, path, query, headers, "acct"), KEY)
    assert headers["authorization"] == f"SharedKey acct:{expected}"


def test_a_changed_request_is_refused():
    headers = signed_by_the_sdk("GET", "http://127.0.0.1:1/pools?api-version=2025-06-01")
    with pytest.raises(BatchServiceError) as caught:
        authenticate(Credentials("acct", KEY), "GET", "/jobs", "api-version=2025-06-01", headers)
    assert (caught.value.status, caught.value.code) == (403, "AuthenticationFailed")


def test_old_requests_and_other_accounts_are_refused():
    headers = signed_by_the_sdk("GET", "http://127.0.0.1:1/pools?api-version=2025-06-01")
    with pytest.raises(BatchServiceError):
        authenticate(
            Credentials("acct", KEY), "GET", "/pools", "api-version=2025-06-01", headers, now=0.0
        )
    with pytest.raises(BatchServiceError):
        authenticate(Credentials("other", KEY), "GET", "/pools", "api-version=2025-06-01", headers)


def test_bearer_token_mode():
    credentials = Credentials("acct", KEY, bearer_token="t0ken")
    authenticate(credentials, "GET", "/pools", "", {"authorization": "Bearer t0ken"})
    with pytest.raises(BatchServiceError):
        authenticate(credentials, "GET", "/pools", "", {"authorization": "Bearer nope"})
    with pytest.raises(BatchServiceError):
        authenticate(Credentials("acct", KEY), "GET", "/pools", "", {"authorization": "Bearer x"})


def test_the_real_client_with_a_wrong_key_gets_403(local_pool):
    wrong = base64.b64encode(b"w" * 64).decode()
    client = BatchClient(local_pool.url, AzureNamedKeyCredential(local_pool.account_name, wrong))
    with pytest.raises(HttpResponseError) as caught:
        client.get_pool("anything")
    assert caught.value.status_code == 403
    assert code_of(caught.value) == "AuthenticationFailed"
    assert "RequestId:" in str(caught.value.message)


class _StaticToken:
    """A TokenCredential stand-in: the local pool checks the token, not who issued it."""

    def __init__(self, token):
        self.token = token
        self.scopes = []

    def get_token(self, *scopes, **_kwargs):
        self.scopes.extend(scopes)
        return AccessToken(self.token, int(time.time()) + 3600)


def test_bearer_mode_with_the_real_client(tmp_path):
    credential = _StaticToken("local-token")
    with start_local_pool(tmp_path / "pool", slots=1, bearer_token="local-token") as pool:
        client = BatchClient(pool.url, credential)
        # azure-core refuses bearer tokens over plain HTTP unless told per call.
        assert list(client.list_pools(enforce_https=False)) == []
        refused = BatchClient(pool.url, _StaticToken("stolen"))
        with pytest.raises(HttpResponseError) as caught:
            refused.get_pool("p", enforce_https=False)
        assert caught.value.status_code == 403
    assert credential.scopes == ["https://batch.core.windows.net//.default"]
