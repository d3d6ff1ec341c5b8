"""Enrol learners in an offer: each gets a course enrolment and a unit enrolment per course unit."""

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.learners.models import UsiStatus
from testamur.training.models import CourseEnrolment, UnitEnrolment
from testamur.training.views.offers import ENROL_NONE_SELECTED, ENROL_SKIPPED, ENROLLED
from tests.factories import course_make, enrolment_make, learner_make, offer_make, unit_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    units = [unit_make("BSBWHS411"), unit_make("BSBOPS404", nominal_hours=30)]
    return offer_make(course_make("BSB40120", units=units), code="BSB4-2026-T1")


def _enrol_url(offer) -> str:
    return reverse("training:offer_enrol", args=[offer.pk])


def test_search_finds_learners_by_name_learner_id_or_usi(rto_user_client, offer):
    ada = learner_make(given_name="Ada", family_name="Lovelace", client_id="L1001")
    grace = learner_make(given_name="Grace", family_name="Hopper", client_id="L1002")

    def found(q):
        page = rto_user_client.get(_enrol_url(offer), {"q": q}).content.decode()
        return {learner.client_id for learner in (ada, grace) if learner.client_id in page}

    assert found("lovelace") == {"L1001"}
    assert found("grace hop") == {"L1002"}
    assert found("l1002") == {"L1002"}
    assert found(ada.usi) == {"L1001"}
    assert (
        "No learner matches"
        in rto_user_client.get(_enrol_url(offer), {"q": "zzz"}).content.decode()
    )


def test_enrolling_creates_course_and_unit_enrolments_with_outcome_not_set(
    rto_user_client, rto_user, offer
):
    ada, grace = learner_make(), learner_make()

    response = rto_user_client.post(_enrol_url(offer), {"learner": [ada.pk, grace.pk]}, follow=True)

    page = response.content.decode()
    assert ENROLLED.format(count=2, offer="BSB4-2026-T1", units=2) in page
    assert ada.full_name in page and grace.full_name in page
    enrolment = CourseEnrolment.objects.get(learner=ada, offer=offer)
    assert enrolment.status == "active"
    assert enrolment.commencement_date == offer.start_date
    unit_enrolments = UnitEnrolment.objects.filter(course_enrolment=enrolment).order_by(
        "unit__code"
    )
    assert [(u.unit.code, u.outcome.code) for u in unit_enrolments] == [
        ("BSBOPS404", "00"),
        ("BSBWHS411", "00"),
    ]
    assert unit_enrolments[0].scheduled_hours == 30
    assert unit_enrolments[0].outcome.jurisdiction == "national"
    event = Event.objects.get(subject_type="courseenrolment", subject_id=str(enrolment.pk))
    assert (event.action, event.learner_id, event.actor) == ("created", ada.pk, rto_user)


def test_learners_already_enrolled_are_skipped_with_a_message(rto_admin_client, offer):
    already = learner_make(given_name="Ada", family_name="Lovelace", client_id="L1001")
    enrolment_make(already, offer)
    new = learner_make()

    response = rto_admin_client.post(
        _enrol_url(offer), {"learner": [already.pk, new.pk]}, follow=True
    )

    page = response.content.decode()
    assert ENROLLED.format(count=1, offer="BSB4-2026-T1", units=2) in page
    assert ENROL_SKIPPED.format(count=1, names="Ada Lovelace (L1001)") in page
    assert CourseEnrolment.objects.filter(offer=offer).count() == 2
    assert UnitEnrolment.objects.filter(course_enrolment__learner=already).count() == 2


def test_already_enrolled_learners_cannot_be_ticked(rto_admin_client, offer):
    already = learner_make(family_name="Lovelace")
    enrolment_make(already, offer)

    page = rto_admin_client.get(_enrol_url(offer), {"q": "lovelace"}).content.decode()

    assert "Already enrolled" in page
    assert f'name="learner" value="{already.pk}"' not in page


def test_enrolling_nobody_says_so_and_changes_nothing(rto_admin_client, offer):
    response = rto_admin_client.post(_enrol_url(offer), {"learner": ["abc", "999999"]}, follow=True)

    assert ENROL_NONE_SELECTED in response.content.decode()
    assert not CourseEnrolment.objects.exists()


def test_learners_without_a_verified_usi_can_still_be_enrolled(rto_admin_client, offer):
    learner = learner_make(usi_status=UsiStatus.NOT_SUPPLIED)

    rto_admin_client.post(_enrol_url(offer), {"learner": [learner.pk]})

    assert CourseEnrolment.objects.filter(learner=learner, offer=offer).exists()
