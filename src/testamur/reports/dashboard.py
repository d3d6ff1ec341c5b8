"""The home dashboard: what needs doing today, across the register, the clock and USIs."""

from datetime import date, timedelta

from testamur.credentials.emailing import emails_unresolved
from testamur.credentials.selectors import (
    credential_status_counts,
    learners_unverified_waiting,
    learners_unverified_waiting_list,
    runs_in_progress,
)
from testamur.learners.counts import learner_counts
from testamur.reports.clock import ClockWindow, clock_counts, clock_items
from testamur.reports.services import rto_today
from testamur.training.counts import enrolments_active
from testamur.training.models import CourseOffer

DASHBOARD_LIST = 10


def avetmiss_reporting_due(today) -> dict | None:
    """From 1 January to the end of February last year's Total VET Activity is due to NCVER."""
    if today.month > 2:
        return None
    year = today.year - 1
    end_of_february = date(today.year, 3, 1) - timedelta(days=1)
    return {"year": year, "due": end_of_february, "days_left": (end_of_february - today).days}


def dashboard_counts() -> dict:
    today = rto_today()
    learners = learner_counts()
    return {
        "learners_active": learners["active"],
        "usi_unverified": learners["usi_not_cleared"],
        "enrolments_active": enrolments_active(),
        "offers": CourseOffer.objects.count(),
        "credentials": credential_status_counts(),
        "runs_in_progress": runs_in_progress(),
        "clock": clock_counts(today=today),
        "clock_items": clock_items(
            today=today, window=ClockWindow.DUE_THIS_WEEK, limit=DASHBOARD_LIST
        ),
        "unverified_waiting_count": learners_unverified_waiting().count(),
        "unverified_waiting": learners_unverified_waiting_list(DASHBOARD_LIST),
        "emails_failed": emails_unresolved().count(),
        "avetmiss_due": avetmiss_reporting_due(today),
    }
