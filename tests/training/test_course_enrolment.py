"""A course enrolment's page, editing its status and dates, and enrolling one learner."""

from datetime import date

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.training.forms import UNKNOWN_LEARNER_ID
from testamur.training.models import CourseEnrolment, UnitEnrolment
from testamur.training.services import ENROLMENT_COMPLETES_BEFORE_COMMENCING, ENROLMENT_EXISTS
from tests.factories import course_make, enrolment_make, learner_make, offer_make, unit_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment():
    course = course_make(
        "BSB40120",
        title="Certificate IV in Business",
        units=[
            unit_make("BSBWHS411", title="Implement and monitor WHS policies"),
            unit_make("BSBOPS404", title="Customer service strategies"),
        ],
    )
    offer = offer_make(course, code="BSB4-2026-T1")
    learner = learner_make(given_name="Ada", family_name="Lovelace", client_id="L1001")
    return enrolment_make(learner, offer, outcomes={"BSBWHS411": "20"}, commitment_id="C123456")


def _detail(enrolment) -> str:
    return reverse("training:enrolment_detail", args=[enrolment.pk])


def _edit_data(**overrides) -> dict:
    data = {
        "status": "active",
        "status_reason": "",
        "commencement_date": "2026-02-02",
        "completion_date": "",
        "commitment_id": "C123456",
    }
    data.update(overrides)
    return data


def test_enrolment_page_shows_the_enrolment_and_its_units(rto_user_client, enrolment):
    page = rto_user_client.get(_detail(enrolment)).content.decode()

    for text in (
        "Ada Lovelace",
        "L1001",
        "BSB4-2026-T1",
        "Certificate IV in Business",
        "Active",
        "02/02/2026",
        "C123456",
        "BSBWHS411 Implement and monitor WHS policies",
        "20 Competency achieved / pass",
        "70 Continuing activity",
        "Classroom (internal)",
        "1 of 2 achieved",
    ):
        assert text in page


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("withdrawn", "TNC (Training Not Completed)"),
        ("cancelled_no_penalty", "TNC (Training Not Completed)"),
        ("cancelled_penalty", "TNC (Training Not Completed)"),
        ("partial_attendance", "TNC (Training Not Completed)"),
        ("deferred", "D (Deferral)"),
    ],
)
def test_training_organisation_outcome_follows_the_status(
    rto_user_client, enrolment, status, shown
):
    rto_user_client.post(
        reverse("training:enrolment_edit", args=[enrolment.pk]),
        _edit_data(status=status, status_reason="Moved interstate"),
    )

    page = rto_user_client.get(_detail(enrolment)).content.decode()
    assert shown in page
    assert "Moved interstate" in page


@pytest.mark.parametrize("status", ["active", "completed", "completion_pending"])
def test_no_training_organisation_outcome_while_training_continues_or_completes(status):
    assert CourseEnrolment(status=status).training_organisation_outcome == ""


def test_user_changes_the_status_and_an_event_is_recorded(rto_user_client, rto_user, enrolment):
    response = rto_user_client.post(
        reverse("training:enrolment_edit", args=[enrolment.pk]),
        _edit_data(
            status="withdrawn", status_reason="Moved interstate", completion_date="2026-05-15"
        ),
        follow=True,
    )

    assert "Enrolment saved." in response.content.decode()
    assert "15/05/2026" in response.content.decode()
    event = Event.objects.get(subject_type="courseenrolment", action="status_changed")
    assert (event.from_state, event.to_state) == ("active", "withdrawn")
    assert (event.reason, event.learner_id, event.actor) == (
        "Moved interstate",
        enrolment.learner_id,
        rto_user,
    )


def test_completion_before_commencement_is_an_inline_error(rto_user_client, enrolment):
    response = rto_user_client.post(
        reverse("training:enrolment_edit", args=[enrolment.pk]),
        _edit_data(status="completed", completion_date="2026-01-01"),
    )

    assert ENROLMENT_COMPLETES_BEFORE_COMMENCING in response.content.decode()
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completion_date) == ("active", None)


def test_issuing_fields_cannot_be_changed_on_the_edit_page(rto_admin_client, enrolment):
    page = rto_admin_client.get(
        reverse("training:enrolment_edit", args=[enrolment.pk])
    ).content.decode()
    assert 'name="parchment_number"' not in page
    assert "Parchment number" in page

    rto_admin_client.post(
        reverse("training:enrolment_edit", args=[enrolment.pk]),
        _edit_data(qual_issued="on", parchment_number="P-1", issued_date="2026-03-03"),
    )

    enrolment.refresh_from_db()
    assert (enrolment.qual_issued, enrolment.parchment_number, enrolment.issued_date) == (
        False,
        "",
        None,
    )


def test_enrol_one_learner_from_their_record(rto_user_client):
    course = course_make(units=[unit_make("BSBWHS411")])
    offer = offer_make(course, code="BSB4-2026-T2")
    learner = learner_make(given_name="Grace", family_name="Hopper", client_id="L2002")
    url = reverse("training:enrolment_create") + f"?learner={learner.pk}"

    form = rto_user_client.get(url).content.decode()
    assert "Enrol Grace Hopper (L2002)" in form
    assert 'value="L2002"' in form

    response = rto_user_client.post(
        url,
        {
            "learner": "L2002",
            "offer": offer.pk,
            "commencement_date": "2026-02-09",
            "commitment_id": "",
        },
        follow=True,
    )

    assert "Enrolled Grace Hopper in BSB4-2026-T2." in response.content.decode()
    enrolment = CourseEnrolment.objects.get(learner=learner, offer=offer)
    assert enrolment.commencement_date == date(2026, 2, 9)
    assert UnitEnrolment.objects.filter(course_enrolment=enrolment).count() == 1


def test_enrolling_twice_in_the_same_offer_is_an_inline_error(rto_user_client, enrolment):
    response = rto_user_client.post(
        reverse("training:enrolment_create"),
        {"learner": "L1001", "offer": enrolment.offer_id, "commencement_date": ""},
    )

    message = ENROLMENT_EXISTS.format(learner="Ada Lovelace", offer="BSB4-2026-T1")
    assert message in response.content.decode()
    assert CourseEnrolment.objects.count() == 1


def test_unknown_learner_id_and_bad_learner_parameter(rto_user_client):
    offer = offer_make()

    assert (
        rto_user_client.get(reverse("training:enrolment_create") + "?learner=abc").status_code
        == 200
    )
    response = rto_user_client.post(
        reverse("training:enrolment_create"), {"learner": "NOBODY", "offer": offer.pk}
    )

    assert UNKNOWN_LEARNER_ID.format(client_id="NOBODY") in response.content.decode()
    assert not CourseEnrolment.objects.exists()


def test_missing_enrolment_is_a_404(rto_user_client):
    assert rto_user_client.get(reverse("training:enrolment_detail", args=[999])).status_code == 404
