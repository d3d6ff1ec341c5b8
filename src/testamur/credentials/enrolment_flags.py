"""A course enrolment's `credential_issued` flag: True while a credential requested from it is
Issued. The 30-day clock reads it (reports/clock.py) instead of looking for an issued
credential of every completion of the year (docs/decisions/0031).

The database keeps it, like the counts by status (status_counts.py, 0028): every INSERT,
UPDATE and DELETE of credentials that makes or unmakes an issued credential of an enrolment
sets the enrolment's flag again in the same transaction, whatever made the change (the
lifecycle, a bulk load, a script), so no code path can leave the clock wrong. PostgreSQL:
statement-level triggers over the transition tables (one UPDATE per statement, however many
rows it touched). SQLite: row triggers, installed after every migrate like the guards.

A raw edit of the flag itself is found by `manage.py verify_register` (flags_wrong) and set
right by `verify_register --mend` (flags_mend).
"""

# ruff: noqa: S608 - the SQL here is built from this module's constants only

from django.db.models import Exists, OuterRef, Q, QuerySet

from testamur.core.db_guards import SqliteTrigger
from testamur.credentials.models import Credential, CredentialStatus
from testamur.training.models import CourseEnrolment

REGISTER = "credentials_credential"
ENROLMENTS = "training_courseenrolment"
ISSUED = CredentialStatus.ISSUED.value


def _pg_set(touched: str) -> str:
    """Set the flag of the enrolments `touched` (a query of their ids) where it is wrong."""
    return f"""
        UPDATE {ENROLMENTS} AS e SET credential_issued = NOT e.credential_issued
         WHERE e.id IN ({touched})
           AND e.credential_issued <> EXISTS (
               SELECT 1 FROM {REGISTER} c
                WHERE c.course_enrolment_id = e.id AND c.status = '{ISSUED}'
           );"""


# An UPDATE touches an enrolment when a credential of it became or stopped being Issued, or an
# issued credential moved between enrolments (both are touched).
_MOVED = f"""
    SELECT unnest(ARRAY[o.course_enrolment_id, n.course_enrolment_id])
      FROM old_rows o JOIN new_rows n ON n.id = o.id
     WHERE (o.status = '{ISSUED}') <> (n.status = '{ISSUED}')
        OR ((o.status = '{ISSUED}' OR n.status = '{ISSUED}')
            AND o.course_enrolment_id IS DISTINCT FROM n.course_enrolment_id)"""

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION credentials_enrolment_issued_follow() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_pg_set(f"SELECT course_enrolment_id FROM new_rows WHERE status = '{ISSUED}'")}
    ELSIF TG_OP = 'DELETE' THEN
        {_pg_set(f"SELECT course_enrolment_id FROM old_rows WHERE status = '{ISSUED}'")}
    ELSE
        {_pg_set(_MOVED)}
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
    f"CREATE TRIGGER credentials_enrolment_issued_{op.lower()} AFTER {op} ON {REGISTER} "
    f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION credentials_enrolment_issued_follow();\n"
    for op, referencing in _PG_TRIGGERS.items()
)
POSTGRES_BACKWARD = "".join(
    f"DROP TRIGGER IF EXISTS credentials_enrolment_issued_{op.lower()} ON {REGISTER};\n"
    for op in _PG_TRIGGERS
) + ("DROP FUNCTION IF EXISTS credentials_enrolment_issued_follow();\n")


def _sqlite_set(enrolment: str) -> str:
    return (
        f"UPDATE {ENROLMENTS} SET credential_issued = EXISTS ("
        f"SELECT 1 FROM {REGISTER} c WHERE c.course_enrolment_id = {enrolment} "
        f"AND c.status = '{ISSUED}') WHERE id = {enrolment};"
    )


def enrolment_flag_sqlite_triggers(connection) -> list[SqliteTrigger]:
    """SQLite's copy of the PostgreSQL triggers (registered in apps.py)."""
    with connection.cursor() as cursor:
        description = connection.introspection.get_table_description(cursor, ENROLMENTS)
    if "credential_issued" not in {column.name for column in description}:
        return []  # a database migrated to before the flag

    def trigger(name: str, definition: str) -> SqliteTrigger:
        return SqliteTrigger(
            name=f"credentials_enrolment_issued_{name}",
            table=REGISTER,
            columns=("status", "course_enrolment_id"),
            definition=definition,
        )

    was, now = f"OLD.status = '{ISSUED}'", f"NEW.status = '{ISSUED}'"
    return [
        trigger(
            "insert",
            f"AFTER INSERT ON {REGISTER} FOR EACH ROW WHEN {now} "
            f"BEGIN {_sqlite_set('NEW.course_enrolment_id')} END",
        ),
        trigger(
            "update",
            f"AFTER UPDATE OF status, course_enrolment_id ON {REGISTER} FOR EACH ROW "
            f"WHEN ({was}) IS NOT ({now}) OR (({was} OR {now}) "
            "AND OLD.course_enrolment_id IS NOT NEW.course_enrolment_id) "
            f"BEGIN {_sqlite_set('OLD.course_enrolment_id')} "
            f"{_sqlite_set('NEW.course_enrolment_id')} END",
        ),
        trigger(
            "delete",
            f"AFTER DELETE ON {REGISTER} FOR EACH ROW WHEN {was} "
            f"BEGIN {_sqlite_set('OLD.course_enrolment_id')} END",
        ),
    ]


def _issued_credential() -> Exists:
    return Exists(
        Credential.objects.filter(course_enrolment=OuterRef("pk"), status=CredentialStatus.ISSUED)
    )


def flags_wrong() -> QuerySet[CourseEnrolment]:
    """The course enrolments whose flag disagrees with their credentials (a raw edit)."""
    issued = _issued_credential()
    return CourseEnrolment.objects.filter(
        Q(~issued, credential_issued=True) | Q(issued, credential_issued=False)
    )


def flags_mend() -> int:
    """Set every wrong flag from the credentials, in one statement. Returns how many."""
    return flags_wrong().update(credential_issued=_issued_credential())
