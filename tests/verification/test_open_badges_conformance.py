"""1EdTech Open Badges 3.0 conformance: every credential we issue passes the published JSON
Schemas (data/README.md), hides the learner behind a salted hash and names its schema."""

import hashlib
import json
from pathlib import Path

import pytest
from django.urls import reverse
from jsonschema import Draft201909Validator, FormatChecker

from testamur.verification import composition
from testamur.verification.models import DigitalCredential
from testamur.verification.verifier import vc_verify
from tests.factories import learner_make
from tests.verification.helpers import enrolments_for, issued, one_issued

pytestmark = pytest.mark.django_db

ALL_UNITS = ("BSBWHS411", "BSBOPS404", "BSBXCM401")
SCHEMAS = Path(__file__).parent / "data" / "ob_v3p0"


def _validator(name: str) -> Draft201909Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft201909Validator(schema, format_checker=FormatChecker())


ACHIEVEMENT_CREDENTIAL = _validator("achievementcredential.json")
PROFILE = _validator("profile.json")


def _errors(validator, document) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


@pytest.fixture(autouse=True)
def _https_base(settings):
    settings.PUBLIC_BASE_URL = "https://credentials.harbourcity.example"


@pytest.mark.parametrize(
    "credential_type", ["testamur", "statement_of_attainment", "record_of_results"]
)
def test_every_credential_type_passes_the_ob_3_schemas(
    rto_admin, django_capture_on_commit_callbacks, credential_type
):
    credential = one_issued(
        rto_admin, django_capture_on_commit_callbacks, credential_type, achieved=ALL_UNITS
    )
    vc = DigitalCredential.objects.get(credential=credential).signed
    assert _errors(ACHIEVEMENT_CREDENTIAL, vc) == []
    assert _errors(PROFILE, vc["issuer"]) == []
    assert vc_verify(vc).valid


def test_the_schema_catches_what_it_must(rto_admin, django_capture_on_commit_callbacks):
    """The schema check is not a formality: the former single-object proof fails it."""
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    vc = DigitalCredential.objects.get(credential=credential).signed
    single = {**vc, "proof": vc["proof"][0]}
    assert any(e.startswith("proof:") for e in _errors(ACHIEVEMENT_CREDENTIAL, single))


def test_the_issuer_documents_pass_the_profile_schema(client):
    issuer = json.loads(client.get(reverse("verification:issuer")).content)
    assert _errors(PROFILE, issuer) == []


def test_served_as_a_secured_json_ld_credential_with_proof_array_and_schema(
    client, rto_admin, django_capture_on_commit_callbacks
):
    credential = one_issued(rto_admin, django_capture_on_commit_callbacks)
    response = client.get(reverse("verification:verify_vc", args=[credential.verification_code]))
    assert response["Content-Type"] == "application/vc+ld+json"
    vc = json.loads(response.content)
    assert isinstance(vc["proof"], list) and len(vc["proof"]) == 1
    assert vc["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
            "ob_v3p0_achievementcredential_schema.json",
            "type": "JsonSchema",
        }
    ]
    assert vc["awardedDate"] == vc["validFrom"]


def test_the_learner_is_a_salted_hash_that_the_name_matches(
    client, rto_admin, django_capture_on_commit_callbacks
):
    learners = [learner_make(given_name="Mia", family_name="Nguyen") for _ in range(2)]
    credentials = issued(rto_admin, django_capture_on_commit_callbacks, enrolments_for(learners))
    identities = []
    for credential in credentials:
        vc = DigitalCredential.objects.get(credential=credential).signed
        identity = vc["credentialSubject"]["identifier"][0]
        assert "Mia Nguyen" not in json.dumps(vc)
        assert identity["hashed"] is True
        assert identity["identityType"] == "name"
        digest = hashlib.sha256(("Mia Nguyen" + identity["salt"]).encode()).hexdigest()
        assert identity["identityHash"] == f"sha256${digest}"
        identities.append(identity["identityHash"])
    # Each credential has its own salt: two credentials of one learner cannot be linked.
    assert identities[0] != identities[1]


def test_the_achievement_describes_what_was_achieved(rto_admin, django_capture_on_commit_callbacks):
    learners = [learner_make(given_name="Mia", family_name="Nguyen") for _ in range(2)]
    first, second = enrolments_for(learners, achieved=ALL_UNITS)
    capture = django_capture_on_commit_callbacks
    (testamur,) = issued(rto_admin, capture, [first], "testamur")
    (soa,) = issued(rto_admin, capture, [second])
    described = {
        c.credential_type: DigitalCredential.objects.get(credential=c).signed["credentialSubject"][
            "achievement"
        ]["description"]
        for c in (testamur, soa)
    }
    assert described["testamur"].startswith(
        "The nationally recognised qualification BSB40120 Certificate IV in Business at AQF level 4"
    )
    assert (
        "Competent in 3 units of competency towards BSB40120"
        in described["statement_of_attainment"]
    )
    assert "BSBWHS411 Implement and monitor WHS policies" in described["statement_of_attainment"]


@pytest.mark.parametrize(
    ("level", "title", "expected"),
    [
        (1, "Certificate I in Construction", "Certificate"),
        (2, "Certificate II in Retail Services", "Certificate"),
        (3, "Certificate III in Individual Support", "Certificate"),
        (4, "Certificate IV in Business", "Certificate"),
        (5, "Diploma of Leadership and Management", "Diploma"),
        (6, "Advanced Diploma of Leadership and Management", "ext:AdvancedDiploma"),
        (6, "Associate Degree of Engineering", "AssociateDegree"),
        (7, "Bachelor of Applied Business", "BachelorDegree"),
        (8, "Graduate Certificate in Management", "ext:GraduateCertificate"),
        (8, "Graduate Diploma of Strategic Leadership", "ext:GraduateDiploma"),
        (8, "Bachelor of Science (Honours)", "BachelorDegree"),
        (9, "Master of Business Administration", "MasterDegree"),
        (10, "Doctor of Philosophy", "DoctoralDegree"),
    ],
)
def test_each_aqf_level_maps_to_its_achievement_type(level, title, expected):
    facts = {
        "credential": {"type": "testamur"},
        "course": {"aqf_level": level, "title": title},
    }
    assert composition._achievement_type(facts) == expected
    achievement_type = {"achievementType": expected}
    schema = ACHIEVEMENT_CREDENTIAL.schema["$defs"]["Achievement"]["properties"]
    assert Draft201909Validator(schema["achievementType"]).is_valid(
        achievement_type["achievementType"]
    )
