"""Deferring a learner: unfinished units get 00 and future dates; D is derived."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from testamur.training.finalisation.plans import (
    RESUME_DATES_REQUIRED,
    RESUME_END_BEFORE_START,
    RESUME_NOT_FUTURE,
    Finalisation,
)
from testamur.training.finalisation.services import enrolments_finalise
from tests.training.helpers import enrolled, finalise_url, three_unit_offer, units_by_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolment():
    return enrolled(three_unit_offer(), outcomes={"BSBOPS404": "20"})


def _dates():
    today = timezone.localdate()
    return today + timedelta(days=60), today + timedelta(days=150)


def test_unfinished_units_get_not_set_and_the_new_dates(enrolment, rto_admin):
    start, end = _dates()

    enrolments_finalise(
        enrolments=[enrolment],
        finalisation=Finalisation(
            status="deferred",
            status_reason="Parental leave",
            resume_start_date=start,
            resume_end_date=end,
        ),
        actor=rto_admin,
    )

    units = units_by_code(enrolment)
    for code in ("BSBWHS411", "BSBXCM401"):
        assert (units[code].outcome.code, units[code].start_date, units[code].end_date) == (
            "00",
            start,
            end,
        )
    assert units["BSBOPS404"].outcome.code == "20"
    assert {ue.training_organisation_outcome for ue in units.values()} == {"D"}
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.training_organisation_outcome) == ("deferred", "D")


@pytest.mark.parametrize(
    ("start_days", "end_days", "field", "message"),
    [
        (None, None, "resume_start_date", RESUME_DATES_REQUIRED),
        (0, 30, "resume_start_date", RESUME_NOT_FUTURE),
        (-10, 30, "resume_start_date", RESUME_NOT_FUTURE),
        (30, 10, "resume_end_date", RESUME_END_BEFORE_START),
    ],
)
def test_dates_must_be_in_the_future_and_in_order(
    enrolment, rto_admin, start_days, end_days, field, message
):
    today = timezone.localdate()
    dates = {}
    if start_days is not None:
        dates = {
            "resume_start_date": today + timedelta(days=start_days),
            "resume_end_date": today + timedelta(days=end_days),
        }

    with pytest.raises(ValidationError) as refused:
        enrolments_finalise(
            enrolments=[enrolment],
            finalisation=Finalisation(status="deferred", **dates),
            actor=rto_admin,
        )

    assert refused.value.message_dict[field] == [message]
    assert units_by_code(enrolment)["BSBWHS411"].outcome.code == "70"


def test_deferring_from_the_page_shows_d(rto_admin_client, enrolment):
    start, end = _dates()
    data = {
        "status": "deferred",
        "resume_start_date": start.isoformat(),
        "resume_end_date": end.isoformat(),
        "step": "apply",
    }

    response = rto_admin_client.post(finalise_url(enrolment), data, follow=True)

    text = response.content.decode()
    assert "D (Deferral)" in text
    assert start.strftime("%d/%m/%Y") in text
