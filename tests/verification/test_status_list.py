"""Revocation: the Bitstring Status List, the issuer document, and cancelling flipping the bit."""

import json

import pytest
from django.urls import reverse

from testamur.credentials.services import credential_cancel, credential_cancel_bulk
from testamur.verification import services
from testamur.verification.composition import bit_is_set, bitstring_decode
from testamur.verification.issuance import proof_verify
from testamur.verification.models import STATUS_LIST_LENGTH
from testamur.verification.multikey import public_key_from_multibase
from testamur.verification.verifier import REVOKED, vc_verify
from tests.factories import learner_make
from tests.verification.helpers import enrolments_for, issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentials(rto_admin, django_capture_on_commit_callbacks):
    learners = [learner_make(given_name="Sam", family_name=f"Lee{n}") for n in range(3)]
    return issued(rto_admin, django_capture_on_commit_callbacks, enrolments_for(learners))


def _vc(client, credential) -> dict:
    url = reverse("verification:verify_vc", args=[credential.verification_code])
    return json.loads(client.get(url).content)


def _status_list(client, vc) -> tuple[dict, bytes]:
    url = vc["credentialStatus"]["statusListCredential"].split("/vc/", 1)[1]
    response = client.get(f"/vc/{url}")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    document = json.loads(response.content)
    return document, bitstring_decode(document["credentialSubject"]["encodedList"])


def _revoked(client, vc) -> bool:
    _, bits = _status_list(client, vc)
    return bit_is_set(bits, int(vc["credentialStatus"]["statusListIndex"]))


def _issuer_keys(client) -> dict:
    """The keys of the issuer's DID document (did:web, the default issuer)."""
    did = json.loads(client.get(reverse("verification:did_document")).content)
    return {
        m["id"]: public_key_from_multibase(m["publicKeyMultibase"])
        for m in did["verificationMethod"]
        if m["id"] in did["assertionMethod"]
    }


def test_the_status_list_is_a_signed_16kb_gzip_base64url_bitstring(client, credentials):
    vc = _vc(client, credentials[0])
    document, bits = _status_list(client, vc)
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = document["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["encodedList"].startswith("u")
    assert "=" not in subject["encodedList"] and "+" not in subject["encodedList"]
    assert len(bits) * 8 == STATUS_LIST_LENGTH == 131_072
    assert not any(bits)
    assert proof_verify(document, public_keys=_issuer_keys(client)).valid


def test_each_credential_gets_its_own_random_index(client, credentials):
    indexes = [int(_vc(client, c)["credentialStatus"]["statusListIndex"]) for c in credentials]
    assert len(set(indexes)) == 3
    assert all(0 <= index < STATUS_LIST_LENGTH for index in indexes)


def test_an_index_drawn_twice_is_drawn_again_so_a_cancel_revokes_one_credential_only(
    client, rto_admin, django_capture_on_commit_callbacks, monkeypatch
):
    # A batch's entries go in with one INSERT that leaves out a row whose index is taken: those
    # are drawn again. Were two to share an index, cancelling one would revoke the other.
    draws = iter([7, 7, 7, 7, 11, 7, 13])
    real = services.secrets.randbelow
    monkeypatch.setattr(services.secrets, "randbelow", lambda n: next(draws, None) or real(n))
    learners = [learner_make(given_name="Ari", family_name=f"Cole{n}") for n in range(3)]
    credentials = issued(rto_admin, django_capture_on_commit_callbacks, enrolments_for(learners))
    vcs = [_vc(client, c) for c in credentials]
    indexes = [int(vc["credentialStatus"]["statusListIndex"]) for vc in vcs]
    assert sorted(indexes) == [7, 11, 13]

    credential_cancel(
        actor=rto_admin, credential=credentials[indexes.index(11)], reason="Issued in error"
    )

    assert [_revoked(client, vc) for vc in vcs] == [index == 11 for index in indexes]


def test_cancelling_flips_the_bit_at_once_and_the_page_agrees(client, credentials, rto_admin):
    vcs = [_vc(client, c) for c in credentials]
    assert [_revoked(client, vc) for vc in vcs] == [False, False, False]
    assert vc_verify(vcs[1]).valid

    credential_cancel(actor=rto_admin, credential=credentials[1], reason="Issued in error")

    assert [_revoked(client, vc) for vc in vcs] == [False, True, False]
    check = vc_verify(vcs[1])
    assert check.revoked and not check.valid
    assert REVOKED in check.summary
    page = client.get(reverse("verification:verify", args=[credentials[1].verification_code]))
    assert b"Cancelled" in page.content
    # The re-signed list still carries a valid proof.
    document, _ = _status_list(client, vcs[1])
    assert proof_verify(document, public_keys=_issuer_keys(client)).valid


def test_bulk_cancel_revokes_every_one(client, credentials, rto_admin):
    vcs = [_vc(client, c) for c in credentials]
    credential_cancel_bulk(actor=rto_admin, credentials=credentials[:2], reason="Wrong template")
    assert [_revoked(client, vc) for vc in vcs] == [True, True, False]


def test_a_credential_cancelled_before_anyone_looked_is_revoked_too(client, credentials, rto_admin):
    first = _vc(client, credentials[0])  # the list exists
    credential_cancel(actor=rto_admin, credential=credentials[2], reason="Issued in error")
    page = client.get(reverse("verification:verify", args=[credentials[2].verification_code]))
    assert b"Cancelled" in page.content
    _, bits = _status_list(client, first)
    assert sum(bin(byte).count("1") for byte in bits) == 1


def test_the_issuer_document_publishes_the_public_key_only(client, credentials, settings):
    settings.PUBLIC_BASE_URL = "https://credentials.harbourcity.example"
    response = client.get(reverse("verification:issuer"))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    issuer = json.loads(response.content)
    assert issuer["id"] == "https://credentials.harbourcity.example/vc/issuer"
    assert issuer["type"] == ["Profile"]
    assert issuer["name"] == "Harbour City Training"
    [method] = issuer["assertionMethod"]
    assert method["type"] == "Multikey"
    assert method["controller"] == issuer["id"]
    assert method["id"] == f"{issuer['id']}#{method['publicKeyMultibase']}"
    assert method["publicKeyMultibase"].startswith("z6Mk")
    text = response.content.decode()
    assert "secretKey" not in text and "privateKey" not in text


def test_an_unknown_status_list_is_a_json_404(client, credentials):
    response = client.get("/vc/status/revocation/99")
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get("/vc/status/suspension/1").status_code == 404
