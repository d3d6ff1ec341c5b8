"""How many learners are active, and how many of those have no cleared USI, without counting
the learners: counts kept by the database (core/kept_counts.py), by is_active and USI status.
`manage.py learner_counts` compares them with the learners (counts_drift) and `--rebuild`
recounts."""

from testamur.core.kept_counts import KeptCounts
from testamur.learners.models import USI_NOT_CLEARED, Learner, LearnerCount

LEARNER_COUNTS = KeptCounts(
    name="learners_count",
    counted=Learner,
    counts=LearnerCount,
    keys=("is_active", "usi_status"),
)
POSTGRES_FORWARD = LEARNER_COUNTS.postgres_forward()
POSTGRES_BACKWARD = LEARNER_COUNTS.postgres_backward()
learner_count_sqlite_triggers = LEARNER_COUNTS.sqlite_triggers


def learner_counts() -> dict[str, int]:
    """`active`: active learners; `usi_not_cleared`: those of them whose USI is not cleared."""
    counts = LEARNER_COUNTS.read()
    active = {status: n for (is_active, status), n in counts.items() if is_active}
    return {
        "active": sum(active.values()),
        "usi_not_cleared": sum(active.get(status, 0) for status in USI_NOT_CLEARED),
    }


def counts_drift() -> dict:
    """Keys whose kept count differs from a count of the learners: key → (counted, kept)."""
    return LEARNER_COUNTS.drift()


def counts_rebuild() -> dict:
    return LEARNER_COUNTS.rebuild()
