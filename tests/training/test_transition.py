"""Moving a learner from a superseded qualification to its replacement."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from testamur.core.models import Event
from testamur.training.finalisation.transition import (
    ALREADY_TRANSITIONED,
    COMMITMENT_REQUIRED,
    COMMITMENT_UNCHANGED,
    NOT_SUPERSEDED,
    WRONG_COURSE,
    enrolment_transition,
)
from testamur.training.models import CourseEnrolment, CourseOffer
from testamur.training.services import PROGRAM_ID_GAP, PROGRAM_ID_REPEATED
from tests.factories import course_make, enrolment_make, learner_make, offer_make, unit_make
from tests.training.helpers import shows

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_enrolment():
    new_course = course_make("BSB40120", title="Certificate IV in Business", units=[unit_make()])
    old_course = course_make(
        "BSB40215", title="Certificate IV in Business (old)", units=[unit_make()]
    )
    old_course.superseded_by = new_course
    old_course.save()
    offer_make(new_course, code="BSB40120-T2")
    learner = learner_make(given_name="Ada", family_name="Lovelace")
    return enrolment_make(learner, offer_make(old_course, code="BSB40215-T1"), commitment_id="C100")


def _new_offer():
    return CourseOffer.objects.get(code="BSB40120-T2")


def test_not_reported_cancels_the_commitment_and_uses_a_new_one(old_enrolment, rto_admin):
    new = enrolment_transition(
        actor=rto_admin,
        enrolment=old_enrolment,
        offer=_new_offer(),
        reported=False,
        commitment_id="C200",
    )

    old_enrolment.refresh_from_db()
    assert old_enrolment.commitment_id_cancelled_on is not None
    assert old_enrolment.status == "active"
    assert (new.commitment_id, new.transitioned_from) == ("C200", old_enrolment)
    assert new.program_ids == ["BSB40120"]
    assert new.unit_enrolments.count() == 1
    event = Event.objects.get(subject_type="courseenrolment", action="transitioned")
    assert event.data["commitment_id_cancelled"] == "C100"


def test_reported_keeps_the_commitment_and_reports_both_codes(old_enrolment, rto_admin):
    new = enrolment_transition(
        actor=rto_admin, enrolment=old_enrolment, offer=_new_offer(), reported=True
    )

    old_enrolment.refresh_from_db()
    assert old_enrolment.commitment_id_cancelled_on is None
    assert new.commitment_id == "C100"
    assert (new.program_id_1, new.program_id_2, new.program_id_3) == ("BSB40120", "BSB40215", "")


@pytest.mark.parametrize(
    ("commitment_id", "message"),
    [
        ("", COMMITMENT_REQUIRED.format(old="C100")),
        ("C100", COMMITMENT_UNCHANGED.format(old="C100")),
    ],
)
def test_a_new_commitment_id_is_needed_when_the_old_one_is_cancelled(
    old_enrolment, rto_admin, commitment_id, message
):
    with pytest.raises(ValidationError) as refused:
        enrolment_transition(
            actor=rto_admin,
            enrolment=old_enrolment,
            offer=_new_offer(),
            reported=False,
            commitment_id=commitment_id,
        )

    assert refused.value.message_dict["commitment_id"] == [message]
    assert CourseEnrolment.objects.count() == 1


def test_only_an_offer_of_the_superseding_course_will_do(old_enrolment, rto_admin):
    with pytest.raises(ValidationError) as refused:
        enrolment_transition(
            actor=rto_admin, enrolment=old_enrolment, offer=old_enrolment.offer, reported=True
        )

    assert refused.value.message_dict["offer"] == [
        WRONG_COURSE.format(new="BSB40120", old="BSB40215")
    ]


def test_a_course_that_is_not_superseded_cannot_transition(rto_admin):
    enrolment = enrolment_make()

    with pytest.raises(ValidationError) as refused:
        enrolment_transition(
            actor=rto_admin, enrolment=enrolment, offer=enrolment.offer, reported=True
        )

    assert refused.value.messages == [NOT_SUPERSEDED.format(course=enrolment.offer.course.code)]


def test_transition_happens_once(old_enrolment, rto_admin):
    enrolment_transition(
        actor=rto_admin, enrolment=old_enrolment, offer=_new_offer(), reported=True
    )

    with pytest.raises(ValidationError) as refused:
        enrolment_transition(
            actor=rto_admin, enrolment=old_enrolment, offer=_new_offer(), reported=True
        )

    assert refused.value.messages == [ALREADY_TRANSITIONED.format(course="BSB40120")]


def test_admin_transitions_from_the_enrolment_page(rto_admin_client, old_enrolment):
    detail = reverse("training:enrolment_detail", args=[old_enrolment.pk])
    url = reverse("training:enrolment_transition", args=[old_enrolment.pk])
    assert url in rto_admin_client.get(detail).content.decode()

    response = rto_admin_client.post(
        url, {"offer": _new_offer().pk, "reported": "no", "commitment_id": "C200"}, follow=True
    )

    text = response.content.decode()
    assert "Enrolled Ada Lovelace in BSB40120-T2" in text
    assert "Transitioned from" in text and "BSB40215" in text
    assert "C200" in text
    old_page = rto_admin_client.get(detail).content.decode()
    assert "Transitioned to" in old_page
    assert "Cancelled" in old_page


def test_program_identifiers_are_kept_in_order_without_repeats(rto_user_client, old_enrolment):
    url = reverse("training:enrolment_edit", args=[old_enrolment.pk])
    base = {"status": "active", "commencement_date": "2026-02-02", "commitment_id": "C100"}

    gap = rto_user_client.post(url, {**base, "program_id_1": "BSB40215", "program_id_3": "X1"})
    repeat = rto_user_client.post(
        url, {**base, "program_id_1": "BSB40215", "program_id_2": "BSB40215"}
    )
    rto_user_client.post(url, {**base, "program_id_1": "BSB40120", "program_id_2": "BSB40215"})

    assert shows(gap, PROGRAM_ID_GAP)
    assert shows(repeat, PROGRAM_ID_REPEATED.format(code="BSB40215"))
    old_enrolment.refresh_from_db()
    assert old_enrolment.program_ids == ["BSB40120", "BSB40215"]
