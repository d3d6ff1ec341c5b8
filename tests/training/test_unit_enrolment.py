"""Editing a unit enrolment: outcome from the jurisdiction set, sane dates and hours."""

from decimal import Decimal

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.organisation.models import Organisation
from testamur.training.models import UnitEnrolment
from testamur.training.services import (
    HOURS_NEGATIVE,
    OUTCOME_WRONG_JURISDICTION,
    UNIT_ENROLMENT_ENDS_BEFORE_START,
    UNIT_ENROLMENT_EXISTS,
)
from tests.factories import course_make, enrolment_make, offer_make, outcome, unit_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_enrolment():
    course = course_make(units=[unit_make("BSBWHS411", title="Implement and monitor WHS policies")])
    enrolment = enrolment_make(offer=offer_make(course))
    return enrolment.unit_enrolments.get()


def _edit(unit_enrolment) -> str:
    return reverse("training:unit_enrolment_edit", args=[unit_enrolment.pk])


def _data(code: str = "20", jurisdiction: str = "national", **overrides) -> dict:
    data = {
        "start_date": "2026-02-02",
        "end_date": "2026-03-13",
        "scheduled_hours": "40",
        "actual_hours": "38.5",
        "outcome": str(outcome(code, jurisdiction).pk),
        "delivery_mode": "I",
    }
    data.update(overrides)
    return data


def _use_wa() -> None:
    organisation = Organisation.load()
    organisation.jurisdiction = "wa"
    organisation.save()


def test_recording_an_achieved_outcome_shows_on_the_enrolment(
    rto_user_client, rto_user, unit_enrolment
):
    response = rto_user_client.post(_edit(unit_enrolment), _data("20"), follow=True)

    page = response.content.decode()
    assert "Unit BSBWHS411 saved." in page
    assert "20 Competency achieved / pass" in page
    assert "1 of 1 achieved" in page
    assert "13/03/2026" in page
    unit_enrolment.refresh_from_db()
    assert unit_enrolment.actual_hours == Decimal("38.5")
    event = Event.objects.get(subject_type="unitenrolment", action="updated")
    assert event.data["outcome"] == ["70", "20"]
    assert (event.learner_id, event.actor) == (
        unit_enrolment.course_enrolment.learner_id,
        rto_user,
    )


def test_outcome_choices_are_the_organisations_jurisdiction_set(rto_user_client, unit_enrolment):
    page = rto_user_client.get(_edit(unit_enrolment)).content.decode()

    assert "20 Competency achieved / pass" in page
    assert "01 Competent (C)" not in page


def test_outcome_from_the_other_jurisdiction_is_refused_and_nothing_saved(
    rto_user_client, unit_enrolment
):
    response = rto_user_client.post(_edit(unit_enrolment), _data("01", "wa"))

    message = OUTCOME_WRONG_JURISDICTION.format(
        code="01", jurisdiction="National (all states except WA)"
    )
    assert message in response.content.decode()
    unit_enrolment.refresh_from_db()
    assert (unit_enrolment.outcome.code, unit_enrolment.actual_hours) == ("70", 0)
    assert not Event.objects.filter(subject_type="unitenrolment").exists()


def test_a_wa_organisation_uses_wa_codes_only(rto_user_client, unit_enrolment):
    _use_wa()

    refused = rto_user_client.post(_edit(unit_enrolment), _data("20", "national"))
    rto_user_client.post(_edit(unit_enrolment), _data("01", "wa"))

    message = OUTCOME_WRONG_JURISDICTION.format(code="20", jurisdiction="Western Australia")
    assert message in refused.content.decode()
    unit_enrolment.refresh_from_db()
    assert (unit_enrolment.outcome.code, unit_enrolment.outcome.jurisdiction) == ("01", "wa")


def test_end_before_start_is_an_inline_error(rto_user_client, unit_enrolment):
    response = rto_user_client.post(
        _edit(unit_enrolment), _data(start_date="2026-03-01", end_date="2026-02-01")
    )

    assert UNIT_ENROLMENT_ENDS_BEFORE_START in response.content.decode()
    unit_enrolment.refresh_from_db()
    assert unit_enrolment.outcome.code == "70"


def test_negative_hours_are_refused(rto_user_client, unit_enrolment):
    response = rto_user_client.post(_edit(unit_enrolment), _data(actual_hours="-2"))

    assert HOURS_NEGATIVE in response.content.decode()
    unit_enrolment.refresh_from_db()
    assert unit_enrolment.actual_hours == 0


def test_nonsense_input_is_an_inline_error_not_a_crash(rto_user_client, unit_enrolment):
    response = rto_user_client.post(
        _edit(unit_enrolment),
        _data(outcome="abc", scheduled_hours="lots", delivery_mode="Z", end_date="tomorrow"),
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a number." in page
    assert "Enter a valid date." in page


def test_adding_a_unit_to_an_enrolment(rto_user_client, unit_enrolment):
    enrolment = unit_enrolment.course_enrolment
    elective = unit_make("BSBCRT411", title="Apply critical thinking")
    url = reverse("training:unit_enrolment_create", args=[enrolment.pk])

    form = rto_user_client.get(url).content.decode()
    assert "00 Not set" in form
    rto_user_client.post(url, {"unit": elective.pk, **_data("00")})
    duplicate = rto_user_client.post(url, {"unit": elective.pk, **_data("20")})

    assert UNIT_ENROLMENT_EXISTS.format(unit="BSBCRT411") in duplicate.content.decode()
    added = UnitEnrolment.objects.get(course_enrolment=enrolment, unit=elective)
    assert added.outcome.code == "00"
    assert Event.objects.filter(
        subject_type="unitenrolment", subject_id=str(added.pk), action="created"
    ).exists()
