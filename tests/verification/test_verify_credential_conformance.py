"""Our own verifier (checking.py) as the Data Integrity and EdDSA cryptosuite specifications
ask of a verifier: every refusal case, proof sets and chains, VC 2.0 and 1.1, no network."""

import copy
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from testamur.credentials.services import credential_cancel
from testamur.verification import checking
from testamur.verification.contexts import CONTEXT_REFUSED, DATA_INTEGRITY_V2, VC_V1
from testamur.verification.issuance import (
    BAD_SIGNATURE,
    CHAIN_BROKEN,
    NO_PURPOSE,
    WRONG_PURPOSE,
    proof_add,
)
from testamur.verification.models import DigitalCredential
from testamur.verification.multikey import public_key_multibase
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _https_base(settings):
    settings.PUBLIC_BASE_URL = "https://credentials.harbourcity.example"


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks)


@pytest.fixture
def vc(credential) -> dict:
    return copy.deepcopy(DigitalCredential.objects.get(credential=credential).signed)


def _did_key() -> tuple[Ed25519PrivateKey, str]:
    private_key = Ed25519PrivateKey.generate()
    key = public_key_multibase(private_key.public_key())
    return private_key, f"did:key:{key}#{key}"


def test_our_credential_verifies_with_its_issuer_status_and_achievement(vc):
    result = checking.credential_check(vc)
    assert result.verified, result.errors
    assert result.known_issuer
    assert result.issuer_id == "did:web:credentials.harbourcity.example"
    assert result.issuer_name == "Harbour City Training"
    assert result.status == checking.STATUS_VALID
    assert "BSB40120 Certificate IV in Business" in result.achievement
    assert result.valid_from == vc["validFrom"]


def test_a_cancelled_credential_reads_revoked(vc, credential, rto_admin):
    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    result = checking.credential_check(vc)
    assert not result.verified
    assert result.status == checking.STATUS_REVOKED


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda vc: vc.pop("credentialSubject"), checking.NO_SUBJECT),
        (lambda vc: vc["proof"][0].pop("proofPurpose"), NO_PURPOSE),
        (
            lambda vc: vc["proof"][0].update(proofPurpose="authentication"),
            WRONG_PURPOSE.format(purpose="authentication"),
        ),
        (
            lambda vc: vc["@context"].append("https://example.org/extra-terms.jsonld"),
            CONTEXT_REFUSED.format(url="https://example.org/extra-terms.jsonld"),
        ),
        (lambda vc: vc.update({"@context": ["https://example.org/v9"]}), checking.NOT_A_VC),
        (lambda vc: vc.update(type=["OpenBadgeCredential"]), checking.NOT_VC_TYPE),
        (lambda vc: vc.pop("issuer"), checking.NO_ISSUER),
        (lambda vc: vc.pop("proof"), "The document carries no proof."),
    ],
    ids=[
        "no subject",
        "no purpose",
        "wrong purpose",
        "unknown context",
        "not a vc",
        "not vc type",
        "no issuer",
        "no proof",
    ],
)
def test_each_non_conforming_credential_is_refused_with_its_reason(vc, change, message):
    change(vc)
    result = checking.credential_check(vc)
    assert not result.verified
    assert result.errors == [message]


def test_an_undefined_term_is_data_loss(vc):
    vc["credentialSubject"]["usi"] = "BNGH7C75FN"
    result = checking.credential_check(vc)
    assert not result.verified
    assert result.errors[0].startswith("Data loss:")
    assert "usi" in result.errors[0]


def test_a_proof_set_verifies_only_if_every_proof_does(vc):
    private_key, method = _did_key()
    both = proof_add(
        vc, private_key=private_key, verification_method=method, created=MOMENT, as_set=True
    )
    assert len(both["proof"]) == 2
    assert checking.credential_check(both).verified
    both["proof"][1]["created"] = "2026-03-02T00:00:00Z"
    result = checking.credential_check(both)
    assert result.errors == [BAD_SIGNATURE]


