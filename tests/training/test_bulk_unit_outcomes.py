"""Setting the outcome and dates of many unit enrolments from a course offer, all or nothing."""

from datetime import date

import pytest
from django.urls import reverse

from testamur.core.models import Event
from testamur.training.finalisation.unit_outcomes import NONE_SELECTED, NOTHING_CHOSEN, ROW_PROBLEM
from testamur.training.models import UnitEnrolment
from testamur.training.services import OUTCOME_WRONG_JURISDICTION, UNIT_ENROLMENT_ENDS_BEFORE_START
from tests.factories import offer_make, outcome
from tests.training.helpers import enrolled, shows, three_unit_offer, units_by_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return three_unit_offer()


@pytest.fixture
def ada(offer):
    return enrolled(offer, given="Ada", family="Lovelace")


@pytest.fixture
def grace(offer):
    return enrolled(offer, given="Grace", family="Hopper")


def _url(offer, query: str = "") -> str:
    return reverse("training:offer_unit_outcomes", args=[offer.pk]) + query


def test_the_page_lists_every_unit_enrolment_of_the_offer(rto_user_client, offer, ada, grace):
    response = rto_user_client.get(_url(offer))

    assert response.context["rows"] == [
        *units_by_code(grace).values(),
        *units_by_code(ada).values(),
    ]
    assert "70 Continuing activity" in response.content.decode()


def test_the_bulk_bar_opens_it_for_the_ticked_learners(rto_user_client, offer, ada, grace):
    response = rto_user_client.post(
        reverse("training:offer_bulk", args=[offer.pk]),
        {"action": "unit_outcomes", "enrolment": [ada.pk]},
        follow=True,
    )

    assert [ue.course_enrolment_id for ue in response.context["rows"]] == [ada.pk] * 3


def test_one_unit_filter_narrows_the_rows(rto_user_client, offer, ada, grace):
    unit = units_by_code(ada)["BSBWHS411"].unit

    response = rto_user_client.get(_url(offer, f"?unit={unit.pk}"))

    assert {ue.unit.code for ue in response.context["rows"]} == {"BSBWHS411"}
    assert len(response.context["rows"]) == 2


def test_outcome_and_end_date_set_on_the_ticked_rows_only(
    rto_user_client, rto_user, offer, ada, grace
):
    picked = [units_by_code(ada)["BSBWHS411"], units_by_code(grace)["BSBWHS411"]]

    response = rto_user_client.post(
        _url(offer),
        {
            "unit_enrolment": [ue.pk for ue in picked],
            "outcome": outcome("20").pk,
            "end_date": "2026-02-27",
        },
        follow=True,
    )

    assert shows(response, "Updated 2 unit enrolment(s).")
    for ue in picked:
        ue.refresh_from_db()
        assert (ue.outcome.code, ue.end_date) == ("20", date(2026, 2, 27))
    assert units_by_code(ada)["BSBXCM401"].outcome.code == "70"
    events = Event.objects.filter(subject_type="unitenrolment", action="updated")
    assert events.count() == 2
    assert {e.actor for e in events} == {rto_user}


def test_any_bad_row_means_nothing_is_saved_and_every_bad_row_is_listed(
    rto_user_client, offer, ada, grace
):
    rows = [*units_by_code(grace).values(), *units_by_code(ada).values()]
    # An end date of 20/02 suits units starting by then (rows 1, 2, 4, 5) but not row 3 or 6.
    response = rto_user_client.post(
        _url(offer),
        {
            "unit_enrolment": [ue.pk for ue in rows],
            "outcome": outcome("20").pk,
            "end_date": "2026-02-20",
        },
    )

    for row, learner in ((3, "Grace Hopper"), (6, "Ada Lovelace")):
        message = ROW_PROBLEM.format(
            row=row, learner=learner, unit="BSBXCM401", message=UNIT_ENROLMENT_ENDS_BEFORE_START
        )
        assert shows(response, message)
    assert shows(response, "Nothing was changed.")
    assert not UnitEnrolment.objects.filter(outcome__code="20").exists()
    assert not Event.objects.filter(subject_type="unitenrolment").exists()


def test_an_outcome_from_the_other_jurisdiction_is_refused(rto_user_client, offer, ada):
    ue = units_by_code(ada)["BSBWHS411"]

    response = rto_user_client.post(
        _url(offer), {"unit_enrolment": [ue.pk], "outcome": outcome("01", "wa").pk}
    )

    message = OUTCOME_WRONG_JURISDICTION.format(
        code="01", jurisdiction="National (all states except WA)"
    )
    assert shows(response, message)
    ue.refresh_from_db()
    assert ue.outcome.code == "70"


def test_choosing_nothing_to_set_or_no_rows_says_so(rto_user_client, offer, ada):
    ue = units_by_code(ada)["BSBWHS411"]

    nothing = rto_user_client.post(_url(offer), {"unit_enrolment": [ue.pk]})
    no_rows = rto_user_client.post(_url(offer), {"outcome": outcome("20").pk})

    assert shows(nothing, NOTHING_CHOSEN)
    assert shows(no_rows, NONE_SELECTED)


def test_rows_of_other_offers_cannot_be_changed_from_here(rto_user_client, offer, ada):
    elsewhere = enrolled(offer_make(offer.course), given="Alan", family="Turing")
    theirs = units_by_code(elsewhere)["BSBWHS411"]

    response = rto_user_client.post(
        _url(offer), {"unit_enrolment": [theirs.pk], "outcome": outcome("20").pk}
    )

    assert shows(response, NONE_SELECTED)
    theirs.refresh_from_db()
    assert theirs.outcome.code == "70"
