"""The home dashboard: overdue credentials and learners whose unverified USI holds credentials up.

(Counts by credential status and runs in progress: tests/reports/test_dashboard_register_links.py.)
"""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from testamur.credentials.models import CredentialStatus
from testamur.learners.models import UsiStatus
from testamur.reports.services import rto_today
from testamur.training.models import EnrolmentStatus
from tests.factories import (
    credential_make,
    enrolment_make,
    learner_make,
)
from tests.reports.helpers import offer_ending_today, register_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer():
    return offer_ending_today(days=200)


def _completed(offer, days_ago: int, **learner_fields):
    return enrolment_make(
        learner=learner_make(**learner_fields),
        offer=offer,
        status=EnrolmentStatus.COMPLETED,
        completion_date=rto_today() - timedelta(days=days_ago),
    )


def test_overdue_and_due_this_week_panel(rto_user_client, offer):
    _completed(offer, 41, given_name="Olive", family_name="Overdue")
    _completed(offer, 26, given_name="Sam", family_name="Soon")
    _completed(offer, 5, given_name="Nora", family_name="Notyet")

    html = rto_user_client.get("/").content.decode()

    assert "Overdue / due this week" in html
    assert 'window=overdue"><span class="num">1</span> overdue credentials' in html
    assert 'window=week"><span class="num">1</span> due within 7 days' in html
    assert "11 days overdue" in html
    assert "Olive Overdue" in html
    assert "due in 4 days" in html
    assert "Nora Notyet" not in html


def test_nothing_due_says_so(rto_user_client, offer):
    html = rto_user_client.get("/").content.decode()
    assert "Nothing is overdue or due within 7 days" in html


def test_learners_with_unverified_usis_and_credentials_waiting(rto_user_client, offer):
    waiting = learner_make(
        given_name="Una", family_name="Verified", usi_status=UsiStatus.NOT_VERIFIED
    )
    credential_make(enrolment_make(learner=waiting, offer=offer))
    issued_only = learner_make(given_name="Ivy", usi_status=UsiStatus.NOT_SUPPLIED)
    register_entry(offer, learner=issued_only, status=CredentialStatus.ISSUED)
    verified = learner_make(given_name="Val")
    credential_make(enrolment_make(learner=verified, offer=offer))

    html = rto_user_client.get("/").content.decode()

    assert "1 learner without a verified USI or exemption has credentials waiting" in html
    assert f'href="/learners/{waiting.pk}/">Una Verified</a>' in html
    assert "USI not verified, 1 credential waiting" in html
    assert "Ivy" not in html
    assert "Val " not in html


def test_the_dashboard_costs_the_same_queries_however_much_is_waiting(rto_user_client, offer):
    credential_make(_completed(offer, 40, usi_status=UsiStatus.NOT_VERIFIED))
    rto_user_client.get("/")  # warm caches (time zone, content types)
    with CaptureQueriesContext(connection) as few:
        rto_user_client.get("/")
    for days in range(25, 45):
        credential_make(_completed(offer, days, usi_status=UsiStatus.NOT_VERIFIED))
    with CaptureQueriesContext(connection) as many:
        html = rto_user_client.get("/").content.decode()
    assert "21 learners without a verified USI" in html
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "today,shown",
    [
        (date(2027, 1, 1), True),
        (date(2027, 2, 28), True),
        (date(2028, 2, 29), True),
        (date(2027, 3, 1), False),
        (date(2027, 12, 31), False),
    ],
)
def test_the_reporting_calendar_says_when_total_vet_activity_is_due(
    rto_admin_client, monkeypatch, today, shown
):
    monkeypatch.setattr("testamur.reports.dashboard.rto_today", lambda: today)

    page = rto_admin_client.get(reverse("home")).content.decode()

    notice = f"Total VET Activity for {today.year - 1} is due"
    assert (notice in page) == shown
    if shown:
        assert f"date_from={today.year - 1}-01-01&amp;date_to={today.year - 1}-12-31" in page


def test_only_those_who_export_see_the_reporting_notice(rto_user_client, monkeypatch):
    monkeypatch.setattr("testamur.reports.dashboard.rto_today", lambda: date(2027, 1, 10))

    page = rto_user_client.get(reverse("home")).content.decode()

    assert "Total VET Activity" not in page
