"""Check (or rebuild) the dashboard's learner counts against the learners themselves."""

from testamur.core.kept_counts import KeptCountsCommand
from testamur.learners.counts import LEARNER_COUNTS


class Command(KeptCountsCommand):
    help = (
        "Compare the kept learner counts (active, by USI status) with the learners "
        "(--rebuild: recount)."
    )
    counts = LEARNER_COUNTS
    what = "Learner counts"
    source = "the learners"
    counted_label = "learners"
    rows = "learners"
    groups = "groups (active or not, by USI status)"
