"""The dashboard's "active learners" and "active learners without a verified USI" come from
counts the database keeps (not a count of half a million learners): they must always equal a
straight count, whatever changed the learners — a service, a queryset update, raw SQL."""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from testamur.learners.counts import counts_drift, learner_counts
from testamur.learners.models import Learner, LearnerCount, UsiStatus, usi_not_cleared
from tests.factories import learner_make, organisation_configured

pytestmark = pytest.mark.django_db

ACTIVE = re.compile(r'<span class="num">(\d+)</span> active learners</a>')
UNVERIFIED = re.compile(r'<span class="num">(\d+)</span> active learners without a verified USI')


def _straight() -> tuple[int, int]:
    active = Learner.objects.filter(is_active=True)
    return active.count(), active.filter(usi_not_cleared()).count()


def _dashboard(client) -> tuple[int, int]:
    page = client.get("/").content.decode()
    return int(ACTIVE.search(page).group(1)), int(UNVERIFIED.search(page).group(1))


@pytest.fixture
def learners():
    organisation_configured()
    return {
        "verified": [learner_make() for _ in range(3)],
        "not_verified": [learner_make(usi_status=UsiStatus.NOT_VERIFIED) for _ in range(2)],
        "not_supplied": [learner_make(usi_status=UsiStatus.NOT_SUPPLIED)],
        "exempt": [learner_make(usi_status=UsiStatus.EXEMPTION_INDIV)],
    }


def test_the_dashboard_shows_the_learners_as_a_straight_count_would(rto_admin_client, learners):
    shown = _dashboard(rto_admin_client)

    assert shown == _straight() == (7, 3)


def test_deactivating_verifying_and_deleting_keep_the_counts(rto_admin_client, learners):
    Learner.objects.filter(pk=learners["verified"][0].pk).update(is_active=False)
    Learner.objects.filter(pk=learners["not_verified"][0].pk).update(
        usi_status=UsiStatus.VERIFIED, usi_verified_on=date(2026, 12, 1)
    )
    learners["exempt"][0].delete()
    with connection.cursor() as cursor:  # a script working past the ORM is counted too
        cursor.execute(
            "UPDATE learners_learner SET is_active = %s WHERE id = %s",
            [False, learners["not_supplied"][0].pk],
        )

    shown = _dashboard(rto_admin_client)

    assert shown == _straight() == (4, 1)
    assert counts_drift() == {}


def test_the_check_finds_a_drift_and_the_rebuild_mends_it(learners):
    LearnerCount.objects.create(is_active=True, usi_status=UsiStatus.NOT_VERIFIED, n=5)
    assert learner_counts() == {"active": 12, "usi_not_cleared": 8}

    with pytest.raises(CommandError) as refused:
        call_command("learner_counts", stdout=StringIO())
    assert "Learner counts differ from the learners (run with --rebuild)" in str(refused.value)
    assert "(True, 'not_verified'): learners 2, kept 7" in str(refused.value)

    out = StringIO()
    call_command("learner_counts", "--rebuild", stdout=out)
    call_command("learner_counts", stdout=out)

    assert "Learner counts agree with the learners." in out.getvalue()
    assert learner_counts() == {"active": 7, "usi_not_cleared": 3}
