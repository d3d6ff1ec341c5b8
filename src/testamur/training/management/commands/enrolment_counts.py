"""Check (or rebuild) the dashboard's course enrolment counts against the enrolments."""

from testamur.core.kept_counts import KeptCountsCommand
from testamur.training.counts import ENROLMENT_COUNTS


class Command(KeptCountsCommand):
    help = (
        "Compare the kept course enrolment counts (by status) with the enrolments "
        "(--rebuild: recount)."
    )
    counts = ENROLMENT_COUNTS
    what = "Enrolment counts"
    source = "the course enrolments"
    counted_label = "enrolments"
    rows = "course enrolments"
    groups = "statuses"
