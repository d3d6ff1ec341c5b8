"""The dashboard's "active course enrolments" and the 30-day clock's "overdue" and "due within 7
days" come from counts the database keeps (by status; by completion date for the waiting
completions), not from counting a million enrolments. They must always equal what the clock's
own list shows, whatever changed the enrolments or their credentials — the lifecycle, a queryset
update, raw SQL — and a drift is found by the check commands and mended by --rebuild."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from testamur.credentials.services import credential_cancel
from testamur.reports.clock import CLOCK_DAYS, ClockWindow, clock_items
from testamur.reports.services import rto_today
from testamur.training.counts import CLOCK_WAITING_COUNTS, ENROLMENT_COUNTS, clock_waiting
from testamur.training.models import (
    ClockWaitingCount,
    CourseEnrolment,
    EnrolmentCount,
    EnrolmentStatus,
)
from tests.factories import credential_make, enrolment_make, learner_make
from tests.reports.helpers import offer_ending_today, register_entry

pytestmark = pytest.mark.django_db

TILES = {
    "active": re.compile(r'<span class="num">(\d+)</span> active course enrolments'),
    "overdue": re.compile(r'<span class="num">(\d+)</span> overdue credentials'),
    "week": re.compile(r'<span class="num">(\d+)</span> due within 7 days'),
}


def _dashboard(client) -> dict[str, int]:
    page = client.get("/").content.decode()
    return {name: int(tile.search(page).group(1)) for name, tile in TILES.items()}


def _straight() -> dict[str, int]:
    """What the clock's own list and a plain count of the enrolments say."""
    today = rto_today()
    overdue = clock_items(today=today, window=ClockWindow.OVERDUE)
    week = clock_items(today=today, window=ClockWindow.DUE_THIS_WEEK)
    return {
        "active": CourseEnrolment.objects.filter(status=EnrolmentStatus.ACTIVE).count(),
        "overdue": len(overdue),
        "week": len(week) - len(overdue),
    }


@pytest.fixture
def offer():
    return offer_ending_today(days=400)


def _completed(offer, *, days_ago: int, status=EnrolmentStatus.COMPLETED):
    return enrolment_make(
        learner=learner_make(),
        offer=offer,
        status=status,
        completion_date=rto_today() - timedelta(days=days_ago),
    )


@pytest.fixture
def enrolments(offer):
    return {
        "active": [enrolment_make(learner=learner_make(), offer=offer) for _ in range(3)],
        # overdue: completed 31 and 60 days ago; due this week: 30 and 23 days ago
        "overdue": [_completed(offer, days_ago=days) for days in (CLOCK_DAYS + 1, 60)],
        "week": [
            _completed(offer, days_ago=CLOCK_DAYS),
            _completed(offer, days_ago=23, status=EnrolmentStatus.PARTIAL_ATTENDANCE),
        ],
        "later": [_completed(offer, days_ago=22)],  # due in 8 days: in neither tile
        "pending": [_completed(offer, days_ago=45, status=EnrolmentStatus.COMPLETION_PENDING)],
    }


def test_the_dashboard_shows_what_the_clock_lists(rto_admin_client, enrolments):
    shown = _dashboard(rto_admin_client)

    assert shown == _straight() == {"active": 3, "overdue": 2, "week": 2}


def test_issuing_cancelling_and_raw_edits_keep_the_counts(
    rto_admin_client, rto_admin, offer, enrolments
):
    overdue, week = enrolments["overdue"], enrolments["week"]
    issued = register_entry(offer, fields={"course_enrolment": overdue[0]})  # off the clock
    register_entry(offer, fields={"course_enrolment": week[0]})
    credential_make(week[1])  # requested only: still owed
    credential_cancel(actor=rto_admin, credential=issued, reason="Wrong name")
    CourseEnrolment.objects.filter(pk=enrolments["active"][0].pk).update(
        status=EnrolmentStatus.WITHDRAWN
    )
    enrolments["active"][1].delete()
    with connection.cursor() as cursor:  # a script working past the ORM is counted too
        cursor.execute(
            "UPDATE training_courseenrolment SET completion_date = %s WHERE id = %s",
            [rto_today() - timedelta(days=50), enrolments["later"][0].pk],
        )
        cursor.execute(
            "UPDATE training_courseenrolment SET status = %s WHERE id = %s",
            [EnrolmentStatus.COMPLETED.value, enrolments["pending"][0].pk],
        )

    shown = _dashboard(rto_admin_client)

    # active: one left of the three, and the two enrolments register_entry made for its entries;
    # overdue: the cancelled one is owed again, the moved date and the now-completed one join
    assert shown == _straight() == {"active": 3, "overdue": 4, "week": 1}
    assert ENROLMENT_COUNTS.drift() == {} and CLOCK_WAITING_COUNTS.drift() == {}


def test_the_checks_find_a_drift_and_the_rebuild_mends_it(rto_admin_client, enrolments):
    EnrolmentCount.objects.create(status=EnrolmentStatus.ACTIVE, n=4)
    ClockWaitingCount.objects.create(
        completion_date=rto_today() - timedelta(days=CLOCK_DAYS + 5), n=2
    )
    assert _dashboard(rto_admin_client) == {"active": 7, "overdue": 4, "week": 2}

    for command, message in (
        ("enrolment_counts", "Enrolment counts differ from the course enrolments"),
        ("clock_counts", "The 30-day clock's counts differ from the course enrolments"),
    ):
        with pytest.raises(CommandError) as refused:
            call_command(command, stdout=StringIO())
        assert f"{message} (run with --rebuild)" in str(refused.value)
        out = StringIO()
        call_command(command, "--rebuild", stdout=out)
        call_command(command, stdout=out)
        assert "agree with the course enrolments." in out.getvalue()

    assert _dashboard(rto_admin_client) == _straight() == {"active": 3, "overdue": 2, "week": 2}


def test_many_changes_fold_into_one_row_per_date_and_still_agree(offer):
    waiting = [_completed(offer, days_ago=40) for _ in range(30)]
    for round_ in range(8):  # 240 delta rows on one date: more than a read leaves unfolded
        status = EnrolmentStatus.WITHDRAWN if round_ % 2 == 0 else EnrolmentStatus.COMPLETED
        for enrolment in waiting:
            CourseEnrolment.objects.filter(pk=enrolment.pk).update(status=status)
    today = rto_today()
    window = (today - timedelta(days=60), today)

    assert clock_waiting(recent=window) == {"recent": 30}
    assert ClockWaitingCount.objects.count() == 1
    assert clock_waiting(recent=window) == {"recent": 30}
