"""A learner who agreed is also identified by their email on the digital credential: a salted
hash beside the name's, fixed at issue (withdrawing later changes no issued credential)."""

import hashlib
import json

import pytest
from django.urls import reverse

from testamur.learners.models import EmailConsentSource
from testamur.learners.services import learner_email_consent_set
from testamur.verification import composition
from testamur.verification.models import DigitalCredential
from testamur.verification.pdf_twin import embedded_credential
from testamur.verification.register_checks import digital_credentials_check
from testamur.verification.services import digital_credentials_make
from testamur.verification.verifier import vc_verify
from tests.factories import learner_make
from tests.verification.helpers import enrolments_for, issued
from tests.verification.test_open_badges_conformance import ACHIEVEMENT_CREDENTIAL, _errors

pytestmark = pytest.mark.django_db

EMAIL = "Mia.Nguyen@Example.com"


@pytest.fixture(autouse=True)
def _https_base(settings):
    settings.PUBLIC_BASE_URL = "https://credentials.harbourcity.example"


def _learner(email=EMAIL, consent: str = ""):
    learner = learner_make(given_name="Mia", family_name="Nguyen", email=email)
    if consent:
        learner_email_consent_set(learner=learner, actor=None, source=consent)
    return learner


def _issue(actor, capture, learner):
    [credential] = issued(actor, capture, enrolments_for([learner]))
    return credential


def _served(client, credential) -> dict:
    response = client.get(reverse("verification:verify_vc", args=[credential.verification_code]))
    assert response.status_code == 200
    return json.loads(response.content)


def _identities(vc: dict) -> dict[str, dict]:
    return {i["identityType"]: i for i in vc["credentialSubject"]["identifier"]}


def test_with_consent_the_email_hash_is_beside_the_name_hash_and_verifies(
    client, rto_admin, django_capture_on_commit_callbacks
):
    learner = _learner(consent=EmailConsentSource.ENROLMENT_FORM)
    credential = _issue(rto_admin, django_capture_on_commit_callbacks, learner)

    vc = _served(client, credential)
    identities = _identities(vc)

    assert set(identities) == {"name", "emailAddress"}
    email = identities["emailAddress"]
    assert email["hashed"] is True and email["type"] == "IdentityObject"
    # The salt is the credential's own, as for the name; the holder proves the address.
    assert email["salt"] == composition.identity_salt(vc["id"]) == identities["name"]["salt"]
    expected = hashlib.sha256(("mia.nguyen@example.com" + email["salt"]).encode()).hexdigest()
    assert email["identityHash"] == f"sha256${expected}"
    assert "mia.nguyen" not in json.dumps(vc).lower()
    assert _errors(ACHIEVEMENT_CREDENTIAL, vc) == []
    assert vc_verify(vc).valid
    assert digital_credentials_check([credential]) == {}


def test_without_consent_there_is_no_email_identifier(
    client, rto_admin, django_capture_on_commit_callbacks
):
    credential = _issue(rto_admin, django_capture_on_commit_callbacks, _learner())

    assert set(_identities(_served(client, credential))) == {"name"}


def test_consent_withdrawn_before_issue_leaves_the_email_out(
    client, rto_admin, django_capture_on_commit_callbacks
):
    learner = _learner(consent=EmailConsentSource.LEARNER_PORTAL)
    learner_email_consent_set(learner=learner, actor=None, source="")

    credential = _issue(rto_admin, django_capture_on_commit_callbacks, learner)

    assert set(_identities(_served(client, credential))) == {"name"}


def test_consent_without_an_email_address_adds_nothing(
    client, rto_admin, django_capture_on_commit_callbacks
):
    learner = _learner(email="", consent=EmailConsentSource.STAFF_RECORDED)
    credential = _issue(rto_admin, django_capture_on_commit_callbacks, learner)

    assert set(_identities(_served(client, credential))) == {"name"}


def test_withdrawing_after_issue_changes_no_issued_credential(
    client, rto_admin, django_capture_on_commit_callbacks
):
    learner = _learner(consent=EmailConsentSource.ENROLMENT_FORM)
    enrolments = enrolments_for([learner], achieved=("BSBWHS411", "BSBOPS404", "BSBXCM401"))
    [credential] = issued(rto_admin, django_capture_on_commit_callbacks, enrolments)
    before = _served(client, credential)

    learner_email_consent_set(learner=learner, actor=None, source="")
    learner.email = "someone.else@example.com"
    learner.save()

    after = _served(client, credential)
    assert after == before
    assert "emailAddress" in _identities(after)
    assert DigitalCredential.objects.get(credential=credential).signed == before
    assert digital_credentials_check([credential]) == {}
    # Credentials issued after the withdrawal carry no email.
    [later] = issued(rto_admin, django_capture_on_commit_callbacks, enrolments, "testamur")
    assert set(_identities(_served(client, later))) == {"name"}


def test_the_register_check_still_catches_an_altered_email_identifier(
    rto_admin, django_capture_on_commit_callbacks
):
    learner = _learner(consent=EmailConsentSource.ENROLMENT_FORM)
    credential = _issue(rto_admin, django_capture_on_commit_callbacks, learner)
    entry = DigitalCredential.objects.get(credential=credential)
    identifiers = entry.signed["credentialSubject"]["identifier"]
    identifiers[1]["salt"] = "0" * 32
    entry.save(update_fields=["signed"])

    assert credential.pk in digital_credentials_check([credential])


def test_the_credential_inside_the_issued_pdf_carries_the_same_email_identifier(
    client, settings, rto_admin, django_capture_on_commit_callbacks
):
    """Made in the issue run (the PDF's digital twin): consent is read there too."""
    settings.ISSUED_PDF_DIGITAL_TWIN = True
    learner = _learner(consent=EmailConsentSource.ENROLMENT_FORM)
    credential = _issue(rto_admin, django_capture_on_commit_callbacks, learner)
    with credential.document.open("rb") as handle:
        embedded = embedded_credential(handle.read())

    assert embedded == _served(client, credential)
    assert "emailAddress" in _identities(embedded)


def test_the_address_agreed_at_issue_is_frozen_with_the_issued_record(
    client, rto_admin, django_capture_on_commit_callbacks
):
    learner = _learner(consent=EmailConsentSource.LEARNER_PORTAL)
    credential = _issue(rto_admin, django_capture_on_commit_callbacks, learner)
    assert credential.issuance.learner_email_identifier == EMAIL

    # The learner withdraws before the digital credential is (re)made from the record: it is
    # still what was issued, as the document and the register say.
    learner_email_consent_set(learner=learner, actor=None, source="")
    DigitalCredential.objects.filter(credential=credential).update(signed=None, signed_at=None)
    digital_credentials_make(credential_ids=[credential.pk])

    assert "emailAddress" in _identities(_served(client, credential))
    assert digital_credentials_check([credential]) == {}
