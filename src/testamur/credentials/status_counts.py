"""Credential counts by status without counting the register (the dashboard's numbers).

The database keeps them: every INSERT, UPDATE and DELETE of credentials adds delta rows to
CredentialStatusCount in the same transaction, by trigger, whatever made the change (the
lifecycle, a bulk load, a script), so the counts cannot drift from the register by a code path
that forgot them. PostgreSQL: statement-level triggers over the transition tables (one delta
row per status a statement touched, even for a million-row INSERT). SQLite: row triggers,
installed after every migrate like the guards (core/db_guards.py says why).

status_counts() reads the sums and folds the deltas into one row per status once more than
FOLD_AT rows have gathered. counts_rebuild() recounts from the register (manage.py
credential_counts --rebuild); counts_drift() compares the two (--check).
"""

from django.db import connection, transaction
from django.db.models import Count, Sum

from testamur.core.db_guards import SqliteTrigger
from testamur.credentials.models import Credential, CredentialStatusCount

COUNTS = "credentials_credentialstatuscount"
REGISTER = "credentials_credential"
FOLD_AT = 200

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION credentials_status_count_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO credentials_credentialstatuscount (status, n)
            SELECT status, count(*) FROM new_rows GROUP BY status;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO credentials_credentialstatuscount (status, n)
            SELECT status, -count(*) FROM old_rows GROUP BY status;
    ELSE
        INSERT INTO credentials_credentialstatuscount (status, n)
        SELECT status, sum(k) FROM (
            SELECT status, -1 AS k FROM old_rows UNION ALL SELECT status, 1 FROM new_rows
        ) moved GROUP BY status HAVING sum(k) <> 0;
    END IF;
    RETURN NULL;
END $$;
"""
_PG_TRIGGERS = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}
POSTGRES_FORWARD = _PG_FUNCTION + "".join(
    f"CREATE TRIGGER credentials_status_count_{op.lower()} AFTER {op} ON {REGISTER} "
    f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION credentials_status_count_follow();\n"
    for op, referencing in _PG_TRIGGERS.items()
)
POSTGRES_BACKWARD = "".join(
    f"DROP TRIGGER IF EXISTS credentials_status_count_{op.lower()} ON {REGISTER};\n"
    for op in _PG_TRIGGERS
) + ("DROP FUNCTION IF EXISTS credentials_status_count_follow();\n")


def _sqlite_trigger(name: str, op: str, when: str, inserts: list[str]) -> SqliteTrigger:
    values = ", ".join(inserts)
    insert = f"INSERT INTO {COUNTS} (status, n) VALUES {values}"  # noqa: S608 - constants
    return SqliteTrigger(
        name=f"credentials_status_count_{name}",
        table=REGISTER,
        columns=("status",),
        definition=(f"AFTER {op} ON {REGISTER} FOR EACH ROW{when} BEGIN {insert}; END"),
    )


def status_count_sqlite_triggers(connection) -> list[SqliteTrigger]:
    """SQLite's copy of the PostgreSQL triggers (registered in apps.py)."""
    with connection.cursor() as cursor:
        if COUNTS not in connection.introspection.table_names(cursor):
            return []
    return [
        _sqlite_trigger("insert", "INSERT", "", ["(NEW.status, 1)"]),
        _sqlite_trigger(
            "update",
            "UPDATE OF status",
            " WHEN NEW.status IS NOT OLD.status",
            ["(OLD.status, -1)", "(NEW.status, 1)"],
        ),
        _sqlite_trigger("delete", "DELETE", "", ["(OLD.status, -1)"]),
    ]


def status_counts(*, fold: bool = True) -> dict[str, int]:
    """How many credentials are in each status (a status with none may be missing)."""
    rows = CredentialStatusCount.objects.values_list("status").annotate(
        total=Sum("n"), rows=Count("id")
    )
    rows = list(rows.order_by())
    if fold and sum(row[2] for row in rows) > FOLD_AT:
        _fold()
    return {status: total for status, total, _ in rows if total}


def _fold() -> None:
    """One row per status instead of many. DELETE … RETURNING hands back exactly the rows this
    statement removed, so two folds at once (or a fold beside new deltas) count each once."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {COUNTS} RETURNING status, n")  # noqa: S608
        totals: dict[str, int] = {}
        for status, n in cursor.fetchall():
            totals[status] = totals.get(status, 0) + n
        CredentialStatusCount.objects.bulk_create(
            CredentialStatusCount(status=status, n=n) for status, n in totals.items() if n
        )


def _register_counts() -> dict[str, int]:
    rows = Credential.objects.values_list("status").annotate(n=Count("id")).order_by()
    return dict(rows)


def counts_rebuild() -> dict[str, int]:
    """Recount from the register. On PostgreSQL writers of credentials wait meanwhile (SHARE
    lock), so no change falls between the count and the new rows."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {REGISTER} IN SHARE MODE")
                cursor.execute(f"LOCK TABLE {COUNTS} IN EXCLUSIVE MODE")
        counted = _register_counts()
        CredentialStatusCount.objects.all().delete()
        CredentialStatusCount.objects.bulk_create(
            CredentialStatusCount(status=status, n=n) for status, n in counted.items()
        )
    return counted


def counts_drift() -> dict[str, tuple[int, int]]:
    """Statuses whose kept count differs from the register's: status → (register, kept)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":  # one snapshot for both reads
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        counted, kept = _register_counts(), status_counts(fold=False)
    return {
        status: (counted.get(status, 0), kept.get(status, 0))
        for status in sorted(set(counted) | set(kept))
        if counted.get(status, 0) != kept.get(status, 0)
    }
