"""After a key rotation the DID document dates each key (when it was the signing key), still
expands under our bundled contexts, and our verifier refuses a proof a retired key made after
it was retired; what it signed before stays valid."""

import json
from datetime import timedelta

import pytest
from pyld import jsonld

from testamur.verification import checking
from testamur.verification.contexts import document_loader, terms_check
from testamur.verification.issuance import proof_add, utc_timestamp
from testamur.verification.keys import private_key_of, signing_identity, vc_signing_key_rotate
from testamur.verification.models import DigitalCredential, VcSigningKey
from tests.factories import learner_make
from tests.verification.helpers import enrolments_for, issued

pytestmark = pytest.mark.django_db

DID = "did:web:credentials.harbourcity.example"
VALID_FROM = "https://schema.org/validFrom"
VALID_UNTIL = "https://schema.org/validUntil"


@pytest.fixture(autouse=True)
def _https_base(settings):
    settings.PUBLIC_BASE_URL = "https://credentials.harbourcity.example"


@pytest.fixture
def rotated(rto_admin, django_capture_on_commit_callbacks):
    """A credential signed by the first key, then the key rotated."""
    learners = [learner_make(given_name="Mia", family_name="Nguyen")]
    (credential,) = issued(rto_admin, django_capture_on_commit_callbacks, enrolments_for(learners))
    old = VcSigningKey.objects.get(is_active=True)
    new = vc_signing_key_rotate(actor=rto_admin)
    old.refresh_from_db()
    vc = DigitalCredential.objects.get(credential=credential).signed
    return vc, old, new


def _did_document(client) -> dict:
    return json.loads(client.get("/.well-known/did.json").content)


def test_each_key_is_dated_with_the_period_it_signed(client, rotated):
    _, old, new = rotated

    methods = {m["publicKeyMultibase"]: m for m in _did_document(client)["verificationMethod"]}

    assert methods[new.public_key_multibase]["validFrom"] == utc_timestamp(new.created_at)
    assert "validUntil" not in methods[new.public_key_multibase]
    assert methods[old.public_key_multibase]["validFrom"] == utc_timestamp(old.created_at)
    assert methods[old.public_key_multibase]["validUntil"] == utc_timestamp(new.created_at)
    # Nothing a verifier reads as "this key must not be used": no expires, no revoked.
    assert not any({"expires", "revoked"} & set(m) for m in methods.values())


def test_the_did_document_expands_with_our_bundled_contexts_and_keeps_the_dates(client, rotated):
    document = _did_document(client)

    terms_check(document)  # nothing dropped, nothing undefined, no context fetched
    [expanded] = jsonld.expand(document, {"documentLoader": document_loader, "base": None})

    [method] = [
        m for m in expanded["https://w3id.org/security#verificationMethod"] if VALID_UNTIL in m
    ]
    assert method[VALID_UNTIL][0]["@type"] == "http://www.w3.org/2001/XMLSchema#dateTime"
    assert method[VALID_FROM][0]["@value"] == utc_timestamp(rotated[1].created_at)
    assert method["@type"] == ["https://w3id.org/security#Multikey"]


def test_what_the_old_key_signed_before_its_rotation_still_verifies(rotated):
    vc, _, _ = rotated

    result = checking.credential_check(vc)

    assert result.verified, result.errors
    assert result.status == checking.STATUS_VALID


def test_a_proof_by_the_retired_key_made_after_its_rotation_is_refused(rotated):
    vc, old, new = rotated
    unsigned = {key: value for key, value in vc.items() if key != "proof"}
    after_rotation = new.created_at + timedelta(seconds=5)

    late = proof_add(
        unsigned,
        private_key=private_key_of(old),
        verification_method=signing_identity(old)[1],
        created=after_rotation,
        as_set=True,
    )
    result = checking.credential_check(late)

    assert not result.verified
    assert result.errors == [
        checking.KEY_RETIRED.format(
            created=utc_timestamp(after_rotation), until=utc_timestamp(new.created_at)
        )
    ]
    assert "replaced" in result.errors[0]
