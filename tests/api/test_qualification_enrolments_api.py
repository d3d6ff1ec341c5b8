"""Qualification enrolments through the API: enrol, audit, status, request both credentials."""

import pytest

from testamur.credentials.models import Credential, CredentialType
from testamur.qualifications.models import QualificationEnrolment, QualificationStatus
from tests.factories import learner_make, organisation_configured
from tests.qualifications.helpers import AGEING, CORE, OTHER, achieve, individual_support

pytestmark = pytest.mark.django_db


@pytest.fixture
def chc():
    organisation_configured()
    return individual_support()


def _ageing_major(chc):
    return chc.packaging_rule.majors.get(name="Ageing")


def test_enrol_and_the_audit_says_what_is_missing(user_api, chc):
    learner = learner_make(given_name="Ana", family_name="Nguyen")
    achieve(learner, CORE[:3])
    response = user_api.post(
        "/qualification-enrolments",
        {"learner": learner.pk, "qualification": chc.pk, "major": _ageing_major(chc).pk},
    )
    assert response.status_code == 201, response.content
    enrolment = response.json()
    assert enrolment["status"] == "not_yet_achieved"
    assert enrolment["audit_outcome"] == "no_majors" and enrolment["audit_passed"] is False
    assert enrolment["major"]["name"] == "Ageing"
    assert enrolment["audit_explanation"]["requirements"]
    listed = user_api.get(f"/learners/{learner.pk}/qualification-enrolments").json()
    assert [e["id"] for e in listed] == [enrolment["id"]]


def test_a_qualification_with_majors_needs_one(user_api, chc):
    response = user_api.post(
        "/qualification-enrolments", {"learner": learner_make().pk, "qualification": chc.pk}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "major"]


def test_audit_again_after_results_change_makes_it_ready(user_api, chc):
    learner = learner_make()
    response = user_api.post(
        "/qualification-enrolments",
        {"learner": learner.pk, "qualification": chc.pk, "major": _ageing_major(chc).pk},
    )
    pk = response.json()["id"]
    assert response.json()["status"] == "not_yet_achieved"
    achieve(learner, CORE + AGEING + OTHER[:3])  # results arrive from elsewhere
    audited = user_api.post(f"/qualification-enrolments/{pk}/audit").json()
    assert audited["enrolment"]["status"] == "ready"
    assert audited["enrolment"]["audit_outcome"] == "assigned_major"
    assert audited["summary"] == QualificationEnrolment.objects.get(pk=pk).audit_summary
    by_status = user_api.get(f"/qualifications/{chc.pk}/enrolments", {"status": "ready"}).json()
    assert [e["id"] for e in by_status["items"]] == [pk]


def test_request_both_credentials_once_ready(user_api, chc, django_capture_on_commit_callbacks):
    learner = learner_make()
    achieve(learner, CORE + AGEING + OTHER[:3])
    pk = user_api.post(
        "/qualification-enrolments",
        {"learner": learner.pk, "qualification": chc.pk, "major": _ageing_major(chc).pk},
    ).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = user_api.post(
            f"/qualification-enrolments/{pk}/request-credentials",
            {"credential_date": "2026-11-20"},
            headers={"Idempotency-Key": "qe-request-1"},
        )
    assert response.status_code == 201, response.content
    kinds = {c["credential_type"] for c in response.json()["credentials"]}
    assert kinds == {CredentialType.TESTAMUR, CredentialType.RECORD_OF_RESULTS}
    assert {c["qualification_enrolment"] for c in response.json()["credentials"]} == {pk}
    assert {c["course"]["code"] for c in response.json()["credentials"]} == {"CHC33021"}
    status = user_api.get(f"/qualification-enrolments/{pk}").json()["status"]
    assert status == QualificationStatus.AWAITING_ISSUE  # generated in the background
    # A retry with the same key requests nothing more; a new request is refused (not Ready).
    retry = user_api.post(
        f"/qualification-enrolments/{pk}/request-credentials",
        {"credential_date": "2026-11-20"},
        headers={"Idempotency-Key": "qe-request-1"},
    )
    assert retry.status_code == 201 and retry.json() == response.json()
    again = user_api.post(f"/qualification-enrolments/{pk}/request-credentials", {})
    assert again.status_code == 422 and "Ready to be Requested" in again.json()["detail"]
    assert Credential.objects.count() == 2
    register = user_api.get("/credentials", {"qualification_enrolment": pk}).json()
    assert register["count"] == 2
