"""Credential counts by status without counting the register (the dashboard's numbers).

The database keeps them (core/kept_counts.py): every INSERT, UPDATE and DELETE of credentials
adds delta rows to CredentialStatusCount in the same transaction, by trigger, whatever made the
change (the lifecycle, a bulk load, a script), so the counts cannot drift from the register by
a code path that forgot them. `manage.py credential_counts` compares them with the register
(counts_drift) and `--rebuild` recounts (counts_rebuild).
"""

from testamur.core.kept_counts import FOLD_AT, KeptCounts
from testamur.credentials.models import Credential, CredentialStatusCount

__all__ = ["FOLD_AT", "STATUS_COUNTS", "counts_drift", "counts_rebuild", "status_counts"]

STATUS_COUNTS = KeptCounts(
    name="credentials_status_count",
    counted=Credential,
    counts=CredentialStatusCount,
    keys=("status",),
)
POSTGRES_FORWARD = STATUS_COUNTS.postgres_forward()
POSTGRES_BACKWARD = STATUS_COUNTS.postgres_backward()
status_count_sqlite_triggers = STATUS_COUNTS.sqlite_triggers


def status_counts(*, fold: bool = True) -> dict[str, int]:
    """How many credentials are in each status (a status with none may be missing)."""
    return STATUS_COUNTS.read(fold=fold)


def counts_rebuild() -> dict[str, int]:
    return STATUS_COUNTS.rebuild()


def counts_drift() -> dict[str, tuple[int, int]]:
    """Statuses whose kept count differs from the register's: status → (register, kept)."""
    return STATUS_COUNTS.drift()
