"""Settings › Signing key: the Owner sees the active certificate and uploads a PKCS#12."""

import datetime
import html

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from testamur.accounts.roles import Role
from testamur.core.models import Event
from testamur.organisation.models import SigningKey
from testamur.organisation.signing_keys import (
    CERTIFICATE_EXPIRED,
    KEY_TYPE_UNSUITABLE,
    KEY_USAGE_UNSUITABLE,
    NOT_PKCS12,
    WRONG_PASSPHRASE,
    signing_key_generate_self_signed,
)
from testamur.organisation.views import SIGNING_KEY_INSTALLED

pytestmark = pytest.mark.django_db

URL = reverse("organisation:signing_key")
PASSPHRASE = "correct horse battery staple"
NOW = datetime.datetime.now(datetime.UTC)


def make_pkcs12(
    *,
    key=None,
    not_before=NOW - datetime.timedelta(days=1),
    not_after=NOW + datetime.timedelta(days=365),
    issuer_name="Harbour City Test CA",
    signing_usage=True,
    passphrase=PASSPHRASE,
) -> bytes:
    """A PKCS#12 as a certificate authority would hand it over (CA-issued unless told)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "Harbour City Training credentials"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Harbour City Training Pty Ltd"),
        ]
    )
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)])
    issuer_key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.KeyUsage(
                digital_signature=signing_usage,
                content_commitment=signing_usage,
                key_encipherment=not signing_usage,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return pkcs12.serialize_key_and_certificates(
        b"credentials",
        key,
        cert,
        None,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )


def post(client, data: bytes, passphrase: str = PASSPHRASE, name: str = "signing.p12"):
    return client.post(
        URL,
        {"pkcs12_file": SimpleUploadedFile(name, data), "passphrase": passphrase},
        follow=True,
    )


def _text(response) -> str:
    return html.unescape(response.content.decode())


def test_only_the_owner_has_the_signing_key_tab(owner_client, role_client):
    assert owner_client.get(URL).status_code == 200
    assert "Signing key</a>" in _text(owner_client.get(reverse("organisation:settings")))
    for role in (Role.ADMIN, Role.USER):
        client = role_client(role)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {}).status_code == 403


def test_the_active_key_is_described(owner_client):
    key = signing_key_generate_self_signed()

    text = _text(owner_client.get(URL))

    assert key.subject in text
    assert key.issuer in text
    # Shown in the RTO's time zone: late in the UTC day that is already the next day there.
    assert timezone.localtime(key.not_after).strftime("%d/%m/%Y") in text
    assert key.fingerprint_display in text
    assert len(key.fingerprint_sha256) == 64
    assert "Self-signed" in text and "unknown signer" in text


def test_a_valid_pkcs12_becomes_the_active_key(owner_client, owner):
    old = signing_key_generate_self_signed()

    response = post(owner_client, make_pkcs12())

    text = _text(response)
    new = SigningKey.objects.get(is_active=True)
    assert new != old
    assert SIGNING_KEY_INSTALLED.format(subject=new.subject) in text
    assert new.issuer == "CN=Harbour City Test CA"
    assert not new.is_self_signed
    assert new.created_by == owner
    assert "Earlier keys" in text and old.fingerprint_display in text
    # The passphrase is never shown back, nor recorded in the event log.
    assert PASSPHRASE not in text
    event = Event.objects.get(subject_type="signing_key", subject_id=str(new.pk))
    assert PASSPHRASE not in str(event.data)


def test_a_new_key_signs_the_next_documents(owner_client):
    from testamur.organisation.signing_keys import signer_for_process

    post(owner_client, make_pkcs12())

    signer = signer_for_process()
    assert signer.signer_name == "Harbour City Training credentials"


@pytest.mark.parametrize(
    "make,passphrase,message",
    [
        (lambda: make_pkcs12(), "not the passphrase", WRONG_PASSPHRASE),
        (lambda: b"this is not a key file at all" * 10, PASSPHRASE, NOT_PKCS12),
        (
            lambda: make_pkcs12(
                not_before=NOW - datetime.timedelta(days=400),
                not_after=NOW - datetime.timedelta(days=2),
            ),
            PASSPHRASE,
            CERTIFICATE_EXPIRED.format(
                date=(NOW - datetime.timedelta(days=2)).strftime("%d/%m/%Y")
            ),
        ),
        (
            # A weak key is exactly what must be refused.
            lambda: make_pkcs12(key=rsa.generate_private_key(public_exponent=65537, key_size=1024)),  # noqa: S505
            PASSPHRASE,
            KEY_TYPE_UNSUITABLE,
        ),
        (lambda: make_pkcs12(signing_usage=False), PASSPHRASE, KEY_USAGE_UNSUITABLE),
    ],
    ids=["wrong-passphrase", "garbage", "expired", "rsa-1024", "no-signing-usage"],
)
def test_a_bad_upload_is_refused_inline_and_nothing_changes(
    owner_client, make, passphrase, message
):
    before = signing_key_generate_self_signed()
    events = Event.objects.count()

    response = post(owner_client, make(), passphrase=passphrase)

    assert response.status_code == 200
    text = _text(response)
    assert message in text
    assert passphrase not in text
    assert list(SigningKey.objects.all()) == [before]
    assert SigningKey.objects.get().is_active
    assert Event.objects.count() == events


def test_an_upload_without_a_file_asks_for_one(owner_client):
    response = owner_client.post(URL, {"passphrase": PASSPHRASE})

    assert "This field is required." in _text(response)
    assert not SigningKey.objects.exists()
