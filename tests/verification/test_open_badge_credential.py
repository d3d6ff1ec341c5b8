"""The Open Badges 3.0 credential of an issued credential: its shape, its proof, its privacy."""

import copy
import json

import pytest
from django.urls import reverse

from testamur.verification import composition, services
from testamur.verification.contexts import UNDEFINED_PROPERTY, UndefinedTerm
from testamur.verification.issuance import BAD_SIGNATURE
from testamur.verification.models import DigitalCredential
from testamur.verification.verifier import vc_verify
from tests.verification.helpers import one_issued

pytestmark = pytest.mark.django_db

BASE = "https://credentials.harbourcity.example"


@pytest.fixture(autouse=True)
def _https_base(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def credential(rto_admin, django_capture_on_commit_callbacks):
    return one_issued(rto_admin, django_capture_on_commit_callbacks, email="mia@example.com")


def _download(client, credential) -> dict:
    response = client.get(reverse("verification:verify_vc", args=[credential.verification_code]))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Disposition"].startswith("attachment")
    return json.loads(response.content)


def test_the_download_is_an_open_badges_3_credential(client, credential):
    vc = _download(client, credential)
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"].startswith("urn:uuid:")
    assert vc["issuer"]["id"] == "did:web:credentials.harbourcity.example"
    assert vc["issuer"]["type"] == ["Profile"]
    assert vc["issuer"]["name"] == "Harbour City Training"
    assert vc["issuer"]["otherIdentifier"][0]["identifier"] == "41234"
    assert vc["validFrom"].endswith("Z")
    assert vc["validFrom"] == credential.issued_at.astimezone(__import__("datetime").UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0]["identityHash"].startswith("sha256$")
    achievement = subject["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert "BSB40120 Certificate IV in Business" in achievement["name"]
    assert [a["targetCode"] for a in achievement["alignment"]] == ["BSBOPS404", "BSBWHS411"]
    status = vc["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert status["statusListCredential"] == f"{BASE}/vc/status/revocation/1"
    assert vc["proof"][0]["type"] == "DataIntegrityProof"
    assert vc["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert vc["proof"][0]["verificationMethod"].startswith(
        "did:web:credentials.harbourcity.example#z6Mk"
    )


def test_a_testamur_names_the_qualification(rto_admin, django_capture_on_commit_callbacks):
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks, "testamur")
    vc = DigitalCredential.objects.get(credential=credential).signed
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["name"] == "BSB40120 Certificate IV in Business"
    assert achievement["achievementType"] == "Certificate"
    assert achievement["humanCode"] == "BSB40120"


def test_no_personal_data_beyond_the_display_name(client, credential):
    learner = credential.learner
    text = json.dumps(_download(client, credential))
    for private in [
        learner.usi,
        learner.email,
        learner.date_of_birth.isoformat(),
        learner.middle_names,
        learner.client_id,
    ]:
        assert private not in text


def test_the_proof_verifies_with_the_key_the_issuer_publishes(client, credential):
    from testamur.verification.issuance import proof_verify
    from testamur.verification.multikey import public_key_from_multibase

    vc = _download(client, credential)
    did = json.loads(client.get("/.well-known/did.json").content)
    keys = {
        method["id"]: public_key_from_multibase(method["publicKeyMultibase"])
        for method in did["verificationMethod"]
        if method["id"] in did["assertionMethod"]
    }
    assert proof_verify(vc, public_keys=keys).valid
    assert vc_verify(vc).valid


@pytest.mark.parametrize(
    "change",
    [
        lambda vc: vc["credentialSubject"]["identifier"][0].update(identityHash="Someone Else"),
        lambda vc: vc["credentialSubject"]["achievement"].update(name="Diploma of Forgery"),
        lambda vc: vc.update(validFrom="2020-01-01T00:00:00Z"),
        lambda vc: vc["credentialStatus"].update(statusListIndex="1"),
        lambda vc: vc["issuer"].update(name="Another RTO"),
    ],
    ids=["learner", "achievement", "validFrom", "status index", "issuer"],
)
def test_changing_any_signed_field_makes_it_invalid(client, credential, change):
    vc = _download(client, credential)
    tampered = copy.deepcopy(vc)
    change(tampered)
    check = vc_verify(tampered)
    assert not check.valid
    assert BAD_SIGNATURE in check.summary


def test_the_credential_is_made_once_and_served_unchanged(client, credential):
    first = _download(client, credential)
    credential.learner.family_name = "Renamed"
    credential.learner.save()
    assert _download(client, credential) == first
    assert DigitalCredential.objects.filter(credential=credential).count() == 1


def test_an_undefined_property_is_refused_and_nothing_is_stored(credential, monkeypatch):
    shape = composition.open_badge_credential

    def with_usi(facts, **kwargs):
        document = shape(facts, **kwargs)
        document["credentialSubject"]["usi"] = "BNGH7C75FN"
        return document

    DigitalCredential.objects.filter(credential=credential).delete()
    monkeypatch.setattr(composition, "open_badge_credential", with_usi)
    with pytest.raises(UndefinedTerm) as excinfo:
        services.digital_credentials_make(credential_ids=[credential.pk])
    assert str(excinfo.value) == UNDEFINED_PROPERTY.format(detail="usi")
    assert not DigitalCredential.objects.filter(credential=credential).exists()


def test_control_characters_are_stripped_before_signing(
    rto_admin, django_capture_on_commit_callbacks
):
    credential = one_issued(
        rto_admin, django_capture_on_commit_callbacks, family_name="Nguyen\x07\x1b"
    )
    vc = DigitalCredential.objects.get(credential=credential).signed
    identity = vc["credentialSubject"]["identifier"][0]
    assert identity["identityHash"] == composition.identity_hash("Mia Nguyen", identity["salt"])
    assert vc_verify(vc).valid


def test_a_cancelled_credential_has_no_download(client, credential, rto_admin):
    from testamur.credentials.services import credential_cancel

    credential_cancel(actor=rto_admin, credential=credential, reason="Issued in error")
    response = client.get(reverse("verification:verify_vc", args=[credential.verification_code]))
    assert response.status_code == 404
