"""Courses, offers, enrolments and unit outcomes through the API."""

import pytest

from testamur.organisation.models import Jurisdiction
from testamur.training.models import CourseEnrolment, EnrolmentStatus
from testamur.training.services import ENROLMENT_EXISTS, OUTCOME_WRONG_JURISDICTION
from tests.factories import course_make, enrolment_make, learner_make, offer_make, unit_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    course = course_make("BSB40120", units=[unit_make("BSBWHS411"), unit_make("BSBOPS404")])
    return offer_make(course, code="BSB40120-2026-T1")


def test_courses_and_offers_are_listed_with_their_units(user_api, offer):
    courses = user_api.get("/courses", {"q": "BSB40"}).json()
    assert [c["code"] for c in courses["items"]] == ["BSB40120"]
    course = user_api.get(f"/courses/{offer.course_id}").json()
    assert [u["code"] for u in course["units"]] == ["BSBOPS404", "BSBWHS411"]
    offers = user_api.get("/offers", {"course": offer.course_id}).json()
    assert [(o["code"], o["enrolment_count"]) for o in offers["items"]] == [("BSB40120-2026-T1", 0)]


def test_enrol_a_learner_with_a_unit_enrolment_per_unit(user_api, offer):
    learner = learner_make()
    response = user_api.post("/enrolments", {"learner": learner.pk, "offer": offer.pk})
    assert response.status_code == 201
    enrolment = response.json()
    assert enrolment["status"] == "active"
    assert enrolment["commencement_date"] == offer.start_date.isoformat()
    assert [(u["unit"]["code"], u["outcome"]) for u in enrolment["unit_enrolments"]] == [
        ("BSBOPS404", "00"),
        ("BSBWHS411", "00"),
    ]
    again = user_api.post("/enrolments", {"learner": learner.pk, "offer": offer.pk})
    assert again.status_code == 422
    assert again.json()["detail"] == ENROLMENT_EXISTS.format(
        learner=learner.full_name, offer=offer.code
    )
    listed = user_api.get(f"/learners/{learner.pk}/enrolments").json()
    assert [e["id"] for e in listed["items"]] == [enrolment["id"]]


def test_record_unit_outcomes(user_api, offer):
    enrolment = enrolment_make(offer=offer)
    unit = enrolment.unit_enrolments.get(unit__code="BSBWHS411")
    path = f"/enrolments/{enrolment.pk}/unit-enrolments/{unit.pk}"

    response = user_api.patch(path, {"outcome": "20", "actual_hours": 40})
    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["achieved"]) == ("20", True)
    assert response.json()["actual_hours"] == 40

    wrong_set = user_api.patch(path, {"outcome": "01"})  # a WA code, the organisation is national
    assert wrong_set.status_code == 422
    assert wrong_set.json()["detail"] == OUTCOME_WRONG_JURISDICTION.format(
        code="01", jurisdiction=Jurisdiction.NATIONAL.label
    )
    assert user_api.patch(path, {"outcome": "99"}).status_code == 422
    assert user_api.patch(path, {"actual_hours": 1.25}).status_code == 422
    unit.refresh_from_db()
    assert unit.outcome.code == "20"


def test_change_an_enrolment(user_api, offer):
    enrolment = enrolment_make(offer=offer)
    response = user_api.patch(
        f"/enrolments/{enrolment.pk}", {"commitment_id": "C123", "completion_date": "2026-10-01"}
    )
    assert response.status_code == 200
    enrolment.refresh_from_db()
    assert (enrolment.commitment_id, str(enrolment.completion_date)) == ("C123", "2026-10-01")


def test_finalise_shows_the_changes_then_applies_them_for_admins_only(admin_api, user_api, offer):
    enrolment = enrolment_make(offer=offer, outcomes={"BSBWHS411": "20", "BSBOPS404": "20"})
    body = {"status": "completed", "completion_date": "2026-11-01"}
    path = f"/enrolments/{enrolment.pk}/finalise"

    assert user_api.post(path, {**body, "apply": True}).status_code == 403

    preview = admin_api.post(path, body).json()
    assert preview["applied"] is False
    assert {"field": "status", "label": "Status", "before": "Active", "after": "Completed"} in (
        preview["changes"]
    )
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE

    applied = admin_api.post(path, {**body, "apply": True}).json()
    assert applied["applied"] is True and applied["enrolment"]["status"] == "completed"
    assert CourseEnrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.COMPLETED
