"""Withdrawing or cancelling a learner: commenced units get 40, the rest 00, and TNC is derived."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from testamur.core.models import Event
from testamur.organisation.models import Organisation
from testamur.training.finalisation.plans import (
    REASON_REQUIRED,
    WITHDRAWAL_BEFORE_START,
    WITHDRAWAL_DATE_REQUIRED,
    WITHDRAWAL_IN_FUTURE,
    Finalisation,
)
from testamur.training.finalisation.services import (
    enrolment_finalise_preview,
    enrolments_finalise,
)
from testamur.training.models import CourseEnrolment, UnitEnrolment
from tests.factories import outcome
from tests.training.helpers import enrolled, finalise_url, shows, three_unit_offer, units_by_code

pytestmark = pytest.mark.django_db

WITHDRAWN_ON = date(2026, 2, 20)


@pytest.fixture
def enrolment():
    # BSBOPS404 (02/02–15/02) achieved; BSBWHS411 (16/02–01/03) running; BSBXCM401 from 02/03.
    return enrolled(three_unit_offer(), outcomes={"BSBOPS404": "20"})


def _withdraw(**overrides) -> Finalisation:
    values = {
        "status": "withdrawn",
        "status_reason": "Moved interstate",
        "withdrawal_date": WITHDRAWN_ON,
    }
    values.update(overrides)
    return Finalisation(**values)


def test_commenced_units_are_withdrawn_and_the_others_not_set(enrolment, rto_admin):
    enrolments_finalise(enrolments=[enrolment], finalisation=_withdraw(), actor=rto_admin)

    units = units_by_code(enrolment)
    running, not_started = units["BSBWHS411"], units["BSBXCM401"]
    assert (running.outcome.code, running.end_date) == ("40", WITHDRAWN_ON)
    assert running.start_date == date(2026, 2, 16)
    # 4 of its 14 scheduled days had passed: 20 h × 4/14.
    assert running.actual_hours == Decimal("5.7")
    assert (not_started.outcome.code, not_started.actual_hours) == ("00", 0)
    assert (not_started.start_date, not_started.end_date) == (date(2026, 3, 2), date(2026, 3, 15))


def test_a_unit_already_achieved_keeps_its_outcome(enrolment, rto_admin):
    enrolments_finalise(enrolments=[enrolment], finalisation=_withdraw(), actor=rto_admin)

    achieved = units_by_code(enrolment)["BSBOPS404"]
    assert (achieved.outcome.code, achieved.end_date) == ("20", date(2026, 2, 15))


@pytest.mark.parametrize(
    "status", ["withdrawn", "cancelled_no_penalty", "cancelled_penalty", "partial_attendance"]
)
def test_every_unit_reports_tnc_and_the_enrolment_keeps_date_and_reason(
    enrolment, rto_admin, status
):
    enrolments_finalise(
        enrolments=[enrolment], finalisation=_withdraw(status=status), actor=rto_admin
    )

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.status_reason) == (status, "Moved interstate")
    assert enrolment.withdrawal_date == WITHDRAWN_ON
    assert set(
        UnitEnrolment.objects.filter(course_enrolment=enrolment).values_list(
            "training_organisation_outcome", flat=True
        )
    ) == {"TNC"}


def test_hours_attended_entered_are_used(enrolment, rto_admin):
    running = units_by_code(enrolment)["BSBWHS411"]

    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=_withdraw(hours_attended={running.pk: Decimal("7.5")}),
        actor=rto_admin,
    )

    running.refresh_from_db()
    assert running.actual_hours == Decimal("7.5")


def test_hours_already_recorded_are_kept(enrolment, rto_admin):
    running = units_by_code(enrolment)["BSBWHS411"]
    UnitEnrolment.objects.filter(pk=running.pk).update(actual_hours=Decimal("3"))

    enrolments_finalise(enrolments=[enrolment], finalisation=_withdraw(), actor=rto_admin)

    running.refresh_from_db()
    assert running.actual_hours == Decimal("3")


def test_a_unit_starting_on_the_withdrawal_date_had_not_commenced(enrolment, rto_admin):
    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=_withdraw(withdrawal_date=date(2026, 3, 2)),
        actor=rto_admin,
    )

    units = units_by_code(enrolment)
    assert (units["BSBWHS411"].outcome.code, units["BSBWHS411"].actual_hours) == ("40", 20)
    assert units["BSBXCM401"].outcome.code == "00"


def test_a_wa_organisation_gets_its_own_withdrawn_code(rto_admin):
    organisation = Organisation.load()
    organisation.jurisdiction = "wa"
    organisation.save()
    enrolment = enrolled(three_unit_offer())
    UnitEnrolment.objects.filter(course_enrolment=enrolment).update(outcome=outcome("05", "wa"))

    enrolments_finalise(enrolments=[enrolment], finalisation=_withdraw(), actor=rto_admin)

    units = units_by_code(enrolment)
    assert (units["BSBWHS411"].outcome.jurisdiction, units["BSBWHS411"].outcome.code) == (
        "wa",
        "10",
    )
    assert (units["BSBXCM401"].outcome.jurisdiction, units["BSBXCM401"].outcome.code) == (
        "wa",
        "00",
    )


def test_preview_lists_every_change_and_saves_nothing(enrolment):
    [plan] = enrolment_finalise_preview(enrolments=[enrolment], finalisation=_withdraw())

    running = next(u for u in plan.units if u.unit_enrolment.unit.code == "BSBWHS411")
    shown = {(c.label, c.before, c.after) for c in running.changes}
    assert ("Outcome", "70 Continuing activity", "40 Withdrawn / discontinued") in shown
    assert ("End date", "01/03/2026", "20/02/2026") in shown
    assert ("Actual hours", "0.0", "5.7") in shown
    assert ("Outcome – training organisation", "—", "TNC (Training Not Completed)") in shown
    assert ("Status", "Active", "Withdrawn") in {(c.label, c.before, c.after) for c in plan.changes}
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert not Event.objects.filter(action="finalised").exists()


def test_each_enrolment_and_changed_unit_gets_an_event(enrolment, rto_admin):
    enrolments_finalise(enrolments=[enrolment], finalisation=_withdraw(), actor=rto_admin)

    course_event = Event.objects.get(subject_type="courseenrolment", action="finalised")
    assert (course_event.from_state, course_event.to_state) == ("active", "withdrawn")
    assert course_event.reason == "Moved interstate"
    assert course_event.data["withdrawal_date"] == ["", "2026-02-20"]
    unit_events = Event.objects.filter(subject_type="unitenrolment", action="finalised")
    assert unit_events.count() == 3
    running = units_by_code(enrolment)["BSBWHS411"]
    event = unit_events.get(subject_id=str(running.pk))
    assert event.data["outcome"] == ["70", "40"]
    assert event.learner_id == enrolment.learner_id
    assert event.actor == rto_admin


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"withdrawal_date": None}, "withdrawal_date", WITHDRAWAL_DATE_REQUIRED),
        ({"status_reason": "  "}, "status_reason", REASON_REQUIRED),
        (
            {"withdrawal_date": date(2026, 1, 30)},
            "withdrawal_date",
            WITHDRAWAL_BEFORE_START.format(start="02/02/2026"),
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(enrolment, rto_admin, overrides, field, message):
    with pytest.raises(ValidationError) as refused:
        enrolments_finalise(
            enrolments=[enrolment], finalisation=_withdraw(**overrides), actor=rto_admin
        )

    assert refused.value.message_dict[field] == [message]
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert units_by_code(enrolment)["BSBWHS411"].outcome.code == "70"
    assert not Event.objects.filter(action="finalised").exists()


def test_a_withdrawal_date_in_the_future_is_refused(enrolment, rto_admin):
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        enrolment_finalise_preview(
            enrolments=[enrolment], finalisation=_withdraw(withdrawal_date=tomorrow)
        )

    assert refused.value.message_dict["withdrawal_date"] == [WITHDRAWAL_IN_FUTURE]


# The pages: form → preview → apply.


def _form(**overrides) -> dict:
    data = {
        "status": "withdrawn",
        "status_reason": "Moved interstate",
        "withdrawal_date": WITHDRAWN_ON.isoformat(),
    }
    data.update(overrides)
    return data


def test_admin_previews_then_applies_from_the_enrolment_page(rto_admin_client, enrolment):
    page = rto_admin_client.get(f"/training/enrolments/{enrolment.pk}/")
    assert finalise_url(enrolment) in page.content.decode()

    preview = rto_admin_client.post(finalise_url(enrolment), {**_form(), "step": "preview"})
    text = preview.content.decode()
    assert "Preview: Finalise Ada Lovelace" in text
    assert "40 Withdrawn / discontinued" in text
    assert "20/02/2026" in text
    assert CourseEnrolment.objects.get(pk=enrolment.pk).status == "active"
    fingerprint = preview.context["fingerprint"]

    applied = rto_admin_client.post(
        finalise_url(enrolment),
        {**_form(), "step": "apply", "fingerprint": fingerprint},
        follow=True,
    )

    text = applied.content.decode()
    assert "Finalised 1 enrolment(s) as Withdrawn" in text
    assert "TNC (Training Not Completed)" in text
    assert "40 Withdrawn / discontinued" in text
    assert "00 Not set" in text
    assert "finalised" in text  # the history on the enrolment page


def test_hours_typed_on_the_form_reach_the_unit(rto_admin_client, enrolment):
    running = units_by_code(enrolment)["BSBWHS411"]

    rto_admin_client.post(
        finalise_url(enrolment), {**_form(), f"hours_{running.pk}": "6", "step": "apply"}
    )

    running.refresh_from_db()
    assert running.actual_hours == Decimal("6")


def test_negative_hours_are_an_inline_error(rto_admin_client, enrolment):
    running = units_by_code(enrolment)["BSBWHS411"]

    response = rto_admin_client.post(
        finalise_url(enrolment), {**_form(), f"hours_{running.pk}": "-2", "step": "preview"}
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 0" in response.content.decode()
    running.refresh_from_db()
    assert running.outcome.code == "70"


def test_a_withdrawal_before_the_start_is_shown_on_the_form(rto_admin_client, enrolment):
    response = rto_admin_client.post(
        finalise_url(enrolment), {**_form(withdrawal_date="2026-01-05"), "step": "apply"}
    )

    assert shows(response, WITHDRAWAL_BEFORE_START.format(start="02/02/2026"))
    assert CourseEnrolment.objects.get(pk=enrolment.pk).status == "active"
