"""Check (or rebuild) the credential counts by status against the register itself."""

from testamur.core.kept_counts import KeptCountsCommand
from testamur.credentials.status_counts import STATUS_COUNTS


class Command(KeptCountsCommand):
    help = "Compare the kept credential counts by status with the register (--rebuild: recount)."
    counts = STATUS_COUNTS
    what = "Credential counts"
    source = "the register"
    counted_label = "register"
    rows = "credentials"
    groups = "statuses"
