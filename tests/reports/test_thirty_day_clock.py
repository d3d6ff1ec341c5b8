"""The 30-day clock: completions still waiting for an issued credential, and its report."""

from datetime import timedelta

import pytest

from testamur.accounts.roles import Role
from testamur.credentials.models import CredentialStatus
from testamur.reports.clock import ClockWindow, clock_counts, clock_items
from testamur.reports.services import rto_today
from testamur.training.models import EnrolmentStatus
from tests.factories import (
    credential_make,
    enrolment_make,
    learner_make,
)
from tests.reports.helpers import offer_ending_today, register_entry

pytestmark = pytest.mark.django_db

CLOCK = "/reports/clock/"


@pytest.fixture
def today():
    return rto_today()


@pytest.fixture
def offer():
    return offer_ending_today(days=300)


def _completed(offer, days_ago: int, status=EnrolmentStatus.COMPLETED, **fields):
    today = rto_today()
    family = fields.pop("family_name", f"Done{days_ago}")
    return enrolment_make(
        learner=learner_make(given_name="Kim", family_name=family),
        offer=offer,
        status=status,
        completion_date=today - timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def waiting(offer):
    """Enrolments around the 30-day line, and ones the clock must leave out."""
    entries = {
        "overdue": _completed(offer, 40),
        "requested": _completed(offer, 35),
        "cancelled_only": _completed(offer, 33),
        "due_today": _completed(offer, 30),
        "due_in_5": _completed(offer, 25),
        "later": _completed(offer, 10),
        "partial": _completed(offer, 12, status=EnrolmentStatus.PARTIAL_ATTENDANCE),
        # Left out: issued, flagged as issued elsewhere, waiting for fees, not finished.
        "issued": _completed(offer, 40),
        "flagged": _completed(
            offer, 40, qual_issued=True, issued_date=rto_today() - timedelta(days=35)
        ),
        "fees_pending": _completed(offer, 40, status=EnrolmentStatus.COMPLETION_PENDING),
        "active": enrolment_make(offer=offer),
    }
    credential_make(entries["requested"])
    register_entry(
        offer,
        status=CredentialStatus.CANCELLED,
        fields={"course_enrolment": entries["cancelled_only"]},
    )
    register_entry(offer, fields={"course_enrolment": entries["issued"]})
    return entries


def test_days_left_count_down_from_the_completed_assessment(today, waiting):
    items = clock_items(today=today, window=ClockWindow.ALL)

    by_enrolment = {item.pk: item for item in items}
    ids = {name: waiting[name].pk for name in waiting}
    assert set(by_enrolment) == {
        ids[name]
        for name in (
            "overdue",
            "requested",
            "cancelled_only",
            "due_today",
            "due_in_5",
            "partial",
            "later",
        )
    }
    assert [item.pk for item in items][:2] == [ids["overdue"], ids["requested"]]  # oldest first
    overdue = by_enrolment[ids["overdue"]]
    assert overdue.days_left == -10
    assert overdue.due_on == today - timedelta(days=10)
    assert overdue.when == "10 days overdue"
    assert overdue.waiting_label == "Not requested"
    assert by_enrolment[ids["requested"]].waiting_label == "Requested"
    assert by_enrolment[ids["cancelled_only"]].waiting_label == "Not requested"
    assert by_enrolment[ids["due_today"]].when == "due today"
    assert not by_enrolment[ids["due_today"]].overdue
    assert by_enrolment[ids["due_in_5"]].when == "due in 5 days"
    assert by_enrolment[ids["later"]].days_left == 20
    assert overdue.product == "BSB40120 Certificate IV in Business"
    assert overdue.offer_code == "BSB40120-T1"


def test_counts_and_windows(today, waiting):
    assert clock_counts(today=today) == {"overdue": 3, "due_this_week": 2}
    assert len(clock_items(today=today, window=ClockWindow.OVERDUE)) == 3
    assert len(clock_items(today=today, window=ClockWindow.DUE_THIS_WEEK)) == 5
    assert len(clock_items(today=today, window=ClockWindow.ALL)) == 7


def test_the_report_page_lists_each_window(rto_user_client, waiting):
    week = rto_user_client.get(CLOCK)
    assert week.status_code == 200
    html = week.content.decode()
    assert "10 days overdue" in html
    assert "due in 5 days" in html
    assert "due in 20 days" not in html
    assert (
        f'href="/credentials/request/enrolment/{waiting["overdue"].pk}/">Request credential' in html
    )
    assert f'href="/training/enrolments/{waiting["requested"].pk}/">Requested' in html

    overdue = rto_user_client.get(CLOCK, {"window": "overdue"}).content.decode()
    assert "10 days overdue" in overdue
    assert "due today" not in overdue

    everything = rto_user_client.get(CLOCK, {"window": "all"}).content.decode()
    assert "due in 20 days" in everything
    assert "Done40" in everything
    assert rto_user_client.get(CLOCK, {"window": "bogus"}).status_code == 200


def test_an_issued_credential_stops_the_clock(today, offer):
    enrolment = _completed(offer, 45)
    assert clock_counts(today=today)["overdue"] == 1
    register_entry(offer, fields={"course_enrolment": enrolment})
    assert clock_counts(today=today)["overdue"] == 0


def test_nothing_waiting_says_so(rto_user_client, offer):
    html = rto_user_client.get(CLOCK, {"window": "overdue"}).content.decode()
    assert "Nothing is overdue." in html


@pytest.mark.parametrize("role,can_send", [(Role.ADMIN, True), (Role.USER, False)])
def test_only_admins_get_the_send_now_button(role, can_send, role_client, offer):
    html = role_client(role).get(CLOCK).content.decode()
    assert ("Email this list to Admins now" in html) == can_send


def test_completions_older_than_the_watch_are_found_on_request(
    settings, rto_user_client, today, offer
):
    settings.CLOCK_LOOKBACK_DAYS = 60
    old = _completed(offer, 61, family_name="Longago")
    watched = _completed(offer, 59, family_name="Recent")

    assert clock_counts(today=today) == {"overdue": 1, "due_this_week": 0}
    assert [i.pk for i in clock_items(today=today, window=ClockWindow.ALL)] == [watched.pk]
    older = clock_items(today=today, window=ClockWindow.OLDER)
    assert [(i.pk, i.when) for i in older] == [(old.pk, "31 days overdue")]
    html = rto_user_client.get(CLOCK, {"window": "older"}).content.decode()
    assert "Longago" in html
    assert "Recent" not in html
    since = (today - timedelta(days=60)).strftime("%d/%m/%Y")
    assert f"the clock watches completions since {since}" in html


def test_a_long_list_is_paged(rto_user_client, offer):
    for days in range(31, 86):
        _completed(offer, days)

    first = rto_user_client.get(CLOCK, {"window": "overdue"}).content.decode()
    second = rto_user_client.get(CLOCK, {"window": "overdue", "page": 2}).content.decode()

    assert "Page 1 of 2 · 55 in all" in first
    assert first.count("days overdue</span>") == 50
    assert second.count("days overdue</span>") + second.count("1 day overdue</span>") == 5
