"""The issuer's identity as a DID: did:web (default), did:key, or the issuer URL; key rotation
keeps what the old key signed verifiable."""

import json

import pytest
from django.urls import reverse

from testamur.verification import dids
from testamur.verification.checks import vc_issuer_is_known
from testamur.verification.issuance import utc_timestamp
from testamur.verification.keys import vc_signing_key_rotate
from testamur.verification.models import DigitalCredential, VcSigningKey
from testamur.verification.verifier import vc_verify
from tests.factories import learner_make
from tests.verification.helpers import enrolments_for, issued, one_issued

pytestmark = pytest.mark.django_db

BASE = "https://credentials.harbourcity.example"
DID = "did:web:credentials.harbourcity.example"


@pytest.fixture(autouse=True)
def _https_base(settings):
    settings.PUBLIC_BASE_URL = BASE


def _signed(credential) -> dict:
    return DigitalCredential.objects.get(credential=credential).signed


def _did_document(client) -> dict:
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/did+ld+json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


def test_by_default_the_issuer_is_the_sites_did_web(
    client, rto_admin, django_capture_on_commit_callbacks
):
    vc = _signed(one_issued(rto_admin, django_capture_on_commit_callbacks))
    signing_key = VcSigningKey.objects.get(is_active=True)
    key = signing_key.public_key_multibase
    assert vc["issuer"]["id"] == DID
    assert vc["proof"][0]["verificationMethod"] == f"{DID}#{key}"
    document = _did_document(client)
    assert document["id"] == DID
    assert document["verificationMethod"] == [
        {
            "id": f"{DID}#{key}",
            "type": "Multikey",
            "controller": DID,
            "publicKeyMultibase": key,
            "validFrom": utc_timestamp(signing_key.created_at),
        }
    ]
    assert document["assertionMethod"] == [f"{DID}#{key}"]
    assert vc_verify(vc).valid


@pytest.mark.parametrize(
    ("base", "did", "path"),
    [
        ("https://credentials.harbourcity.example", DID, "/.well-known/did.json"),
        ("http://127.0.0.1:8000", "did:web:127.0.0.1%3A8000", "/.well-known/did.json"),
        (
            "https://rto.example/credentials",
            "did:web:rto.example:credentials",
            "/credentials/did.json",
        ),
    ],
)
def test_did_web_follows_the_public_address(settings, base, did, path):
    settings.PUBLIC_BASE_URL = base
    assert dids.did_web() == did
    assert dids.did_web_document_path() == path


def test_did_key_for_an_installation_without_a_public_host(
    settings, rto_admin, django_capture_on_commit_callbacks
):
    settings.VC_ISSUER = "did:key"
    vc = _signed(one_issued(rto_admin, django_capture_on_commit_callbacks))
    key = VcSigningKey.objects.get(is_active=True).public_key_multibase
    assert vc["issuer"]["id"] == f"did:key:{key}"
    assert vc["proof"][0]["verificationMethod"] == f"did:key:{key}#{key}"
    assert dids.did_key_document(vc["issuer"]["id"])["assertionMethod"] == [f"did:key:{key}#{key}"]
    assert vc_verify(vc).valid


def test_credentials_issued_under_the_issuer_url_stay_verifiable(
    client, settings, rto_admin, django_capture_on_commit_callbacks
):
    settings.VC_ISSUER = "url"
    learners = [learner_make(given_name="Mia", family_name="Nguyen") for _ in range(2)]
    old, new = enrolments_for(learners)
    (before,) = issued(rto_admin, django_capture_on_commit_callbacks, [old])
    settings.VC_ISSUER = "did:web"
    (after,) = issued(rto_admin, django_capture_on_commit_callbacks, [new])
    assert _signed(before)["issuer"]["id"] == f"{BASE}/vc/issuer"
    assert _signed(after)["issuer"]["id"] == DID
    issuer = json.loads(client.get(reverse("verification:issuer")).content)
    key = VcSigningKey.objects.get(is_active=True).public_key_multibase
    assert issuer["assertionMethod"][0]["id"] == f"{BASE}/vc/issuer#{key}"
    assert vc_verify(_signed(before)).valid
    assert vc_verify(_signed(after)).valid


def test_an_unknown_issuer_setting_is_refused(settings):
    settings.VC_ISSUER = "did:ion"
    (error,) = vc_issuer_is_known(None)
    assert error.msg == dids.UNKNOWN_ISSUER_KIND.format(value="did:ion")
    with pytest.raises(ValueError) as excinfo:
        dids.issuer_kind()
    assert str(excinfo.value) == dids.UNKNOWN_ISSUER_KIND.format(value="did:ion")


def test_after_a_key_rotation_old_credentials_still_verify(
    client, rto_admin, django_capture_on_commit_callbacks
):
    learners = [learner_make(given_name="Mia", family_name="Nguyen") for _ in range(2)]
    old, new = enrolments_for(learners)
    (before,) = issued(rto_admin, django_capture_on_commit_callbacks, [old])
    old_key = VcSigningKey.objects.get(is_active=True).public_key_multibase
    new_key = vc_signing_key_rotate(actor=rto_admin).public_key_multibase
    (after,) = issued(rto_admin, django_capture_on_commit_callbacks, [new])

    assert _signed(before)["proof"][0]["verificationMethod"] == f"{DID}#{old_key}"
    assert _signed(after)["proof"][0]["verificationMethod"] == f"{DID}#{new_key}"
    document = _did_document(client)
    # The active key first; the retired one stays so what it signed keeps verifying.
    assert document["assertionMethod"] == [f"{DID}#{new_key}", f"{DID}#{old_key}"]
    assert vc_verify(_signed(before)).valid
    assert vc_verify(_signed(after)).valid
