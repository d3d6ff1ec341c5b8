"""Completing a learner: final outcomes and actual end dates for the units still running."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from testamur.core.models import Event
from testamur.training.finalisation.plans import (
    COMPLETION_BEFORE_START,
    COMPLETION_DATE_REQUIRED,
    COMPLETION_IN_FUTURE,
    NOTHING_TO_CHANGE,
    OUTCOME_NOT_FINAL,
    UNITS_NOT_FINAL,
    Finalisation,
)
from testamur.training.finalisation.services import enrolments_finalise
from testamur.training.services import OUTCOME_WRONG_JURISDICTION
from tests.factories import outcome
from tests.training.helpers import enrolled, finalise_url, shows, three_unit_offer, units_by_code

pytestmark = pytest.mark.django_db

ASSESSED_ON = date(2026, 3, 10)


@pytest.fixture
def enrolment():
    # BSBOPS404 was granted RPL; the other two are still 70 (continuing).
    return enrolled(three_unit_offer(), outcomes={"BSBOPS404": "51"})


def _complete(**overrides) -> Finalisation:
    values = {
        "status": "completed",
        "completion_date": ASSESSED_ON,
        "unit_outcome": outcome("20"),
    }
    values.update(overrides)
    return Finalisation(**values)


def test_units_still_running_get_the_outcome_and_end_on_the_date(enrolment, rto_admin):
    enrolments_finalise(enrolments=[enrolment], finalisation=_complete(), actor=rto_admin)

    units = units_by_code(enrolment)
    assert units["BSBOPS404"].outcome.code == "51"
    assert units["BSBOPS404"].end_date == date(2026, 2, 15)
    assert (units["BSBWHS411"].outcome.code, units["BSBWHS411"].end_date) == (
        "20",
        date(2026, 3, 1),
    )
    # Scheduled 02/03–15/03 but assessed on 10/03: it ends then.
    assert (units["BSBXCM401"].outcome.code, units["BSBXCM401"].end_date) == ("20", ASSESSED_ON)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completion_date) == ("completed", ASSESSED_ON)
    assert enrolment.training_organisation_outcome == ""


def test_a_unit_that_had_not_started_by_the_end_date_starts_and_ends_then(enrolment, rto_admin):
    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=_complete(unit_end_date=date(2026, 2, 27)),
        actor=rto_admin,
    )

    last = units_by_code(enrolment)["BSBXCM401"]
    assert (last.start_date, last.end_date) == (date(2026, 2, 27), date(2026, 2, 27))
    enrolment.refresh_from_db()
    assert enrolment.completion_date == ASSESSED_ON


def test_completed_needs_a_final_outcome_for_every_unit(enrolment, rto_admin):
    with pytest.raises(ValidationError) as refused:
        enrolments_finalise(
            enrolments=[enrolment], finalisation=_complete(unit_outcome=None), actor=rto_admin
        )

    assert refused.value.message_dict["unit_outcome"] == [
        UNITS_NOT_FINAL.format(units="BSBWHS411, BSBXCM401")
    ]
    enrolment.refresh_from_db()
    assert enrolment.status == "active"


def test_completion_pending_allows_units_without_a_final_outcome(enrolment, rto_admin):
    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=Finalisation(status="completion_pending", status_reason="Awaiting fees"),
        actor=rto_admin,
    )

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.completion_date) == ("completion_pending", None)
    assert units_by_code(enrolment)["BSBWHS411"].outcome.code == "70"


def test_a_withdrawn_learner_who_completes_loses_tnc(enrolment, rto_admin):
    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=Finalisation(
            status="withdrawn", status_reason="Illness", withdrawal_date=date(2026, 2, 20)
        ),
        actor=rto_admin,
    )

    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=_complete(unit_outcome=outcome("30")),
        actor=rto_admin,
    )

    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.withdrawal_date) == ("completed", None)
    units = units_by_code(enrolment)
    assert {ue.training_organisation_outcome for ue in units.values()} == {""}
    # Outcomes already final (40 from the withdrawal) are kept; 00 was not final.
    assert units["BSBWHS411"].outcome.code == "40"
    assert units["BSBXCM401"].outcome.code == "30"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"completion_date": None}, "completion_date", COMPLETION_DATE_REQUIRED),
        (
            {"completion_date": date(2026, 1, 5)},
            "completion_date",
            COMPLETION_BEFORE_START.format(start="02/02/2026"),
        ),
        (
            {"unit_outcome": ("01", "wa")},
            "unit_outcome",
            OUTCOME_WRONG_JURISDICTION.format(
                code="01", jurisdiction="National (all states except WA)"
            ),
        ),
        (
            {"unit_outcome": ("70", "national")},
            "unit_outcome",
            OUTCOME_NOT_FINAL.format(code="70", example="20 Competency achieved / pass"),
        ),
    ],
)
def test_bad_input_is_refused_and_nothing_changes(enrolment, rto_admin, overrides, field, message):
    if "unit_outcome" in overrides:
        overrides = {"unit_outcome": outcome(*overrides["unit_outcome"])}
    with pytest.raises(ValidationError) as refused:
        enrolments_finalise(
            enrolments=[enrolment], finalisation=_complete(**overrides), actor=rto_admin
        )

    assert refused.value.message_dict[field] == [message]
    assert units_by_code(enrolment)["BSBWHS411"].outcome.code == "70"
    assert not Event.objects.filter(action="finalised").exists()


def test_an_assessment_date_in_the_future_is_refused(enrolment, rto_admin):
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(ValidationError) as refused:
        enrolments_finalise(
            enrolments=[enrolment],
            finalisation=_complete(completion_date=tomorrow),
            actor=rto_admin,
        )

    assert refused.value.message_dict["completion_date"] == [COMPLETION_IN_FUTURE]


def test_finalising_again_the_same_way_changes_nothing(enrolment, rto_admin):
    enrolments_finalise(enrolments=[enrolment], finalisation=_complete(), actor=rto_admin)

    with pytest.raises(ValidationError) as refused:
        enrolments_finalise(enrolments=[enrolment], finalisation=_complete(), actor=rto_admin)

    assert refused.value.messages == [NOTHING_TO_CHANGE]


def test_outcome_choices_on_the_form_are_final_codes_of_the_jurisdiction(
    rto_admin_client, enrolment
):
    page = rto_admin_client.get(finalise_url(enrolment)).content.decode()

    assert "20 Competency achieved / pass" in page
    assert "70 Continuing activity" not in page
    assert "01 Competent (C)" not in page


def test_completing_from_the_page(rto_admin_client, enrolment):
    data = {
        "status": "completed",
        "completion_date": "2026-03-10",
        "unit_outcome": outcome("20").pk,
    }

    preview = rto_admin_client.post(finalise_url(enrolment), {**data, "step": "preview"})
    applied = rto_admin_client.post(
        finalise_url(enrolment),
        {**data, "step": "apply", "fingerprint": preview.context["fingerprint"]},
        follow=True,
    )

    assert shows(applied, "Finalised 1 enrolment(s) as Completed")
    assert "3 of 3 achieved" in applied.content.decode()


def test_completion_pending_keeps_the_planned_dates_of_units_not_yet_started(rto_admin):
    """Issue 15, reproduction 7: the not-yet-started unit kept the assessment date as its start
    and end, and NAT00120 reported "not yet started" for activity that had by then "started"."""
    from tests.factories import location_make, organisation_configured
    from tests.interchange.helpers import export_files

    organisation_configured()
    offer = three_unit_offer()
    offer.location = location_make(code="PAR")
    offer.save()
    enrolment = enrolled(offer, outcomes={"BSBOPS404": "20", "BSBWHS411": "20"})
    today = timezone.localdate()
    planned = (today + timedelta(days=20), today + timedelta(days=34))
    later = units_by_code(enrolment)["BSBXCM401"]
    later.outcome, (later.start_date, later.end_date) = outcome("85"), planned
    later.save()

    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=Finalisation(
            status="completion_pending",
            status_reason="Awaiting the workplace logbook",
            completion_date=today - timedelta(days=3),
        ),
        actor=rto_admin,
    )

    later.refresh_from_db()
    assert (later.outcome.code, later.start_date, later.end_date) == ("85", *planned)
    activity = export_files()["NAT00120.txt"].decode("ascii").split("\r\n")[:-1]
    (line,) = [line for line in activity if line[30:42].strip() == "BSBXCM401"]
    assert line[71:73] == "85"
    assert line[52:60] == planned[0].strftime("%d%m%Y")  # a start still to come, as 85 means