def _foreign(method: str) -> dict:
    """An unsigned VC 2.0 credential issued by the did:key of `method`."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:0f3c5e7d-1c51-4f0e-9d0a-2b7c1c0f9a11",
        "type": ["VerifiableCredential"],
        "issuer": method.split("#")[0],
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }


def test_a_proof_chain_signs_the_proof_it_follows():
    private_key, method = _did_key()
    endorser_key, endorser = _did_key()

    def sign(document, key, verification_method, created=MOMENT, **options):
        return proof_add(
            document,
            private_key=key,
            verification_method=verification_method,
            created=created,
            as_set=True,
            **options,
        )

    first = sign(_foreign(method), private_key, method, proof_id="urn:uuid:first")
    chained = sign(
        first, endorser_key, endorser, proof_id="urn:uuid:second", previous_proof="urn:uuid:first"
    )
    assert [p["id"] for p in chained["proof"]] == ["urn:uuid:first", "urn:uuid:second"]
    assert checking.credential_check(chained).verified

    # The first proof swapped for another valid one with the same id: only the chain breaks.
    other = sign(
        _foreign(method),
        private_key,
        method,
        created=datetime(2026, 4, 1, tzinfo=UTC),
        proof_id="urn:uuid:first",
    )["proof"][0]
    assert checking.credential_check({**chained, "proof": [other]}).verified
    swapped = {**chained, "proof": [other, chained["proof"][1]]}
    assert checking.credential_check(swapped).errors == [BAD_SIGNATURE]

    missing = {**chained, "proof": [chained["proof"][1]]}
    assert checking.credential_check(missing).errors == [CHAIN_BROKEN]


def test_a_vc_1_1_credential_is_verified_and_its_issuer_not_claimed_as_ours():
    private_key, method = _did_key()
    unsigned = {
        "@context": [VC_V1, DATA_INTEGRITY_V2],
        "id": "urn:uuid:6a9c92a9-2530-4e2b-9776-530467e9bbe0",
        "type": ["VerifiableCredential"],
        "issuer": method.split("#")[0],
        "issuanceDate": "2024-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:learner"},
    }
    signed = proof_add(
        unsigned, private_key=private_key, verification_method=method, created=MOMENT
    )
    result = checking.credential_check(signed)
    assert result.verified, result.errors
    assert not result.known_issuer
    assert result.status == checking.STATUS_UNKNOWN
    assert result.warnings == [checking.UNKNOWN_ISSUER.format(issuer=unsigned["issuer"])]
    assert result.valid_from == "2024-01-01T00:00:00Z"

    no_date = {k: v for k, v in signed.items() if k != "issuanceDate"}
    assert checking.credential_check(no_date).errors == [checking.NO_ISSUANCE_DATE]


def test_a_proof_by_someone_other_than_the_issuer_is_refused(vc):
    private_key, method = _did_key()
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    signed = proof_add(
        unsigned, private_key=private_key, verification_method=method, created=MOMENT
    )
    assert checking.credential_check(signed).errors == [checking.NOT_BY_ISSUER]


def test_our_credential_whose_status_list_cannot_be_read_is_status_unknown(vc):
    from testamur.verification.keys import active_vc_signing_key, private_key_of, signing_identity

    key = active_vc_signing_key()
    unsigned = {k: v for k, v in vc.items() if k != "proof"}
    missing_list = unsigned["credentialStatus"]["statusListCredential"].replace("/1", "/99")
    unsigned["credentialStatus"] = {
        **unsigned["credentialStatus"],
        "id": f"{missing_list}#5",
        "statusListCredential": missing_list,
    }
    signed = proof_add(
        unsigned,
        private_key=private_key_of(key),
        verification_method=signing_identity(key)[1],
        created=MOMENT,
        as_set=True,
    )
    result = checking.credential_check(signed)
    assert result.verified and result.known_issuer
    assert result.status == checking.STATUS_UNKNOWN
    assert result.warnings == [checking.STATUS_UNREADABLE]
