"""Counts of course enrolments the dashboard and the 30-day clock show, kept by the database
(core/kept_counts.py, docs/decisions/0032) so that neither counts a million enrolments:

- ENROLMENT_COUNTS: enrolments by status (the dashboard's active enrolments).
- CLOCK_WAITING_COUNTS: completions waiting for a credential (CLOCK_WAITING), by completion date.
  The clock's windows are date ranges, so its counts sum the dates a window covers.

`manage.py enrolment_counts` and `manage.py clock_counts` compare them with the enrolments;
`--rebuild` recounts.
"""

from datetime import date

from django.db.models import Q

from testamur.core.kept_counts import KeptCounts
from testamur.training.models import (
    CLOCK_STATUSES,
    CLOCK_WAITING,
    ClockWaitingCount,
    CourseEnrolment,
    EnrolmentCount,
    EnrolmentStatus,
)

ENROLMENT_COUNTS = KeptCounts(
    name="training_enrolment_count",
    counted=CourseEnrolment,
    counts=EnrolmentCount,
    keys=("status",),
)
_CLOCK_STATUSES_SQL = ", ".join(f"'{status.value}'" for status in CLOCK_STATUSES)
CLOCK_WAITING_COUNTS = KeptCounts(
    name="training_clock_waiting",
    counted=CourseEnrolment,
    counts=ClockWaitingCount,
    keys=("completion_date",),
    where=CLOCK_WAITING,
    # CLOCK_WAITING in SQL; the counts' check (drift) compares the two.
    where_sql=(
        f"{{row}}.status IN ({_CLOCK_STATUSES_SQL}) AND {{row}}.completion_date IS NOT NULL"
        " AND NOT {row}.qual_issued AND NOT {row}.credential_issued"
    ),
)
KEPT_COUNTS = (ENROLMENT_COUNTS, CLOCK_WAITING_COUNTS)


def enrolment_counts_sqlite_triggers(connection) -> list:
    return [trigger for kept in KEPT_COUNTS for trigger in kept.sqlite_triggers(connection)]


def enrolments_active() -> int:
    return ENROLMENT_COUNTS.read().get(EnrolmentStatus.ACTIVE.value, 0)


def clock_waiting(**windows: tuple[date, date]) -> dict[str, int]:
    """How many completions wait in each window, given as (first, last) completion dates."""
    return CLOCK_WAITING_COUNTS.sums(
        **{
            name: Q(completion_date__gte=first, completion_date__lte=last)
            for name, (first, last) in windows.items()
        }
    )
