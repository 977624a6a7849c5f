"""SAS URLs: least privilege enforced by Azurite, expiry from the time limit, Entra ID signing."""

from __future__ import annotations

import base64
import ipaddress
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from azure.core.credentials import AccessToken
from azure.storage.blob import BlobServiceClient
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from azure_batch_maya.local.azurite import AzuriteProcess, start_azurite
from azure_batch_maya.services.clients import create_blob_service_client
from azure_batch_maya.services.errors import (
    AuthenticationError,
    PermissionDeniedError,
    service_call,
)
from azure_batch_maya.services.sas import (
    MAX_USER_DELEGATION,
    SasAccess,
    SasLifetimeError,
    create_container_sas_url,
    signs_with_user_delegation,
)
from azure_batch_maya.services.settings import AuthMode, ServiceSettings
from azure_batch_maya.services.storage import create_container, upload_file
from tests.services.blobs import FAST, sas_container, write_file


def test_an_inputs_sas_reads_and_lists_but_cannot_write(client, container, tmp_path):
    upload_file(client, container, write_file(tmp_path / "scene.ma", 10), "scene.ma")
    url = create_container_sas_url(
        client, container, access=SasAccess.INPUTS, time_limit=timedelta(hours=2)
    )
    assert parse_qs(urlsplit(url).query)["sp"] == ["rl"]
    inputs = sas_container(url)
    assert [b.name for b in inputs.list_blobs()] == ["scene.ma"]
    assert inputs.download_blob("scene.ma").readall() == (tmp_path / "scene.ma").read_bytes()
    with pytest.raises(PermissionDeniedError) as denied, service_call("storage"):
        inputs.upload_blob("evil.ma", b"overwritten", overwrite=True)
    assert denied.value.code == "AuthorizationPermissionMismatch"
    with pytest.raises(PermissionDeniedError), service_call("storage"):
        inputs.delete_blob("scene.ma")


def test_an_outputs_sas_writes_but_cannot_read_or_list(client, container):
    url = create_container_sas_url(
        client, container, access=SasAccess.OUTPUTS, time_limit=timedelta(hours=2)
    )
    assert parse_qs(urlsplit(url).query)["sp"] == ["w"]
    outputs = sas_container(url)
    outputs.upload_blob("images/beauty.0001.exr", b"pixels")
    with pytest.raises(PermissionDeniedError), service_call("storage"):
        outputs.download_blob("images/beauty.0001.exr").readall()
    with pytest.raises(PermissionDeniedError), service_call("storage"):
        list(outputs.list_blobs())
    assert client.get_blob_client(container, "images/beauty.0001.exr").exists()


def test_a_sas_expires_after_its_time_limit(client, container):
    three_hours_ago = datetime.now(timezone.utc) - timedelta(hours=3)
    url = create_container_sas_url(
        client,
        container,
        access=SasAccess.INPUTS,
        time_limit=timedelta(hours=2),
        now=three_hours_ago,
    )
    expiry = datetime.fromisoformat(parse_qs(urlsplit(url).query)["se"][0].replace("Z", "+00:00"))
    assert abs(expiry - (three_hours_ago + timedelta(hours=2))) < timedelta(seconds=1)
    with pytest.raises(AuthenticationError), service_call("storage"):
        list(sas_container(url).list_blobs())


def self_signed_loopback_certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "azurite-cert.pem", folder / "azurite-key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, private


class StandInEntraSignIn:
    """Stands in for Entra ID: an unsigned token with the claims Azurite's basic check reads."""

    def __init__(self) -> None:
        self.scopes: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.scopes.append(scopes)
        now = int(time.time())
        claims = {
            "aud": "https://storage.azure.com",
            "iss": "https://sts.windows.net/ab1f708d-50f6-404c-a006-d71b2ac7a606/",
            "tid": "ab1f708d-50f6-404c-a006-d71b2ac7a606",
            "oid": "11059fcc-5514-4800-b5f8-49808b9cfab6",
            "iat": now - 60,
            "nbf": now - 60,
            "exp": now + 3600,
        }
        parts = [{"alg": "none", "typ": "JWT"}, claims]
        encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=") for p in parts]
        return AccessToken(b".".join([*encoded, b"c2ln"]).decode(), now + 3600)


@pytest.fixture
def azurite_oauth(tmp_path, monkeypatch):
    cert, key = self_signed_loopback_certificate(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    with start_azurite(tls=(cert, key), oauth=True) as process:
        yield process


def entra_client(azurite: AzuriteProcess, sign_in: StandInEntraSignIn) -> BlobServiceClient:
    """A storage client signed in with Entra ID (the stand-in) to Azurite over HTTPS."""
    settings = ServiceSettings(
        batch_url="https://render.westeurope.batch.azure.com",
        batch_account="render",
        auth_mode=AuthMode.ENTRA,
        storage_account=azurite.account_name,
        storage_blob_endpoint=azurite.blob_endpoint,
    )
    return create_blob_service_client(settings, credential=sign_in, options=FAST)


def test_entra_sign_in_works_over_https_and_signs_sas_with_a_delegation_key(azurite_oauth):
    sign_in = StandInEntraSignIn()
    client = entra_client(azurite_oauth, sign_in)
    create_container(client, "inputs")
    client.get_container_client("inputs").upload_blob("scene.ma", b"//Maya ASCII")
    assert sign_in.scopes[0] == ("https://storage.azure.com/.default",)

    url = create_container_sas_url(
        client, "inputs", access=SasAccess.INPUTS, time_limit=timedelta(hours=1)
    )
    query = parse_qs(urlsplit(url).query)
    assert query["sp"] == ["rl"]
    assert query["spr"] == ["https"]
    assert query["skoid"] == ["11059fcc-5514-4800-b5f8-49808b9cfab6"]
    inputs = sas_container(url)
    assert inputs.download_blob("scene.ma").readall() == b"//Maya ASCII"
    with pytest.raises(PermissionDeniedError), service_call("storage"):
        inputs.upload_blob("evil.ma", b"x")


def test_a_delegation_sas_is_capped_at_azures_7_days_before_any_request(azurite_oauth):
    sign_in = StandInEntraSignIn()
    client = entra_client(azurite_oauth, sign_in)
    create_container(client, "outputs")
    assert signs_with_user_delegation(client)
    asked = len(sign_in.scopes)
    with pytest.raises(SasLifetimeError, match=r"at most 7 days.*--time-limit"):
        create_container_sas_url(
            client, "outputs", access=SasAccess.OUTPUTS, time_limit=timedelta(days=7, hours=6)
        )
    assert len(sign_in.scopes) == asked  # refused here, not by Azure's InvalidXmlNodeValue
    longest = create_container_sas_url(
        client, "outputs", access=SasAccess.OUTPUTS, time_limit=MAX_USER_DELEGATION
    )
    expiry = datetime.fromisoformat(parse_qs(urlsplit(longest).query)["se"][0].replace("Z", ""))
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    assert timedelta(days=6, hours=23) < expiry - now <= timedelta(days=7)


def test_an_account_key_sas_may_outlive_7_days(client, container):
    assert not signs_with_user_delegation(client)
    url = create_container_sas_url(
        client, container, access=SasAccess.INPUTS, time_limit=timedelta(days=30)
    )
    assert "se=" in url
