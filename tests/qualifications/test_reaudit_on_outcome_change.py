"""Changing a unit outcome audits the learner's qualification enrolments again, in the same
transaction: the qualification page is never behind the results."""

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.qualifications.models import AuditOutcome, QualificationEnrolment, QualificationStatus
from testamur.training.services import unit_enrolment_create, unit_enrolment_update
from tests.factories import (
    learner_make,
    outcome,
    qualification_enrolment_make,
    system_actor,
    units_make,
)
from tests.qualifications.helpers import BSB_CORE, BSB_ELECTIVES, achieve, business

pytestmark = pytest.mark.django_db


@pytest.fixture
def almost_there():
    """A learner one elective short of BSB40120: that elective is still continuing (70)."""
    bsb = business()
    learner = learner_make()
    achieve(learner, BSB_CORE + BSB_ELECTIVES[:6])
    continuing = achieve(learner, BSB_ELECTIVES[6:7], "70")
    enrolment = qualification_enrolment_make(learner, bsb)
    assert enrolment.status == QualificationStatus.NOT_YET_ACHIEVED
    return enrolment, continuing.unit_enrolments.get()


def test_an_achieved_outcome_makes_the_enrolment_ready(rto_user_client, almost_there):
    enrolment, unit_enrolment = almost_there
    data = {
        "start_date": "2026-02-02",
        "end_date": "2026-03-13",
        "scheduled_hours": "40",
        "actual_hours": "40",
        "outcome": str(outcome("20").pk),
        "delivery_mode": "I",
    }
    url = reverse("training:unit_enrolment_edit", args=[unit_enrolment.pk])
    response = rto_user_client.post(url, data)
    assert response.status_code == 302

    enrolment.refresh_from_db()
    assert enrolment.status == QualificationStatus.READY
    assert enrolment.audit_outcome == AuditOutcome.ALL_MAJORS
    event = Event.objects.filter(subject_type="qualification_enrolment", action="audited").last()
    assert (event.from_state, event.to_state) == ("not_yet_achieved", "ready")

    page = rto_user_client.get(reverse("qualifications:enrolment_detail", args=[enrolment.pk]))
    assert "Ready to be Requested" in page.content.decode()


def test_an_outcome_changed_back_makes_it_not_yet_achieved(almost_there):
    enrolment, unit_enrolment = almost_there
    actor = system_actor()
    unit_enrolment_update(
        unit_enrolment=unit_enrolment, actor=actor, data={"outcome": outcome("20")}
    )
    enrolment.refresh_from_db()
    assert enrolment.status == QualificationStatus.READY

    unit_enrolment_update(
        unit_enrolment=unit_enrolment, actor=actor, data={"outcome": outcome("30")}
    )
    enrolment.refresh_from_db()
    assert enrolment.status == QualificationStatus.NOT_YET_ACHIEVED
    assert "1 more elective" in enrolment.audit_summary


def test_adding_a_unit_enrolment_with_an_outcome_audits_again(almost_there):
    enrolment, unit_enrolment = almost_there
    unit_enrolment_create(
        actor=system_actor(),
        course_enrolment=unit_enrolment.course_enrolment,
        unit=units_make(BSB_ELECTIVES[7])[0],
        outcome=outcome("51"),
    )
    enrolment.refresh_from_db()
    assert enrolment.status == QualificationStatus.READY


def test_a_refused_outcome_change_leaves_the_audit_alone(rto_user_client, almost_there):
    enrolment, unit_enrolment = almost_there
    audited_at = enrolment.audited_at
    data = {
        "start_date": "2026-03-13",
        "end_date": "2026-02-02",  # ends before it starts: refused
        "scheduled_hours": "40",
        "actual_hours": "40",
        "outcome": str(outcome("20").pk),
        "delivery_mode": "I",
    }
    url = reverse("training:unit_enrolment_edit", args=[unit_enrolment.pk])
    response = rto_user_client.post(url, data)
    assert response.status_code == 200
    enrolment = QualificationEnrolment.objects.get(pk=enrolment.pk)
    assert enrolment.status == QualificationStatus.NOT_YET_ACHIEVED
    assert enrolment.audited_at == audited_at


def test_finalising_the_course_as_completed_makes_the_enrolment_ready(almost_there):
    from datetime import date

    from testamur.training.finalisation.plans import Finalisation
    from testamur.training.finalisation.services import enrolments_finalise

    enrolment, unit_enrolment = almost_there
    course_enrolment = unit_enrolment.course_enrolment
    enrolments_finalise(
        enrolments=[course_enrolment],
        finalisation=Finalisation(
            status="completed", completion_date=date(2026, 3, 13), unit_outcome=outcome("20")
        ),
        actor=system_actor(),
    )

    enrolment.refresh_from_db()
    assert enrolment.status == QualificationStatus.READY
