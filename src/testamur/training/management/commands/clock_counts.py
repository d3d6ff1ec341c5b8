"""Check (or rebuild) the 30-day clock's counts of waiting completions against the enrolments."""

from testamur.core.kept_counts import KeptCountsCommand
from testamur.training.counts import CLOCK_WAITING_COUNTS


class Command(KeptCountsCommand):
    help = (
        "Compare the kept counts of completions waiting for a credential (by completion date) "
        "with the course enrolments (--rebuild: recount)."
    )
    counts = CLOCK_WAITING_COUNTS
    what = "The 30-day clock's counts"
    source = "the course enrolments"
    counted_label = "enrolments"
    rows = "waiting completions"
    groups = "completion dates"
